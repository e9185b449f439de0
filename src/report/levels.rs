//! The warning and critical levels of a signal, as detection applies them.
//!
//! In: the case's thresholds (the values `detect::params` binds into `signal_params`) and a
//! bin's baseline. Out: the value beyond which the bin is at warning or critical level (for
//! drops `warning x baseline`, for surges `baseline / warning`, both moved by `min_change`
//! where a count must change by that much to count), and the rule in words for the legend.
//! `signal_levels.sql` is the reference; the tests below pin the same cases.

use super::words;
use crate::detect::Case;

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
    let all = crate::detect::params::signal_params(case);
    let p = all.iter().find(|p| p.signal == signal).unwrap_or(&all[0]);
    let direction = match p.direction {
        "surge" => Direction::Surge,
        "both" => Direction::Both,
        _ => Direction::Drop,
    };
    Thresholds { warning: p.warning, critical: p.critical, direction, min_change: p.min_change }
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
