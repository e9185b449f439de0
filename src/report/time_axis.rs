//! A UTC time axis for plotters: ticks on round times and labels that suit the span.
//!
//! In: a time range in seconds since 1970 (UTC). Out: [`UtcAxis`], a plotters coordinate
//! whose key points are multiples of a round step (10 s, 30 s, 1 min, 5 min, ... 1 day) chosen
//! so that about 4 to 9 ticks fit, with labels `HH:MM:SS` for steps under a minute, `HH:MM`
//! under a day (a tick at midnight shows the date instead) and `MM-DD` beyond, plus the axis
//! description (`time (UTC), 2026-11-29`).

use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};
use std::ops::Range;

/// Round steps, seconds.
const STEPS: [i64; 20] =
    [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800];

/// The time axis of one figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcAxis {
    pub from: i64,
    pub to: i64,
    /// Seconds between ticks.
    pub step: i64,
}

impl UtcAxis {
    /// An axis over `from..to` (seconds) with at most `max_ticks` ticks.
    pub fn new(from: i64, to: i64, max_ticks: i64) -> UtcAxis {
        let to = to.max(from + 1);
        let span = to - from;
        let step = STEPS.iter().copied().find(|s| span / s < max_ticks.max(2)).unwrap_or(604_800);
        UtcAxis { from, to, step }
    }

    /// The ticks: multiples of the step (since 1970, so on round UTC times) inside the range.
    pub fn ticks(&self) -> Vec<i64> {
        let first = (self.from + self.step - 1).div_euclid(self.step) * self.step;
        (0..).map(|i| first + i * self.step).take_while(|t| *t <= self.to).collect()
    }

    /// The label of a tick.
    pub fn label(&self, t: i64) -> String {
        let Some(dt) = chrono::DateTime::from_timestamp(t, 0) else { return t.to_string() };
        if self.step >= 86_400 {
            dt.format("%m-%d").to_string()
        } else if t.rem_euclid(86_400) == 0 && self.to - self.from > 3_600 {
            dt.format("%b %d").to_string()
        } else if self.step < 60 {
            dt.format("%H:%M:%S").to_string()
        } else {
            dt.format("%H:%M").to_string()
        }
    }

    /// The axis description: `time (UTC), 2026-11-29` or `... 2026-11-22 to 2026-11-23`.
    pub fn description(&self) -> String {
        let day = |t: i64| chrono::DateTime::from_timestamp(t, 0).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
        let (a, b) = (day(self.from), day(self.to - 1));
        if a == b { format!("time (UTC), {a}") } else { format!("time (UTC), {a} to {b}") }
    }
}

impl Ranged for UtcAxis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = i64;

    fn map(&self, value: &i64, limit: (i32, i32)) -> i32 {
        let f = (*value - self.from) as f64 / (self.to - self.from) as f64;
        limit.0 + (f * (limit.1 - limit.0) as f64).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, _hint: Hint) -> Vec<i64> {
        self.ticks()
    }

    fn range(&self) -> Range<i64> {
        self.from..self.to
    }
}

impl ValueFormatter<i64> for UtcAxis {
    fn format_ext(&self, value: &i64) -> String {
        self.label(*value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAB: i64 = 1_795_924_800; // 2026-11-29T04:00:00Z

    #[test]
    fn ten_second_bins_over_minutes_tick_on_round_minutes() {
        // The lab's outage with its margin: 04:04:20 to 04:16:30.
        let a = UtcAxis::new(LAB + 260, LAB + 990, 9);
        assert_eq!(a.step, 120);
        let labels: Vec<String> = a.ticks().iter().map(|t| a.label(*t)).collect();
        assert_eq!(labels, ["04:06", "04:08", "04:10", "04:12", "04:14", "04:16"]);
        assert_eq!(a.description(), "time (UTC), 2026-11-29");
        // Two minutes: ticks every 15 s with seconds.
        let a = UtcAxis::new(LAB + 60, LAB + 180, 9);
        assert_eq!((a.step, a.label(LAB + 75)), (15, "04:01:15".to_string()));
    }

    #[test]
    fn five_minute_bins_over_hours_and_days() {
        let day = 1_795_478_400; // 2026-11-24T00:00:00Z
        let a = UtcAxis::new(day - 3 * 3_600, day + 4 * 3_600, 9);
        assert_eq!(a.step, 3_600);
        let labels: Vec<String> = a.ticks().iter().map(|t| a.label(*t)).collect();
        assert_eq!(labels[3], "Nov 24", "midnight shows the date: {labels:?}");
        assert_eq!(labels[4], "01:00");
        assert_eq!(a.description(), "time (UTC), 2026-11-23 to 2026-11-24");
        let a = UtcAxis::new(day, day + 2 * 86_400, 9);
        assert_eq!(a.step, 21_600);
        let a = UtcAxis::new(day, day + 30 * 86_400, 9);
        assert_eq!((a.step, a.label(day)), (604_800, "11-24".to_string()));
        assert!(a.ticks().iter().all(|t| t % 604_800 == 0));
    }
}
