//! What an event's timeline shows, before anything is drawn.
//!
//! In: one event, the windows and signal series of the output folder, and the case (bin size
//! and thresholds). Out: a [`Timeline`]: the time range (the event with a margin of context on
//! both sides), and one [`Panel`] per signal of the event with its lines (value and baseline
//! per series), its warning and critical levels as detection applies them, and the shaded
//! windows. [`super::plot`] draws it.
//!
//! Series of a panel: the upstream split has one line per upstream; a signal with an
//! entity-wide window shows the entity-wide series; otherwise the scopes (prefixes, domain
//! suffixes) that had a window in the event, at most [`MAX_SERIES`].

use super::levels::{Direction, thresholds};
use super::load::{EventRow, Outputs, Point, SeriesKey, WindowRow};
use super::words;
use crate::detect::Case;
use std::collections::BTreeSet;

/// Most lines in one panel; the rest are counted in [`Panel::more`].
pub const MAX_SERIES: usize = 6;

/// One bin: start, end, value (None: no data).
pub type Step = (i64, i64, Option<f64>);

/// One line of a panel and its baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub label: String,
    pub values: Vec<Step>,
    pub baseline: Vec<Step>,
}

/// A warning or critical level of one line.
#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    pub critical: bool,
    pub steps: Vec<Step>,
}

/// How a stretch of time is shaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shade {
    /// Another event of the same entity.
    Other,
    Warning,
    Critical,
}

/// One panel: one signal of the event.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub signal: String,
    pub title: String,
    pub unit: &'static str,
    pub share: bool,
    pub lines: Vec<Line>,
    pub levels: Vec<Level>,
    pub shades: Vec<(i64, i64, Shade)>,
    pub rule: String,
    /// Series with a window that were left out (beyond [`MAX_SERIES`]).
    pub more: usize,
}

/// An event's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    pub title: String,
    pub subtitle: String,
    pub from_us: i64,
    pub to_us: i64,
    pub event: (i64, i64),
    pub panels: Vec<Panel>,
}

/// The anomalous windows of an event (of its entity, within its start and end).
pub fn event_windows<'a>(e: &EventRow, windows: &'a [WindowRow]) -> Vec<&'a WindowRow> {
    windows.iter().filter(|w| w.entity == e.entity && w.is_anomaly() && w.start_us >= e.start_us && w.end_us <= e.end_us).collect()
}

fn series_label(k: &SeriesKey, single: bool) -> String {
    match (k.upstream_asn, k.scope.as_str()) {
        (Some(u), "*") => format!("AS{u}"),
        (Some(u), s) => format!("AS{u} ({s})"),
        (None, "*") if single => "value".into(),
        (None, "*") => "whole entity".into(),
        (None, s) => s.to_string(),
    }
}

/// A series shown in a panel, and whether it had a window in the event.
type Shown<'a> = (&'a SeriesKey, &'a Vec<Point>, bool);

/// Builds the timeline of event `e`.
pub fn timeline(case: &Case, e: &EventRow, outputs: &Outputs) -> Timeline {
    let bin = case.bin_us();
    let margin = (e.end_us - e.start_us).max(12 * bin);
    let ws = event_windows(e, &outputs.windows);
    let entity_series = |signal: &str| -> Vec<(&SeriesKey, &Vec<Point>)> {
        let first = SeriesKey { entity: e.entity.clone(), signal: signal.into(), scope: String::new(), upstream_asn: None };
        outputs.series.range(first..).take_while(|(k, _)| k.entity == e.entity && k.signal == signal).collect()
    };
    // Every series shown, per signal, and which of them had a window.
    let mut chosen: Vec<(String, Vec<Shown>, usize)> = Vec::new();
    for signal in &e.signals {
        let sw: Vec<&&WindowRow> = ws.iter().filter(|w| &w.signal == signal).collect();
        let hit = |k: &SeriesKey| sw.iter().any(|w| w.scope == k.scope && w.upstream_asn == k.upstream_asn);
        let scopes: BTreeSet<&str> = sw.iter().map(|w| w.scope.as_str()).collect();
        let all = entity_series(signal);
        let picked: Vec<Shown> = if signal == "bgp_upstream_split" {
            let scope = if scopes.contains("*") { "*" } else { scopes.iter().next().copied().unwrap_or("*") };
            all.into_iter().filter(|(k, _)| k.scope == scope).map(|(k, p)| (k, p, hit(k))).collect()
        } else if scopes.contains("*") && all.iter().any(|(k, _)| k.scope == "*") {
            all.into_iter().filter(|(k, _)| k.scope == "*").map(|(k, p)| (k, p, hit(k))).collect()
        } else {
            all.into_iter().filter(|(k, _)| hit(k)).map(|(k, p)| (k, p, true)).collect()
        };
        // Series with a window first, then the largest; the rest are counted, not drawn.
        let peak = |p: &[Point]| p.iter().filter_map(|x| x.value).fold(0.0f64, f64::max);
        let mut picked = picked;
        picked.sort_by(|a, b| b.2.cmp(&a.2).then(peak(b.1).total_cmp(&peak(a.1))).then(a.0.cmp(b.0)));
        let more = picked.len().saturating_sub(MAX_SERIES);
        picked.truncate(MAX_SERIES);
        // Drawn in key order, so an upstream or prefix keeps its colour from figure to figure.
        picked.sort_by(|a, b| a.0.cmp(b.0));
        chosen.push((signal.clone(), picked, more));
    }
    let data = chosen.iter().flat_map(|(_, s, _)| s.iter().flat_map(|(_, p, _)| p.iter()));
    let (lo, hi) = data.fold((i64::MAX, i64::MIN), |(lo, hi), p| (lo.min(p.start_us), hi.max(p.end_us)));
    let (from_us, to_us) =
        if lo <= hi { ((e.start_us - margin).max(lo), (e.end_us + margin).min(hi)) } else { (e.start_us - margin, e.end_us + margin) };
    let within = |p: &&Point| p.start_us >= from_us && p.end_us <= to_us;
    let others: Vec<(i64, i64, Shade)> = outputs
        .events
        .iter()
        .filter(|o| o.entity == e.entity && o.id != e.id && o.end_us > from_us && o.start_us < to_us)
        .map(|o| (o.start_us.max(from_us), o.end_us.min(to_us), Shade::Other))
        .collect();
    let panels = chosen
        .into_iter()
        .map(|(signal, picked, more)| {
            let th = thresholds(case, &signal);
            let single = picked.len() == 1;
            let mut levels = Vec::new();
            let mut lines = Vec::new();
            for (k, points, hit) in &picked {
                let pts: Vec<&Point> = points.iter().filter(within).collect();
                if *hit || single {
                    let surges: &[bool] = match th.direction {
                        Direction::Drop => &[false],
                        Direction::Surge => &[true],
                        Direction::Both => &[false, true],
                    };
                    for &surge in surges {
                        for critical in [false, true] {
                            if !critical && th.warning == th.critical {
                                continue;
                            }
                            let steps =
                                pts.iter().map(|p| (p.start_us, p.end_us, p.baseline.and_then(|b| th.level(b, critical, surge)))).collect();
                            levels.push(Level { critical, steps });
                        }
                    }
                }
                lines.push(Line {
                    label: series_label(k, single),
                    values: pts.iter().map(|p| (p.start_us, p.end_us, p.value)).collect(),
                    baseline: pts.iter().map(|p| (p.start_us, p.end_us, p.baseline)).collect(),
                });
            }
            let shown: Vec<&SeriesKey> = picked.iter().map(|(k, _, _)| *k).collect();
            let mut shades = others.clone();
            for w in
                ws.iter().filter(|w| w.signal == signal && shown.iter().any(|k| k.scope == w.scope && k.upstream_asn == w.upstream_asn))
            {
                shades.push((w.start_us, w.end_us, if w.level == "critical" { Shade::Critical } else { Shade::Warning }));
            }
            shades.sort();
            shades.dedup();
            Panel {
                title: format!("{} ({signal})", words::signal_label(&signal)),
                unit: words::signal_unit(&signal),
                share: words::is_share(&signal),
                rule: th.rule(),
                signal,
                lines,
                levels,
                shades,
                more,
            }
        })
        .collect();
    Timeline {
        title: format!("{}: {}, verdict {}", e.id, e.kind.replace('_', " "), e.verdict),
        subtitle: format!(
            "{} to {} UTC ({}), {} level",
            words::time(e.start_us),
            words::time(e.end_us),
            words::duration((e.end_us - e.start_us) / 1_000_000),
            e.level
        ),
        from_us,
        to_us,
        event: (e.start_us, e.end_us),
        panels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const T0: i64 = 1_795_924_800_000_000; // 2026-11-29T04:00:00Z
    const BIN: i64 = 10_000_000;

    fn case() -> Case {
        let text = "name='x'\nstart='2026-11-29T04:00:00Z'\nend='2026-11-29T05:00:00Z'\nbin='10s'\n[[entity]]\nname='E'\nasn=1\n";
        Case::parse(text, std::path::Path::new(".")).unwrap()
    }

    fn window(signal: &str, scope: &str, up: Option<u32>, first: i64, last: i64) -> WindowRow {
        WindowRow {
            entity: "E".into(),
            scope: scope.into(),
            signal: signal.into(),
            upstream_asn: up,
            start_us: T0 + first * BIN,
            end_us: T0 + (last + 1) * BIN,
            bins: last - first + 1,
            level: "critical".into(),
            direction: Some("drop".into()),
            min_ratio: Some(0.0),
            max_ratio: Some(0.0),
            baseline: Some(1.0),
            score: 1.0,
            verdict: "internal".into(),
        }
    }

    fn series(dark: std::ops::RangeInclusive<i64>) -> Vec<Point> {
        (0..360)
            .map(|k| Point {
                start_us: T0 + k * BIN,
                end_us: T0 + (k + 1) * BIN,
                value: Some(if dark.contains(&k) { 0.0 } else { 1.0 }),
                baseline: Some(1.0),
            })
            .collect()
    }

    fn key(signal: &str, scope: &str, up: Option<u32>) -> SeriesKey {
        SeriesKey { entity: "E".into(), signal: signal.into(), scope: scope.into(), upstream_asn: up }
    }

    #[test]
    fn one_panel_per_signal_with_its_series_levels_windows_and_margin() {
        let prefixes: Vec<String> = (0..8).map(|i| format!("10.0.{i}.0/24")).collect();
        let mut windows: Vec<WindowRow> = prefixes.iter().map(|p| window("bgp_prefix_visibility", p, None, 100, 129)).collect();
        windows.push(window("bgp_upstream_split", "*", Some(65001), 100, 119));
        windows.push(window("bgp_visibility_v4", "*", None, 100, 129));
        let mut s = BTreeMap::new();
        for p in &prefixes {
            s.insert(key("bgp_prefix_visibility", p, None), series(100..=129));
        }
        for up in [65001, 65002, 65003] {
            s.insert(key("bgp_upstream_split", "*", Some(up)), series(if up == 65001 { 100..=119 } else { -1..=-1 }));
        }
        s.insert(key("bgp_visibility_v4", "*", None), series(100..=129));
        s.insert(key("bgp_visibility_v4", "10.0.0.0/24", None), series(100..=129));
        let e = EventRow {
            entity: "E".into(),
            id: "E#1".into(),
            start_us: T0 + 100 * BIN,
            end_us: T0 + 130 * BIN,
            kind: "outage".into(),
            level: "critical".into(),
            signals: vec!["bgp_prefix_visibility".into(), "bgp_upstream_split".into(), "bgp_visibility_v4".into()],
            scores: vec![],
            fused_score: 1.0,
            verdict: "internal".into(),
            evidence_bgp: String::new(),
            evidence_traceroute: String::new(),
            evidence_dns: String::new(),
            dark_prefixes: prefixes.clone(),
            dark_addresses: vec![],
            dark_names: vec![],
        };
        let outputs = Outputs { events: vec![e.clone()], windows, series: s, footprint: vec![], manifest: serde_json::Value::Null };
        let tl = timeline(&case(), &e, &outputs);
        // 30 bins of event, a margin of 30 bins on each side.
        assert_eq!((tl.from_us, tl.to_us), (T0 + 70 * BIN, T0 + 160 * BIN));
        let signals: Vec<&str> = tl.panels.iter().map(|p| p.signal.as_str()).collect();
        assert_eq!(signals, ["bgp_prefix_visibility", "bgp_upstream_split", "bgp_visibility_v4"]);
        let prefix = &tl.panels[0];
        assert_eq!((prefix.lines.len(), prefix.more), (MAX_SERIES, 2));
        assert_eq!(prefix.lines[0].values.len(), 90, "only the bins of the shown range");
        let split = &tl.panels[1];
        let labels: Vec<&str> = split.lines.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels, ["AS65001", "AS65002", "AS65003"], "one line per upstream");
        assert_eq!(split.levels.len(), 2, "warning and critical of the upstream that had the window only");
        assert_eq!(split.shades, [(T0 + 100 * BIN, T0 + 120 * BIN, Shade::Critical)]);
        let v4 = &tl.panels[2];
        assert_eq!((v4.lines.len(), v4.lines[0].label.as_str()), (1, "value"), "the entity-wide series, not the prefix one");
        let crit = v4.levels.iter().find(|l| l.critical).unwrap();
        assert!(crit.steps.iter().all(|s| s.2 == Some(0.5)), "critical at 0.5 x baseline");
    }
}
