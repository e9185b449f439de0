//! Reading what `lightsout detect` wrote, for the report.
//!
//! In: the output folder (`events.parquet`, `windows.parquet`, `signals.parquet`,
//! `footprint.parquet`, `manifest.json`). Out: [`Outputs`]: plain rows, sorted the way the
//! report shows them, with the signals grouped into series by (entity, signal, scope,
//! upstream). Columns are read by name and cast, so a reordered or widened column (a string
//! view, a wider integer) still reads; a missing column is an error that names it.

use super::ReportError;
use super::columns::Columns;
use std::collections::BTreeMap;
use std::path::Path;

/// One row of `events.parquet`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub entity: String,
    pub id: String,
    pub start_us: i64,
    pub end_us: i64,
    pub kind: String,
    pub level: String,
    pub signals: Vec<String>,
    pub scores: Vec<(String, f64)>,
    pub fused_score: f64,
    pub verdict: String,
    pub evidence_bgp: String,
    pub evidence_traceroute: String,
    pub evidence_dns: String,
    pub dark_prefixes: Vec<String>,
    pub dark_addresses: Vec<String>,
    pub dark_names: Vec<String>,
}

/// One row of `windows.parquet`.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowRow {
    pub entity: String,
    pub scope: String,
    pub signal: String,
    pub upstream_asn: Option<u32>,
    pub start_us: i64,
    pub end_us: i64,
    pub bins: i64,
    pub level: String,
    pub direction: Option<String>,
    pub min_ratio: Option<f64>,
    pub max_ratio: Option<f64>,
    pub baseline: Option<f64>,
    pub score: f64,
    pub verdict: String,
}

impl WindowRow {
    pub fn is_anomaly(&self) -> bool {
        self.level == "warning" || self.level == "critical"
    }
}

/// Which series a signal row belongs to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SeriesKey {
    pub entity: String,
    pub signal: String,
    pub scope: String,
    pub upstream_asn: Option<u32>,
}

/// One bin of one series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub start_us: i64,
    pub end_us: i64,
    pub value: Option<f64>,
    pub baseline: Option<f64>,
}

/// One row of `footprint.parquet`.
#[derive(Debug, Clone, PartialEq)]
pub struct FootprintRow {
    pub entity: String,
    pub kind: String,
    pub item: String,
    pub weight: Option<f64>,
    pub peers: Option<f64>,
    pub measurements: Option<i64>,
    pub reached: Option<i64>,
    pub share: Option<f64>,
}

/// Everything the report reads.
#[derive(Debug, Clone)]
pub struct Outputs {
    pub events: Vec<EventRow>,
    pub windows: Vec<WindowRow>,
    /// Bins sorted by time within each series.
    pub series: BTreeMap<SeriesKey, Vec<Point>>,
    pub footprint: Vec<FootprintRow>,
    pub manifest: serde_json::Value,
}

/// `a; b; c` into its items.
fn list(s: &str) -> Vec<String> {
    s.split("; ").filter(|x| !x.is_empty()).map(str::to_string).collect()
}

fn read_events(out: &Path) -> Result<Vec<EventRow>, ReportError> {
    let c = Columns::open(out.join("events.parquet"))?;
    let (entity, id, kind, level, signals) = (c.text("entity")?, c.text("event")?, c.text("kind")?, c.text("level")?, c.text("signals")?);
    let (start, end, scores, fused) = (c.micros("start")?, c.micros("end")?, c.text("scores")?, c.floats("fused_score")?);
    let (verdict, eb, et, ed) = (c.text("verdict")?, c.text("evidence_bgp")?, c.text("evidence_traceroute")?, c.text("evidence_dns")?);
    let (dp, da, dn) = (c.text("dark_prefixes")?, c.text("dark_addresses")?, c.text("dark_names")?);
    let mut rows: Vec<EventRow> = (0..entity.len())
        .map(|i| EventRow {
            entity: entity[i].clone(),
            id: id[i].clone(),
            start_us: start[i],
            end_us: end[i],
            kind: kind[i].clone(),
            level: level[i].clone(),
            signals: list(&signals[i]),
            scores: list(&scores[i])
                .iter()
                .filter_map(|kv| kv.split_once('=').and_then(|(k, v)| v.parse().ok().map(|v| (k.to_string(), v))))
                .collect(),
            fused_score: fused[i].unwrap_or(0.0),
            verdict: verdict[i].clone(),
            evidence_bgp: eb[i].clone(),
            evidence_traceroute: et[i].clone(),
            evidence_dns: ed[i].clone(),
            dark_prefixes: list(&dp[i]),
            dark_addresses: list(&da[i]),
            dark_names: list(&dn[i]),
        })
        .collect();
    rows.sort_by(|a, b| (&a.entity, a.start_us, &a.id).cmp(&(&b.entity, b.start_us, &b.id)));
    Ok(rows)
}

fn read_windows(out: &Path) -> Result<Vec<WindowRow>, ReportError> {
    let c = Columns::open(out.join("windows.parquet"))?;
    let (entity, scope, signal, up) = (c.text("entity")?, c.text("scope")?, c.text("signal")?, c.ints("upstream_asn")?);
    let (start, end, bins, level, direction) =
        (c.micros("start")?, c.micros("end")?, c.ints("bins")?, c.text("level")?, c.strings("direction")?);
    let (min_ratio, max_ratio, baseline, score, verdict) =
        (c.floats("min_ratio")?, c.floats("max_ratio")?, c.floats("baseline")?, c.floats("score")?, c.text("verdict")?);
    let mut rows: Vec<WindowRow> = (0..entity.len())
        .map(|i| WindowRow {
            entity: entity[i].clone(),
            scope: scope[i].clone(),
            signal: signal[i].clone(),
            upstream_asn: up[i].and_then(|u| u32::try_from(u).ok()),
            start_us: start[i],
            end_us: end[i],
            bins: bins[i].unwrap_or(0),
            level: level[i].clone(),
            direction: direction[i].clone(),
            min_ratio: min_ratio[i],
            max_ratio: max_ratio[i],
            baseline: baseline[i],
            score: score[i].unwrap_or(0.0),
            verdict: verdict[i].clone(),
        })
        .collect();
    rows.sort_by(|a, b| {
        (&a.entity, a.start_us, &a.signal, &a.scope, a.upstream_asn, a.end_us).cmp(&(
            &b.entity,
            b.start_us,
            &b.signal,
            &b.scope,
            b.upstream_asn,
            b.end_us,
        ))
    });
    Ok(rows)
}

fn read_series(out: &Path) -> Result<BTreeMap<SeriesKey, Vec<Point>>, ReportError> {
    let c = Columns::open(out.join("signals.parquet"))?;
    let (entity, signal, scope, up) = (c.text("entity")?, c.text("signal")?, c.text("scope")?, c.ints("upstream_asn")?);
    let (start, end, value, baseline) = (c.micros("bin_start")?, c.micros("bin_end")?, c.floats("value")?, c.floats("baseline")?);
    let mut series: BTreeMap<SeriesKey, Vec<Point>> = BTreeMap::new();
    for i in 0..entity.len() {
        let key = SeriesKey {
            entity: entity[i].clone(),
            signal: signal[i].clone(),
            scope: scope[i].clone(),
            upstream_asn: up[i].and_then(|u| u32::try_from(u).ok()),
        };
        let p = Point {
            start_us: start[i],
            end_us: end[i],
            value: value[i].filter(|v| v.is_finite()),
            baseline: baseline[i].filter(|v| v.is_finite()),
        };
        series.entry(key).or_default().push(p);
    }
    for points in series.values_mut() {
        points.sort_by_key(|p| (p.start_us, p.end_us));
        points.dedup_by_key(|p| p.start_us);
    }
    Ok(series)
}

fn read_footprint(out: &Path) -> Result<Vec<FootprintRow>, ReportError> {
    let c = Columns::open(out.join("footprint.parquet"))?;
    let (entity, kind, item) = (c.text("entity")?, c.text("kind")?, c.text("item")?);
    let (weight, peers, measurements, reached, share) =
        (c.floats("weight")?, c.floats("peers")?, c.ints("measurements")?, c.ints("reached")?, c.floats("share")?);
    let mut rows: Vec<FootprintRow> = (0..entity.len())
        .map(|i| FootprintRow {
            entity: entity[i].clone(),
            kind: kind[i].clone(),
            item: item[i].clone(),
            weight: weight[i],
            peers: peers[i],
            measurements: measurements[i],
            reached: reached[i],
            share: share[i],
        })
        .collect();
    rows.sort_by(|a, b| (&a.entity, &a.kind, &a.item).cmp(&(&b.entity, &b.kind, &b.item)));
    Ok(rows)
}

/// Reads the manifest as JSON.
pub fn read_manifest(out: &Path) -> Result<serde_json::Value, ReportError> {
    let path = out.join("manifest.json");
    let text = std::fs::read_to_string(&path).map_err(|e| ReportError::open(&path, e))?;
    serde_json::from_str(&text).map_err(|e| ReportError::Read { path, message: e.to_string() })
}

/// Reads every output of detection in `out`.
pub fn read_outputs(out: &Path) -> Result<Outputs, ReportError> {
    Ok(Outputs {
        manifest: read_manifest(out)?,
        events: read_events(out)?,
        windows: read_windows(out)?,
        series: read_series(out)?,
        footprint: read_footprint(out)?,
    })
}
