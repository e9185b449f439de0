//! The SQL of detection: one file per derived table in `queries/`, run in a fixed order.
//!
//! In: the `queries/` folder of the source tree (compiled into the binary) or a folder given
//! with `--queries`. Out: the text of each query with its sha256 (for the manifest). Each
//! query is one `SELECT` whose result becomes the table named after the file; parameters are
//! `$name` placeholders bound from the case (see [`super::params`]), never pasted into text.

use sha2::{Digest, Sha256};
use std::path::Path;

/// The derived tables, in the order they are built.
pub const PIPELINE: &[&str] = &[
    "bgp_route_intervals",
    "bgp_peer_feed",
    "entity_units",
    "entity_routes",
    "entity_route_peers",
    "bgp_unit_visibility",
    "bgp_visibility",
    "bgp_upstream_split",
    "trace_measurements",
    "trace_reach",
    "trace_stops",
    "dns_health",
    "dns_signals",
    "dns_names",
    "signals",
    "signal_levels",
    "windows",
    "footprint",
];

/// The queries compiled into the binary.
const BUILT_IN: &[(&str, &str)] = &[
    ("bgp_route_intervals", include_str!("../../queries/bgp_route_intervals.sql")),
    ("bgp_peer_feed", include_str!("../../queries/bgp_peer_feed.sql")),
    ("entity_units", include_str!("../../queries/entity_units.sql")),
    ("entity_routes", include_str!("../../queries/entity_routes.sql")),
    ("entity_route_peers", include_str!("../../queries/entity_route_peers.sql")),
    ("bgp_unit_visibility", include_str!("../../queries/bgp_unit_visibility.sql")),
    ("bgp_visibility", include_str!("../../queries/bgp_visibility.sql")),
    ("bgp_upstream_split", include_str!("../../queries/bgp_upstream_split.sql")),
    ("trace_measurements", include_str!("../../queries/trace_measurements.sql")),
    ("trace_reach", include_str!("../../queries/trace_reach.sql")),
    ("trace_stops", include_str!("../../queries/trace_stops.sql")),
    ("dns_health", include_str!("../../queries/dns_health.sql")),
    ("dns_signals", include_str!("../../queries/dns_signals.sql")),
    ("dns_names", include_str!("../../queries/dns_names.sql")),
    ("signals", include_str!("../../queries/signals.sql")),
    ("signal_levels", include_str!("../../queries/signal_levels.sql")),
    ("windows", include_str!("../../queries/windows.sql")),
    ("footprint", include_str!("../../queries/footprint.sql")),
];

/// One query of the pipeline.
#[derive(Debug, Clone)]
pub struct Query {
    pub name: &'static str,
    pub text: String,
    pub sha256: String,
}

/// Loads the pipeline's queries from `dir`, or the built-in ones.
pub fn load(dir: Option<&Path>) -> Result<Vec<Query>, String> {
    PIPELINE
        .iter()
        .map(|name| {
            let text = match dir {
                Some(d) => {
                    let p = d.join(format!("{name}.sql"));
                    std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?
                }
                None => BUILT_IN
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, t)| t.to_string())
                    .ok_or_else(|| format!("no built-in query {name}"))?,
            };
            let sha256 = hex::encode(Sha256::digest(text.as_bytes()));
            Ok(Query { name, text, sha256 })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pipeline_step_has_a_query_that_names_its_table() {
        let qs = load(None).unwrap();
        assert_eq!(qs.len(), PIPELINE.len());
        for q in qs {
            assert!(q.text.starts_with(&format!("-- {}:", q.name)), "{} must start with a comment naming it", q.name);
        }
    }

    /// Route intervals of updates and session changes given as SQL rows (time in seconds).
    fn route_intervals(updates: &str, states: &str) -> Vec<String> {
        use datafusion::common::ParamValues;
        use datafusion::scalar::ScalarValue;
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let ctx = crate::engine::new_session(2);
            let views = [
                format!(
                    "CREATE VIEW bgp_updates AS SELECT to_timestamp_micros(column1 * 1000000) AS ts, 'c' AS collector,
                     column2 AS peer_ip, arrow_cast(1, 'UInt32') AS peer_asn, column3 AS elem_type, column4 AS prefix,
                     arrow_cast(24, 'UInt8') AS prefix_len, arrow_cast(4, 'UInt8') AS afi, arrow_cast(NULL, 'UInt32') AS path_id,
                     arrow_cast(64500, 'UInt32') AS origin_asn, arrow_cast(64501, 'UInt32') AS upstream_asn,
                     arrow_cast(column5, 'UInt64') AS record_offset,
                     to_char(to_timestamp_micros(column1 * 1000000), '%Y-%m-%d') AS date FROM (VALUES {updates})"
                ),
                format!(
                    "CREATE VIEW bgp_peer_state AS SELECT to_timestamp_micros(column1 * 1000000) AS ts, 'c' AS collector,
                     column2 AS peer_ip, arrow_cast(1, 'UInt32') AS peer_asn, column3 AS old_state, column4 AS new_state,
                     arrow_cast(column5, 'UInt64') AS record_offset,
                     to_char(to_timestamp_micros(column1 * 1000000), '%Y-%m-%d') AS date FROM (VALUES {states})"
                ),
                "CREATE VIEW bgp_rib AS SELECT * FROM bgp_updates WHERE false".replace(
                    "*",
                    "ts AS dump_ts, collector, peer_ip, peer_asn, prefix, path_id, afi, prefix_len, upstream_asn, origin_asn, date",
                ),
            ];
            for v in views {
                ctx.sql(&v).await.unwrap();
            }
            let t = |s: i64| ScalarValue::TimestampMicrosecond(Some(s * 1_000_000), Some("UTC".into()));
            let d = || ScalarValue::Utf8(Some("1970-01-01".into()));
            let params = ParamValues::from(vec![
                ("origin_ts", t(0)),
                ("end_ts", t(1000)),
                ("lookback_ts", t(0)),
                ("lookback_date", d()),
                ("origin_date", d()),
                ("end_date", d()),
            ]);
            let select = "SELECT peer_ip, prefix, start_us / 1000000 AS s, end_us / 1000000 AS e FROM ({}) ORDER BY 1, 2, 3";
            rows_of(&ctx, "bgp_route_intervals", select, params).await
        })
    }

    /// The built-in query `name`, run in `ctx` inside `select` (its `{}`) with `params`: the
    /// rows, one line each, cells between `|`.
    async fn rows_of(
        ctx: &datafusion::prelude::SessionContext,
        name: &str,
        select: &str,
        params: datafusion::common::ParamValues,
    ) -> Vec<String> {
        let q = load(None).unwrap().into_iter().find(|q| q.name == name).unwrap();
        let df = ctx.sql(&select.replace("{}", &q.text)).await.unwrap();
        let batches = df.with_param_values(params).unwrap().collect().await.unwrap();
        let text = arrow::util::pretty::pretty_format_batches(&batches).unwrap().to_string();
        let header = text.lines().nth(1).unwrap_or_default().to_string();
        text.lines().filter(|l| l.starts_with("| ") && *l != header).map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect()
    }

    /// Per peer and bin, the table size and full-feed flag of route intervals given as SQL rows
    /// (collector c, IPv4; times in seconds, bins of 10 s from 0, 5 bins, full-feed above 1).
    fn peer_feed(intervals: &str) -> Vec<String> {
        use datafusion::common::ParamValues;
        use datafusion::scalar::ScalarValue;
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let ctx = crate::engine::new_session(2);
            ctx.sql(&format!(
                "CREATE VIEW bgp_route_intervals AS SELECT 'c' AS collector, column1 AS peer_ip, arrow_cast(1, 'UInt32') AS peer_asn,
                 arrow_cast(4, 'UInt8') AS afi, arrow_cast(column2 * 1000000, 'Int64') AS start_us,
                 arrow_cast(column3 * 1000000, 'Int64') AS end_us FROM (VALUES {intervals})"
            ))
            .await
            .unwrap();
            let i = |v: i64| ScalarValue::Int64(Some(v));
            let params =
                ParamValues::from(vec![("origin_us", i(0)), ("bin_us", i(10_000_000)), ("n_bins", i(5)), ("ff_v4", i(1)), ("ff_v6", i(1))]);
            rows_of(&ctx, "bgp_peer_feed", "SELECT peer_ip, bin, table_size, full_feed FROM ({}) ORDER BY 1, 2", params).await
        })
    }

    #[test]
    fn every_peer_has_a_table_size_in_every_bin_zero_before_its_first_route() {
        // a: two routes from the start, past the end; b: its first route in bin 2, a second in
        // bin 3, one gone in bin 4; c: one route still up at the end of the data (no end).
        let got = peer_feed("('a', 0, 100), ('a', 5, 100), ('b', 25, 45), ('b', 31, NULL), ('c', 5, NULL)");
        let want: Vec<String> = [("a", [2, 2, 2, 2, 2]), ("b", [0, 0, 1, 2, 1]), ("c", [1, 1, 1, 1, 1])]
            .iter()
            .flat_map(|(peer, sizes)| sizes.iter().enumerate().map(move |(bin, n)| format!("| {peer} | {bin} | {n} | {} |", n > &1)))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_session_down_ends_the_routes_announced_before_it_and_at_its_own_time_and_offset() {
        // Peer a: two routes before a down at 50, one announced at the down's own time and
        // offset (it sorts before the down, which ends it), one after the down (up to the
        // next update). Peer b has no down: its route runs to its withdrawal, then stays
        // open once announced again.
        let got = route_intervals(
            "(10, 'a', 'A', '10.0.0.0/24', 1), (20, 'a', 'A', '10.0.1.0/24', 2), (30, 'a', 'A', '10.0.0.0/24', 3),
             (50, 'a', 'A', '10.0.2.0/24', 7), (60, 'a', 'A', '10.0.3.0/24', 8), (70, 'a', 'W', '10.0.3.0/24', 9),
             (15, 'b', 'A', '10.0.0.0/24', 4), (40, 'b', 'W', '10.0.0.0/24', 5), (45, 'b', 'A', '10.0.0.0/24', 6)",
            "(50, 'a', 'Established', 'Idle', 7), (55, 'a', 'Idle', 'Established', 8)",
        );
        assert_eq!(
            got,
            [
                "| a | 10.0.0.0/24 | 10 | 30 |",
                "| a | 10.0.0.0/24 | 30 | 50 |",
                "| a | 10.0.1.0/24 | 20 | 50 |",
                "| a | 10.0.2.0/24 | 50 | 50 |",
                "| a | 10.0.3.0/24 | 60 | 70 |",
                "| b | 10.0.0.0/24 | 15 | 40 |",
                "| b | 10.0.0.0/24 | 45 | |",
            ]
        );
    }
}
