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

use super::load::{EventRow, Outputs, Point, SeriesKey, WindowRow};
use super::words;
use crate::detect::Case;
use std::collections::BTreeSet;

/// Most lines in one panel; the rest are counted in [`Panel::more`].
pub const MAX_SERIES: usize = 6;

/// Which way a signal is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Drop,
    Surge,
    Both,
}

/// The thresholds that judged a signal (the case's, as `detect::params` binds them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub warning: f64,
    pub critical: f64,
    pub direction: Direction,
    /// Smallest change of a count that can be anomalous (0: any).
    pub min_change: f64,
}

/// The thresholds of `signal` in `case`.
pub fn thresholds(case: &Case, signal: &str) -> Thresholds {
    let (b, t, d) = (&case.bgp, &case.trace, &case.dns);
    let m = case.dns_min_change as f64;
    let th = |warning, critical, direction, min_change| Thresholds { warning, critical, direction, min_change };
    match signal {
        "trace_reach" => th(t.warning, t.critical, Direction::Drop, 0.0),
        "dns_answered" => th(d.warning, d.critical, Direction::Drop, 0.0),
        "dns_failures" => th(d.warning, d.critical, Direction::Surge, m),
        // Query volume: critical changes only.
        "dns_volume" => th(d.critical, d.critical, Direction::Both, m),
        _ => th(b.warning, b.critical, Direction::Drop, 0.0),
    }
}

impl Thresholds {
    /// The level line for a baseline: the value beyond which a bin is at that level.
    pub fn level(&self, baseline: f64, critical: bool, surge: bool) -> Option<f64> {
        let f = if critical { self.critical } else { self.warning };
        let v = if surge {
            let r = if f > 0.0 { baseline / f } else { f64::INFINITY };
            r.max(baseline + self.min_change)
        } else {
            if baseline <= 0.0 {
                return None;
            }
            let v = baseline * f;
            if self.min_change > 0.0 { v.min(baseline - self.min_change) } else { v }
        };
        (v.is_finite() && v >= 0.0 && (surge || v < baseline)).then_some(v)
    }

    /// The rule in words, for the legend: `warning < 0.99 x baseline, critical < 0.5 x`.
    pub fn rule(&self) -> String {
        let n = words::number;
        let drop = if self.warning == self.critical {
            format!("critical < {} x baseline", n(self.critical))
        } else {
            format!("warning < {} x, critical < {} x baseline", n(self.warning), n(self.critical))
        };
        let surge = if self.warning == self.critical {
            format!("critical > baseline / {}", n(self.critical))
        } else {
            format!("warning > baseline / {}, critical > / {}", n(self.warning), n(self.critical))
        };
        match self.direction {
            Direction::Drop => drop,
            Direction::Surge => surge,
            Direction::Both => format!("{drop}; {surge}"),
        }
    }
}

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
        let more = picked.len().saturating_sub(MAX_SERIES);
        chosen.push((signal.clone(), picked.into_iter().take(MAX_SERIES).collect(), more));
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

    #[test]
    fn levels_are_the_ones_detection_applies() {
        let drop = Thresholds { warning: 0.99, critical: 0.5, direction: Direction::Drop, min_change: 0.0 };
        assert_eq!(drop.level(8.0, true, false), Some(4.0));
        assert_eq!(drop.level(8.0, false, false), Some(7.92));
        assert_eq!(drop.level(0.0, true, false), None, "a zero baseline cannot drop");
        let surge = Thresholds { warning: 0.8, critical: 0.5, direction: Direction::Surge, min_change: 1.0 };
        assert_eq!(surge.level(0.0, true, true), Some(1.0), "from zero: min_change");
        assert_eq!(surge.level(4.0, true, true), Some(8.0));
        assert_eq!(surge.level(4.0, false, true), Some(5.0));
        let volume = Thresholds { warning: 0.5, critical: 0.5, direction: Direction::Both, min_change: 1.0 };
        assert_eq!(volume.level(3.0, true, false), Some(1.5));
        assert_eq!(volume.level(1.0, true, false), Some(0.0));
        assert_eq!(volume.level(0.5, true, false), None, "a drop of less than min_change never counts");
        assert_eq!(volume.level(3.0, true, true), Some(6.0));
        assert!(
            volume.rule().contains("critical < 0.5 x baseline") && volume.rule().contains("critical > baseline / 0.5"),
            "{}",
            volume.rule()
        );
    }
}
