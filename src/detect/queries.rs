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
    "entity_route_bins",
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
    ("entity_route_bins", include_str!("../../queries/entity_route_bins.sql")),
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
}
