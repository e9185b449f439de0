//! What the queries get from the case: small tables and bound parameters.
//!
//! In: a [`Case`]. Out: the tables `case_entities`, `case_units`, `case_upstreams`,
//! `case_domains`, `bins` and `signal_params` registered in the session (through a
//! [`TableStore`]), and the `$name` parameter values of the
//! queries. Bins are numbered from the analysis start (the case start minus the longest
//! history, on a multiple of the bin size since 1970).

use super::case::Case;
use super::tables::TableStore;
use arrow::array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray, UInt8Array, UInt32Array};
use arrow::datatypes::{Field, Schema};
use datafusion::common::{ParamValues, ScalarValue};
use datafusion::error::Result;
use datafusion::prelude::SessionContext;
use std::sync::Arc;

/// Number of bins of the analysis.
pub fn n_bins(case: &Case) -> i64 {
    (case.analysis_end_us() - case.analysis_start_us()) / case.bin_us()
}

/// The first and last bin that lie within the case's range.
pub fn case_bins(case: &Case) -> (i64, i64) {
    let b = case.bin_us();
    let origin = case.analysis_start_us();
    // Only bins wholly inside the range: a bin cut by the range's edge holds part of a bin's
    // data and would read as a drop.
    let first = (case.start.timestamp_micros() - origin + b - 1).div_euclid(b);
    let last = (case.end.timestamp_micros() - origin).div_euclid(b) - 1;
    (first, last)
}

/// The query parameters.
pub fn param_values(case: &Case) -> ParamValues {
    let (first, last) = case_bins(case);
    let i = |v: i64| ScalarValue::Int64(Some(v));
    let t = |v: i64| ScalarValue::TimestampMicrosecond(Some(v), Some("UTC".into()));
    let lookback = case.analysis_start_us() - case.bgp_state_lookback.micros();
    // The days (the lake's `date` partitions) of those times: a filter on them drops the
    // other days' files when the query is planned, so that the engine splits the remaining
    // ones among its threads (files pruned later, by their statistics, leave one thread
    // with all the work). The end is exclusive, so its day is that of the microsecond before.
    let d = |v: i64| ScalarValue::Utf8(Some(crate::lake::date_of(v)));
    ParamValues::from(vec![
        ("lookback_date", d(lookback)),
        ("origin_date", d(case.analysis_start_us())),
        ("end_date", d(case.analysis_end_us() - 1)),
        ("origin_ts", t(case.analysis_start_us())),
        ("end_ts", t(case.analysis_end_us())),
        ("lookback_ts", t(lookback)),
        ("origin_us", i(case.analysis_start_us())),
        ("end_us", i(case.analysis_end_us())),
        ("bin_us", i(case.bin_us())),
        ("n_bins", i(n_bins(case))),
        ("ff_v4", i(case.bgp.full_feed_min_v4 as i64)),
        ("ff_v6", i(case.bgp.full_feed_min_v6 as i64)),
        ("visible_fraction", ScalarValue::Float64(Some(case.bgp.visible_fraction))),
        ("first_bin", i(first)),
        ("last_bin", i(last)),
    ])
}

fn register(ctx: &SessionContext, store: &TableStore, name: &str, cols: Vec<(&str, ArrayRef)>) -> Result<()> {
    let schema = Arc::new(Schema::new(cols.iter().map(|(n, a)| Field::new(*n, a.data_type().clone(), true)).collect::<Vec<_>>()));
    let batch = RecordBatch::try_new(schema.clone(), cols.into_iter().map(|(_, a)| a).collect())?;
    store.register(ctx, name, schema, vec![batch])
}

/// How one signal is judged: the row of the `signal_params` table.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalParam {
    pub signal: &'static str,
    /// Baseline history, in bins.
    pub history_bins: i64,
    pub warning: f64,
    pub critical: f64,
    pub min_history_bins: u32,
    /// `drop`, `surge` or `both`.
    pub direction: &'static str,
    /// Smallest change of a count that can be anomalous (counting signals).
    pub min_change: f64,
}

/// Every signal's thresholds, from the case (the one place they are decided).
pub fn signal_params(case: &Case) -> Vec<SignalParam> {
    let b = case.bin_us();
    let bins_of = |d: super::duration::Duration| (d.micros() / b).max(1);
    let (bgp, trace, dns) = (&case.bgp, &case.trace, &case.dns);
    let (hb, ht, hd) = (bins_of(case.bgp_history), bins_of(case.trace_history), bins_of(case.dns_history));
    let m = case.dns_min_change as f64;
    let p = |signal, history_bins, warning, critical, min_history_bins, direction, min_change| SignalParam {
        signal,
        history_bins,
        warning,
        critical,
        min_history_bins,
        direction,
        min_change,
    };
    vec![
        p("bgp_visibility_v4", hb, bgp.warning, bgp.critical, bgp.min_history_bins, "drop", 0.0),
        p("bgp_visibility_v6", hb, bgp.warning, bgp.critical, bgp.min_history_bins, "drop", 0.0),
        p("bgp_prefix_visibility", hb, bgp.warning, bgp.critical, bgp.min_history_bins, "drop", 0.0),
        p("bgp_upstream_split", hb, bgp.warning, bgp.critical, bgp.min_history_bins, "drop", 0.0),
        p("trace_reach", ht, trace.warning, trace.critical, trace.min_history_bins, "drop", 0.0),
        p("dns_answered", hd, dns.warning, dns.critical, dns.min_history_bins, "drop", 0.0),
        p("dns_failures", hd, dns.warning, dns.critical, dns.min_history_bins, "surge", m),
        // Query volume is coarse (a few queries per bin): only critical changes count.
        p("dns_volume", hd, dns.critical, dns.critical, dns.min_history_bins, "both", m),
    ]
}

/// Registers the case's tables (kept where `store` keeps tables).
pub fn register_case_tables(ctx: &SessionContext, case: &Case, store: &TableStore) -> Result<()> {
    let mut e_name = Vec::new();
    let mut e_asn = Vec::new();
    let mut e_has = Vec::new();
    let mut u_entity = Vec::new();
    let mut u_unit = Vec::new();
    let mut u_afi = Vec::new();
    let mut u_len = Vec::new();
    let mut up_entity = Vec::new();
    let mut up_asn = Vec::new();
    for (e, nets) in case.entities.iter().zip(&case.entity_prefixes) {
        e_name.push(e.name.clone());
        e_asn.push(e.asn);
        e_has.push(!nets.is_empty());
        for n in nets {
            u_entity.push(e.name.clone());
            u_unit.push(n.to_string());
            u_afi.push(if n.addr().is_ipv4() { 4u8 } else { 6 });
            u_len.push(n.prefix_len());
        }
        for u in &e.upstreams {
            up_entity.push(e.name.clone());
            up_asn.push(*u);
        }
    }
    register(
        ctx,
        store,
        "case_entities",
        vec![
            ("entity", Arc::new(StringArray::from(e_name)) as ArrayRef),
            ("asn", Arc::new(UInt32Array::from(e_asn))),
            ("has_prefixes", Arc::new(BooleanArray::from(e_has))),
        ],
    )?;
    register(
        ctx,
        store,
        "case_units",
        vec![
            ("entity", Arc::new(StringArray::from(u_entity)) as ArrayRef),
            ("unit", Arc::new(StringArray::from(u_unit))),
            ("afi", Arc::new(UInt8Array::from(u_afi))),
            ("prefix_len", Arc::new(UInt8Array::from(u_len))),
        ],
    )?;
    register(
        ctx,
        store,
        "case_upstreams",
        vec![("entity", Arc::new(StringArray::from(up_entity)) as ArrayRef), ("upstream_asn", Arc::new(UInt32Array::from(up_asn)))],
    )?;
    let n = n_bins(case);
    let origin = case.analysis_start_us();
    let b = case.bin_us();
    register(
        ctx,
        store,
        "bins",
        vec![
            ("bin", Arc::new(Int64Array::from_iter_values(0..n)) as ArrayRef),
            ("bin_start_us", Arc::new(Int64Array::from_iter_values((0..n).map(|i| origin + i * b)))),
        ],
    )?;
    let fam = signal_params(case);
    register(
        ctx,
        store,
        "signal_params",
        vec![
            ("signal", Arc::new(StringArray::from(fam.iter().map(|f| f.signal).collect::<Vec<_>>())) as ArrayRef),
            ("history_bins", Arc::new(Int64Array::from(fam.iter().map(|f| f.history_bins).collect::<Vec<_>>()))),
            ("warning", Arc::new(Float64Array::from(fam.iter().map(|f| f.warning).collect::<Vec<_>>()))),
            ("critical", Arc::new(Float64Array::from(fam.iter().map(|f| f.critical).collect::<Vec<_>>()))),
            ("min_history_bins", Arc::new(Int64Array::from(fam.iter().map(|f| f.min_history_bins as i64).collect::<Vec<_>>()))),
            ("direction", Arc::new(StringArray::from(fam.iter().map(|f| f.direction).collect::<Vec<_>>()))),
            ("min_change", Arc::new(Float64Array::from(fam.iter().map(|f| f.min_change).collect::<Vec<_>>()))),
        ],
    )?;
    let mut d_entity = Vec::new();
    let mut d_domain = Vec::new();
    for e in &case.entities {
        for d in &e.domains {
            d_entity.push(e.name.clone());
            d_domain.push(d.trim_end_matches('.').to_ascii_lowercase());
        }
    }
    register(
        ctx,
        store,
        "case_domains",
        vec![("entity", Arc::new(StringArray::from(d_entity)) as ArrayRef), ("domain", Arc::new(StringArray::from(d_domain)))],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date_param(values: &ParamValues, name: &str) -> String {
        let ParamValues::Map(map) = values else { panic!("named parameters") };
        match &map[name].value {
            ScalarValue::Utf8(Some(d)) => d.clone(),
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn date_parameters_are_the_days_of_the_time_bounds_with_the_end_exclusive() {
        // Ends exactly at midnight: the last day read is the one before it. One hour of BGP
        // history and a day of state lookback reach back into the two days before the start.
        let case = Case::parse(
            "name = \"t\"\nstart = \"2024-10-01T00:00:00Z\"\nend = \"2024-10-02T00:00:00Z\"\nbin = \"5m\"\n\
             [bgp]\nhistory = \"1h\"\nstate_lookback = \"1d\"\n[trace]\nhistory = \"1h\"\n[dns]\nhistory = \"1h\"\n\
             [[entity]]\nname = \"X\"\nasn = 64500\n",
            std::path::Path::new("."),
        )
        .unwrap();
        let v = param_values(&case);
        assert_eq!(date_param(&v, "origin_date"), "2024-09-30");
        assert_eq!(date_param(&v, "lookback_date"), "2024-09-29");
        assert_eq!(date_param(&v, "end_date"), "2024-10-01");
    }
}
