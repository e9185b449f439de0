//! Events: the windows of all signals on one entity fused into what happened.
//!
//! In: the judged [`Window`]s and the derived tables `trace_measurements`, `dns_names`,
//! `trace_stops` and `signal_levels`. Out: [`Event`]s: windows of one entity that overlap or
//! lie within one bin of each other become one event with its start and end, the signals that
//! agree, a score per signal (the largest of its windows) and the fused score (the product over
//! the data sources of their largest score, as IODA fuses its sources), one verdict from all the evidence, the evidence in words per
//! kind of data, and what of the entity's footprint went dark (prefixes, addresses that stopped
//! answering traceroutes and pings, names that stopped resolving).
//!
//! The verdict: BGP's when BGP saw the event (the entity-level visibility window's, else the
//! prefix windows' when they agree, else the upstream split's); else where the failed
//! traceroutes stopped; else `inconclusive`.

use super::Derived;
use super::verdict::{Window, fmt_time, round6};
use datafusion::error::Result;
use std::collections::{BTreeMap, BTreeSet};

/// One event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub entity: String,
    /// `<entity>#<n>`, numbered by start within the entity.
    pub id: String,
    pub start_us: i64,
    pub end_us: i64,
    pub first_bin: i64,
    pub last_bin: i64,
    /// `outage` (the entity went dark: none of its space visible in BGP, or without BGP data a
    /// critical drop of its reachability or DNS), `upstream_loss` (only upstream-split windows), `prefix_outage` (some
    /// prefixes went dark), `degradation` (warnings only).
    pub kind: String,
    /// Worst level of its windows.
    pub level: String,
    /// Signals with a window in the event, sorted.
    pub signals: Vec<String>,
    /// Score per signal (largest window score).
    pub scores: BTreeMap<String, f64>,
    /// Product over the data sources (BGP, traceroutes, DNS) of their largest signal score.
    pub fused_score: f64,
    pub verdict: String,
    pub evidence_bgp: String,
    pub evidence_traceroute: String,
    pub evidence_dns: String,
    /// Prefixes with a prefix-level visibility window in the event.
    pub dark_prefixes: Vec<String>,
    /// Destinations measured during the event that never answered in it.
    pub dark_addresses: Vec<String>,
    /// Names queried during the event that never resolved in it.
    pub dark_names: Vec<String>,
}

fn is_bgp(s: &str) -> bool {
    s.starts_with("bgp_")
}

/// Fuses windows into events.
pub fn fuse(windows: &[Window], tables: &BTreeMap<&'static str, Derived>) -> Result<Vec<Event>> {
    let mut by_entity: BTreeMap<&str, Vec<&Window>> = BTreeMap::new();
    for w in windows.iter().filter(|w| w.is_anomaly()) {
        by_entity.entry(w.entity.as_str()).or_default().push(w);
    }
    let measured = per_bin_outcomes(tables.get("trace_measurements"), "dst_addr", "reached")?;
    let names = per_bin_counts(tables.get("dns_names"))?;
    let mut events = Vec::new();
    for (entity, mut ws) in by_entity {
        ws.sort_by_key(|w| (w.first_bin, w.last_bin));
        let mut groups: Vec<Vec<&Window>> = Vec::new();
        let mut reach = i64::MIN;
        for w in ws {
            match groups.last_mut() {
                // Overlapping, adjacent, or one bin apart: the same event.
                Some(g) if w.first_bin <= reach + 2 => {
                    reach = reach.max(w.last_bin);
                    g.push(w);
                }
                _ => {
                    reach = w.last_bin;
                    groups.push(vec![w]);
                }
            }
        }
        for (n, g) in groups.into_iter().enumerate() {
            events.push(event(entity, n + 1, &g, &measured, &names));
        }
    }
    Ok(events)
}

fn event(entity: &str, n: usize, g: &[&Window], measured: &Outcomes, names: &Outcomes) -> Event {
    let first_bin = g.iter().map(|w| w.first_bin).min().unwrap_or(0);
    let last_bin = g.iter().map(|w| w.last_bin).max().unwrap_or(0);
    let signals: BTreeSet<String> = g.iter().map(|w| w.signal.clone()).collect();
    let mut scores: BTreeMap<String, f64> = BTreeMap::new();
    for w in g {
        let s = scores.entry(w.signal.clone()).or_insert(0.0);
        *s = s.max(w.score);
    }
    // IODA fuses data sources, not their sub-signals: the product over BGP, traceroutes and
    // DNS of each family's largest score.
    let mut families: BTreeMap<&str, f64> = BTreeMap::new();
    for (sig, v) in &scores {
        let fam = sig.split('_').next().unwrap_or(sig);
        let f = families.entry(fam).or_insert(0.0);
        *f = f.max(*v);
    }
    let fused_score = round6(families.values().product());
    let level = if g.iter().any(|w| w.level == "critical") { "critical" } else { "warning" };
    // Dark as a whole: nothing of the entity visible in BGP, or, without a BGP window, its
    // reachability or its DNS collapsed.
    let bgp_entity: Vec<&&Window> = g.iter().filter(|w| w.scope == "*" && w.signal.starts_with("bgp_visibility")).collect();
    let entity_level_dark = if bgp_entity.is_empty() {
        g.iter().any(|w| w.level == "critical" && ((w.signal == "trace_reach" && w.scope == "*") || w.signal == "dns_answered"))
    } else {
        bgp_entity.iter().any(|w| w.min_ratio.is_some_and(|r| r <= 0.0))
    };
    let kind = if entity_level_dark {
        "outage"
    } else if g.iter().all(|w| w.signal == "bgp_upstream_split" || !is_bgp(&w.signal) && w.level == "warning") {
        "upstream_loss"
    } else if g.iter().any(|w| w.scope != "*" && w.level == "critical") {
        "prefix_outage"
    } else {
        "degradation"
    };
    // The BGP verdict and its evidence, from the most telling window.
    let pick = |f: &dyn Fn(&&Window) -> bool| {
        g.iter()
            .filter(|w| f(w))
            .max_by_key(|w| (w.level == "critical", w.bins, -w.first_bin, std::cmp::Reverse(w.signal.clone())))
            .copied()
    };
    let bgp = pick(&|w| w.scope == "*" && w.signal.starts_with("bgp_visibility"))
        .or_else(|| pick(&|w| w.signal == "bgp_prefix_visibility"))
        .or_else(|| pick(&|w| w.signal == "bgp_upstream_split"));
    let trace = pick(&|w| w.signal == "trace_reach" && w.scope == "*").or_else(|| pick(&|w| w.signal == "trace_reach"));
    let dns = pick(&|w| w.signal == "dns_answered").or_else(|| pick(&|w| w.signal.starts_with("dns_")));
    let verdict = match (bgp, trace) {
        (Some(b), _) if !b.verdict.is_empty() => b.verdict.clone(),
        (_, Some(t)) if !t.verdict.is_empty() => t.verdict.clone(),
        _ => "inconclusive".to_string(),
    };
    let evidence_bgp = bgp
        .map(|w| format!("{} {} from {} to {}: {}", w.signal, w.level, fmt_time(w.start_us), fmt_time(w.end_us), w.evidence))
        .unwrap_or_default();
    let evidence_traceroute = trace
        .map(|w| {
            format!(
                "reached share fell to {:.0}% of baseline from {} to {}; {}",
                w.min_ratio.unwrap_or(0.0) * 100.0,
                fmt_time(w.start_us),
                fmt_time(w.end_us),
                w.evidence
            )
        })
        .unwrap_or_default();
    let evidence_dns = g
        .iter()
        .filter(|w| w.signal.starts_with("dns_"))
        .map(|w| {
            let change = match (w.direction.as_deref(), w.min_ratio, w.max_ratio) {
                (Some("surge"), _, Some(r)) => format!("rose to {r:.1}x baseline"),
                (Some("surge"), _, None) => "rose from zero".to_string(),
                (_, Some(r), _) => format!("fell to {:.0}% of baseline", r * 100.0),
                _ => String::new(),
            };
            format!("{} ({}) {change} from {} to {}", w.signal, w.scope, fmt_time(w.start_us), fmt_time(w.end_us))
        })
        .collect::<Vec<_>>()
        .join("; ");
    let _ = dns;
    let dark_prefixes: BTreeSet<String> = g.iter().filter(|w| w.signal == "bgp_prefix_visibility").map(|w| w.scope.clone()).collect();
    // What went dark: judged over the bins of the drops (a recovery surge at the end of an
    // event already has answers in it).
    let drops: Vec<&&Window> = g.iter().filter(|w| w.direction.as_deref() != Some("surge")).collect();
    let (first_bin, last_bin) =
        (drops.iter().map(|w| w.first_bin).min().unwrap_or(first_bin), drops.iter().map(|w| w.last_bin).max().unwrap_or(last_bin));
    let dark = |o: &Outcomes| -> Vec<String> {
        o.get(entity)
            .map(|items| {
                items
                    .iter()
                    .filter(|(_, bins)| {
                        let (tries, ok) = bins.range(first_bin..=last_bin).fold((0, 0), |(t, k), (_, (a, b))| (t + a, k + b));
                        tries > 0 && ok == 0
                    })
                    .map(|(item, _)| item.clone())
                    .collect()
            })
            .unwrap_or_default()
    };
    let start_us = g.iter().map(|w| w.start_us).min().unwrap_or(0);
    let end_us = g.iter().map(|w| w.end_us).max().unwrap_or(0);
    Event {
        entity: entity.to_string(),
        id: format!("{entity}#{n}"),
        start_us,
        end_us,
        first_bin: g.iter().map(|w| w.first_bin).min().unwrap_or(0),
        last_bin: g.iter().map(|w| w.last_bin).max().unwrap_or(0),
        kind: kind.to_string(),
        level: level.to_string(),
        signals: signals.into_iter().collect(),
        scores,
        fused_score,
        verdict,
        evidence_bgp,
        evidence_traceroute,
        evidence_dns,
        dark_prefixes: dark_prefixes.into_iter().collect(),
        dark_addresses: dark(measured),
        dark_names: dark(names),
    }
}

/// entity -> item -> bin -> (attempts, successes).
type Outcomes = BTreeMap<String, BTreeMap<String, BTreeMap<i64, (i64, i64)>>>;

fn strings(b: &arrow::array::RecordBatch, n: &str) -> Result<Vec<Option<String>>> {
    crate::columns::strings(std::slice::from_ref(b), n).map_err(|e| datafusion::error::DataFusionError::Internal(e.to_string()))
}

fn ints(b: &arrow::array::RecordBatch, n: &str) -> Result<Vec<i64>> {
    Ok(crate::columns::ints(std::slice::from_ref(b), n)
        .map_err(|e| datafusion::error::DataFusionError::Internal(e.to_string()))?
        .into_iter()
        .map(|v| v.unwrap_or(0))
        .collect())
}

/// Per-measurement rows (`item`, boolean `ok`) into outcomes per bin.
fn per_bin_outcomes(t: Option<&Derived>, item: &str, ok: &str) -> Result<Outcomes> {
    let mut out: Outcomes = BTreeMap::new();
    let Some(t) = t else { return Ok(out) };
    for b in &t.batches {
        let (entity, items, bins) = (strings(b, "entity")?, strings(b, item)?, ints(b, "bin")?);
        let oks =
            crate::columns::bools(std::slice::from_ref(b), ok).map_err(|e| datafusion::error::DataFusionError::Internal(e.to_string()))?;
        for i in 0..b.num_rows() {
            let (Some(e), Some(it)) = (&entity[i], &items[i]) else { continue };
            let success = (oks[i] == Some(true)) as i64;
            let slot = out.entry(e.clone()).or_default().entry(it.clone()).or_default().entry(bins[i]).or_default();
            slot.0 += 1;
            slot.1 += success;
        }
    }
    Ok(out)
}

/// `dns_names` rows into outcomes per bin (queries with an outcome, answered).
fn per_bin_counts(t: Option<&Derived>) -> Result<Outcomes> {
    let mut out: Outcomes = BTreeMap::new();
    let Some(t) = t else { return Ok(out) };
    for b in &t.batches {
        let (entity, names, bins) = (strings(b, "entity")?, strings(b, "qname")?, ints(b, "bin")?);
        let (answered, failures) = (ints(b, "answered")?, ints(b, "failures")?);
        for i in 0..b.num_rows() {
            let (Some(e), Some(q)) = (&entity[i], &names[i]) else { continue };
            let slot = out.entry(e.clone()).or_default().entry(q.clone()).or_default().entry(bins[i]).or_default();
            slot.0 += answered[i] + failures[i];
            slot.1 += answered[i];
        }
    }
    Ok(out)
}
