//! Verdicts: was an outage inside the network, at one upstream, or can we not tell?
//!
//! In: the `windows` and `signal_levels` tables of the SQL pipeline. Out: [`Window`]s sorted
//! by entity, start, scope and signal, each with a verdict and its evidence in words:
//!
//! - a visibility window of a prefix is `internal` when every upstream that carried the
//!   prefix before the window lost it within one bin of the others, `upstream:<ASN>` when
//!   exactly one of two or more upstreams lost it, `inconclusive` otherwise (no upstream seen,
//!   or losses spread out in time);
//! - a visibility window of the whole entity takes the verdict its prefix-level windows agree
//!   on (or, without any, the same test on the entity's upstream split);
//! - an upstream-split window that overlaps a visibility window of the entity belongs to that
//!   outage and shares its verdict; one that does not is a partial event: `upstream:<ASN>`, the
//!   entity stayed reachable through its other upstreams.

use super::Derived;
use super::case::Case;
use arrow::array::{Array, AsArray, RecordBatch};
use datafusion::error::{DataFusionError, Result};
use std::collections::BTreeMap;

/// One outage window with its verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub entity: String,
    /// `*` for the whole entity, else the prefix.
    pub scope: String,
    pub signal: String,
    pub upstream_asn: Option<u32>,
    pub first_bin: i64,
    pub last_bin: i64,
    /// Start of the first anomalous bin and end of the last one, UTC microseconds.
    pub start_us: i64,
    pub end_us: i64,
    pub bins: i64,
    pub level: String,
    /// `drop` or `surge` (NULL for insufficient data).
    pub direction: Option<String>,
    pub min_ratio: Option<f64>,
    pub max_ratio: Option<f64>,
    pub baseline: Option<f64>,
    pub score: f64,
    pub verdict: String,
    pub evidence: String,
}

impl Window {
    fn overlaps(&self, other: &Window, slack: i64) -> bool {
        self.first_bin <= other.last_bin + slack && other.first_bin <= self.last_bin + slack
    }
    pub fn is_visibility(&self) -> bool {
        self.signal.starts_with("bgp_visibility") || self.signal == "bgp_prefix_visibility"
    }
    pub fn is_anomaly(&self) -> bool {
        self.level == "warning" || self.level == "critical"
    }
}

/// One bin of one upstream-split series.
#[derive(Debug, Clone, Copy)]
struct SplitBin {
    value: Option<f64>,
    baseline: Option<f64>,
    critical: bool,
}

type SplitKey = (String, String, u32);

fn col_err(e: crate::columns::ColumnError) -> DataFusionError {
    DataFusionError::Internal(e.to_string())
}

fn strings(b: &RecordBatch, name: &str) -> Result<Vec<Option<String>>> {
    crate::columns::strings(std::slice::from_ref(b), name).map_err(col_err)
}

fn i64s(b: &RecordBatch, name: &str) -> Result<Vec<Option<i64>>> {
    crate::columns::ints(std::slice::from_ref(b), name).map_err(col_err)
}

fn f64s(b: &RecordBatch, name: &str) -> Result<Vec<Option<f64>>> {
    crate::columns::floats(std::slice::from_ref(b), name).map_err(col_err)
}

fn u32s(b: &RecordBatch, name: &str) -> Result<Vec<Option<u32>>> {
    crate::columns::u32s(std::slice::from_ref(b), name).map_err(col_err)
}

fn table<'a>(tables: &'a BTreeMap<&'static str, Derived>, name: &str) -> Result<&'a Derived> {
    tables.get(name).ok_or_else(|| DataFusionError::Internal(format!("derived table {name} missing")))
}

/// RFC 3339 time of UTC microseconds, to the second.
pub fn fmt_time(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us).map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()).unwrap_or_else(|| us.to_string())
}

/// Reads the windows and judges each.
pub fn judge(case: &Case, tables: &BTreeMap<&'static str, Derived>) -> Result<Vec<Window>> {
    let origin = case.analysis_start_us();
    let bin_us = case.bin_us();
    let mut windows = Vec::new();
    for b in &table(tables, "windows")?.batches {
        let (entity, scope, signal, level) = (strings(b, "entity")?, strings(b, "scope")?, strings(b, "signal")?, strings(b, "level")?);
        let (up, first, last, bins) = (u32s(b, "upstream_asn")?, i64s(b, "first_bin")?, i64s(b, "last_bin")?, i64s(b, "bins")?);
        let (min_ratio, max_ratio, baseline, score) =
            (f64s(b, "min_ratio")?, f64s(b, "max_ratio")?, f64s(b, "baseline")?, f64s(b, "score")?);
        let direction = strings(b, "direction")?;
        for i in 0..b.num_rows() {
            let (f, l) = (first[i].unwrap_or(0), last[i].unwrap_or(0));
            windows.push(Window {
                entity: entity[i].clone().unwrap_or_default(),
                scope: scope[i].clone().unwrap_or_default(),
                signal: signal[i].clone().unwrap_or_default(),
                upstream_asn: up[i],
                first_bin: f,
                last_bin: l,
                start_us: origin + f * bin_us,
                end_us: origin + (l + 1) * bin_us,
                bins: bins[i].unwrap_or(0),
                level: level[i].clone().unwrap_or_default(),
                direction: direction[i].clone(),
                min_ratio: min_ratio[i].map(round6),
                max_ratio: max_ratio[i].map(round6),
                baseline: baseline[i].map(round6),
                score: round6(score[i].unwrap_or(0.0)),
                verdict: String::new(),
                evidence: String::new(),
            });
        }
    }
    // Judge in a fixed order, whatever order the query returned the rows in.
    sort_windows(&mut windows);
    // Upstream-split series by (entity, scope, upstream).
    // signal_levels is long (every bin of every signal: 617 k rows for one AS over a day), so
    // its text is read in place and a key is copied only where the series changes.
    let mut split: BTreeMap<SplitKey, BTreeMap<i64, SplitBin>> = BTreeMap::new();
    let levels = &table(tables, "signal_levels")?.batches;
    let text = |name: &str| crate::columns::utf8_arrays(levels, name).map_err(col_err);
    let (signals, entities, scopes, level_texts) = (text("signal")?, text("entity")?, text("scope")?, text("level")?);
    for (j, b) in levels.iter().enumerate() {
        let (signal, entity, scope, level) = (
            signals[j].as_string::<i32>(),
            entities[j].as_string::<i32>(),
            scopes[j].as_string::<i32>(),
            level_texts[j].as_string::<i32>(),
        );
        let (up, bin, value, baseline) = (u32s(b, "upstream_asn")?, i64s(b, "bin")?, f64s(b, "value")?, f64s(b, "baseline")?);
        let mut series: Option<&mut BTreeMap<i64, SplitBin>> = None;
        let mut series_key: Option<(&str, &str, u32)> = None;
        for i in 0..b.num_rows() {
            if signal.is_null(i) || signal.value(i) != "bgp_upstream_split" || entity.is_null(i) || scope.is_null(i) {
                continue;
            }
            let (Some(u), Some(k)) = (up[i], bin[i]) else { continue };
            let key = (entity.value(i), scope.value(i), u);
            if series_key != Some(key) {
                series = Some(split.entry((key.0.to_string(), key.1.to_string(), u)).or_default());
                series_key = Some(key);
            }
            let critical = !level.is_null(i) && level.value(i) == "critical";
            if let Some(series) = series.as_deref_mut() {
                series.insert(k, SplitBin { value: value[i], baseline: baseline[i], critical });
            }
        }
    }
    let t = |k: i64| fmt_time(origin + k * bin_us);

    // Prefix-level and entity-level visibility windows: the upstream test on their scope.
    for w in windows.iter_mut().filter(|w| w.is_visibility() && w.is_anomaly()) {
        let (v, e) = split_verdict(&split, &w.entity, &w.scope, w.first_bin, w.last_bin, &t);
        w.verdict = v;
        w.evidence = e;
    }
    // Entity-level windows take what their prefix-level windows agree on.
    let prefix_windows: Vec<Window> = windows.iter().filter(|w| w.signal == "bgp_prefix_visibility" && w.is_anomaly()).cloned().collect();
    for w in windows.iter_mut().filter(|w| w.scope == "*" && w.is_visibility() && w.is_anomaly()) {
        let parts: Vec<&Window> = prefix_windows.iter().filter(|p| p.entity == w.entity && p.overlaps(w, 0)).collect();
        if parts.is_empty() {
            continue;
        }
        let verdicts: std::collections::BTreeSet<&str> = parts.iter().map(|p| p.verdict.as_str()).collect();
        let mut prefixes: Vec<&str> = parts.iter().map(|p| p.scope.as_str()).collect();
        prefixes.sort();
        prefixes.dedup();
        w.verdict =
            if verdicts.len() == 1 { verdicts.into_iter().next().unwrap_or("inconclusive").to_string() } else { "inconclusive".into() };
        w.evidence = format!("prefixes dark: {}; {}", prefixes.join(", "), w.evidence);
    }
    // Upstream-split windows: part of an outage, or a partial event.
    let vis: Vec<Window> = windows.iter().filter(|w| w.scope == "*" && w.is_visibility() && w.is_anomaly()).cloned().collect();
    for w in windows.iter_mut().filter(|w| w.signal == "bgp_upstream_split") {
        let asn = w.upstream_asn.unwrap_or(0);
        if let Some(outage) = vis.iter().find(|v| v.entity == w.entity && v.overlaps(w, 1)) {
            w.verdict = outage.verdict.clone();
            w.evidence = format!("part of the {} outage from {}: {}", outage.signal, fmt_time(outage.start_us), outage.evidence);
        } else {
            let others: Vec<String> = split
                .iter()
                .filter(|((e, s, u), _)| *e == w.entity && s == "*" && *u != asn)
                .filter_map(|((_, _, u), series)| series.get(&w.last_bin).and_then(|b| b.value).map(|v| format!("AS{u} carried {v} peers")))
                .collect();
            w.verdict = format!("upstream:{asn}");
            w.evidence = format!(
                "paths through AS{asn} lost from {} to {} while the entity stayed visible{}",
                fmt_time(w.start_us),
                fmt_time(w.end_us),
                if others.is_empty() { String::new() } else { format!("; {}", others.join(", ")) }
            );
        }
    }
    // Where the failed traceroutes stopped: evidence for every window of the entity, and the
    // verdict of traceroute windows that no BGP window explains.
    let stops = read_stops(tables)?;
    for w in windows.iter_mut().filter(|w| w.is_anomaly()) {
        let summary = stop_summary(&stops, &w.entity, w.first_bin - 1, w.last_bin);
        if w.signal == "trace_reach" || w.signal.starts_with("dns_") {
            if let Some(outage) = vis.iter().find(|v| v.entity == w.entity && v.overlaps(w, 1)) {
                w.verdict = outage.verdict.clone();
                w.evidence = format!("agrees with the {} outage from {} ({})", outage.signal, fmt_time(outage.start_us), outage.verdict);
            } else if w.signal == "trace_reach" {
                w.verdict = summary.verdict.clone();
                w.evidence = "no BGP window: verdict from where traceroutes stopped".into();
            } else {
                w.verdict = "inconclusive".into();
                w.evidence = "no BGP or traceroute window explains it".into();
            }
        }
        if !summary.text.is_empty() {
            w.evidence = if w.evidence.is_empty() { summary.text } else { format!("{}; {}", w.evidence, summary.text) };
        }
    }
    for w in windows.iter_mut().filter(|w| w.level == "insufficient_data") {
        w.verdict = "insufficient_data".into();
        w.evidence = "no baseline: too few earlier bins with data (or no full-feed peer)".into();
    }
    sort_windows(&mut windows);
    Ok(windows)
}

/// The output order of windows: entity, start, scope, signal, upstream, end, level. Also
/// applied before verdicts are given, which look windows up in order ("the first visibility
/// window that overlaps"): the SQL result comes in whatever order DataFusion's partitions
/// finish, and a different order gave different evidence.
fn sort_windows(windows: &mut [Window]) {
    windows.sort_by(|a, b| {
        (
            a.entity.as_str(),
            a.start_us,
            a.scope.as_str(),
            a.signal.as_str(),
            a.upstream_asn,
            a.end_us,
            a.level.as_str(),
            a.direction.as_deref(),
        )
            .cmp(&(
                b.entity.as_str(),
                b.start_us,
                b.scope.as_str(),
                b.signal.as_str(),
                b.upstream_asn,
                b.end_us,
                b.level.as_str(),
                b.direction.as_deref(),
            ))
    });
}

/// The upstream test on one scope of an entity over bins `first..=last`.
fn split_verdict(
    split: &BTreeMap<SplitKey, BTreeMap<i64, SplitBin>>,
    entity: &str,
    scope: &str,
    first: i64,
    last: i64,
    t: &dyn Fn(i64) -> String,
) -> (String, String) {
    let mut active = Vec::new();
    for ((e, s, u), series) in split.range((entity.to_string(), scope.to_string(), 0)..=(entity.to_string(), scope.to_string(), u32::MAX)) {
        debug_assert!(e == entity && s == scope);
        let base = series.get(&first).and_then(|b| b.baseline).unwrap_or(0.0);
        if base <= 0.0 {
            continue;
        }
        let lost = (first - 1..=last).find(|k| series.get(k).is_some_and(|b| b.critical));
        active.push((*u, base, lost));
    }
    if active.is_empty() {
        return ("inconclusive".into(), "no upstream carried the entity before the window".into());
    }
    let evidence = active
        .iter()
        .map(|(u, base, lost)| match lost {
            Some(k) => format!("AS{u} lost at {} (baseline {base} peers)", t(*k)),
            None => format!("AS{u} kept (baseline {base} peers)"),
        })
        .collect::<Vec<_>>()
        .join("; ");
    let losses: Vec<i64> = active.iter().filter_map(|a| a.2).collect();
    let verdict = if losses.len() == active.len() {
        let spread = losses.iter().max().unwrap_or(&0) - losses.iter().min().unwrap_or(&0);
        if spread <= 1 { "internal".to_string() } else { "inconclusive".to_string() }
    } else if losses.len() == 1 && active.len() >= 2 {
        let u = active.iter().find(|a| a.2.is_some()).map(|a| a.0).unwrap_or(0);
        format!("upstream:{u}")
    } else {
        "inconclusive".to_string()
    };
    (verdict, format!("upstreams: {evidence}"))
}

/// Failed traceroutes per entity and bin: (class, AS, traces).
type Stops = BTreeMap<String, BTreeMap<i64, Vec<(String, Option<u32>, i64)>>>;

fn read_stops(tables: &BTreeMap<&'static str, Derived>) -> Result<Stops> {
    let mut out: Stops = BTreeMap::new();
    let Some(t) = tables.get("trace_stops") else { return Ok(out) };
    for b in &t.batches {
        let (entity, bin, class, asn, n) =
            (strings(b, "entity")?, i64s(b, "bin")?, strings(b, "stop_class")?, u32s(b, "stop_asn")?, i64s(b, "traces")?);
        for i in 0..b.num_rows() {
            let (Some(e), Some(k), Some(c)) = (&entity[i], bin[i], &class[i]) else { continue };
            out.entry(e.clone()).or_default().entry(k).or_default().push((c.clone(), asn[i], n[i].unwrap_or(0)));
        }
    }
    Ok(out)
}

struct StopSummary {
    text: String,
    verdict: String,
}

/// Where failed traceroutes towards `entity` stopped in bins `first..=last`, in words, and
/// what that says: stops inside the entity, or at every upstream seen, point inside
/// (`internal`); stops at one upstream point at it; anything else is `inconclusive`.
fn stop_summary(stops: &Stops, entity: &str, first: i64, last: i64) -> StopSummary {
    let mut counts: BTreeMap<(String, Option<u32>), i64> = BTreeMap::new();
    if let Some(bins) = stops.get(entity) {
        for (_, v) in bins.range(first..=last) {
            for (c, a, n) in v {
                *counts.entry((c.clone(), *a)).or_default() += n;
            }
        }
    }
    let total: i64 = counts.values().sum();
    if total == 0 {
        return StopSummary { text: String::new(), verdict: "inconclusive".into() };
    }
    let parts: Vec<String> = counts
        .iter()
        .map(|((c, a), n)| match a {
            Some(a) => format!("{c} AS{a}: {n}"),
            None => format!("{c}: {n}"),
        })
        .collect();
    let answered: Vec<&(String, Option<u32>)> = counts.keys().filter(|(c, _)| c != "no_reply").collect();
    let upstream_asns: std::collections::BTreeSet<u32> = answered.iter().filter(|(c, _)| c == "upstream").filter_map(|(_, a)| *a).collect();
    let verdict = if !answered.is_empty() && answered.iter().all(|(c, _)| c == "inside") {
        "internal".to_string()
    } else if !answered.is_empty() && answered.iter().all(|(c, _)| c == "upstream") && upstream_asns.len() == 1 {
        format!("upstream:{}", upstream_asns.iter().next().copied().unwrap_or(0))
    } else {
        "inconclusive".to_string()
    };
    StopSummary { text: format!("failed traceroutes {total} (last responsive hop: {})", parts.join(", ")), verdict }
}

/// Rounds to 6 decimals, so that outputs do not depend on the order of float additions.
pub fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}
