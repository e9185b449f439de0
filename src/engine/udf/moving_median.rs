//! `moving_median(value, bin, n) OVER (PARTITION BY ... ORDER BY bin)` and
//! `moving_count(value, bin, n) OVER (...)`: the median (and the number) of the non-NULL
//! values of the rows whose `bin` lies in `[bin - n, bin)`, i.e. the previous `n` bins, not
//! the previous `n` rows: series may skip bins.
//!
//! In: a partition ordered by `bin` (Int64), `value` (Float64, NULL = no data) and `n`
//! (Int64, constant in the partition: the history length in bins). Out: Float64 (median,
//! NULL when there is no earlier value) or Int64 (count). SQL cannot bind the length of a
//! window frame (`ROWS n PRECEDING` needs a literal), and a self-join over `n` bins of history
//! grows with n times the rows; this is one pass with a sorted window.

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array};
use arrow::datatypes::{DataType, Field, FieldRef, Float64Type, Int64Type};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::{PartitionEvaluator, Signature, Volatility, WindowUDFImpl};
use std::sync::Arc;

/// Which statistic of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stat {
    Median,
    Count,
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct MovingWindow {
    stat: Stat,
    signature: Signature,
}

impl MovingWindow {
    pub fn new(stat: Stat) -> Self {
        MovingWindow { stat, signature: Signature::exact(vec![DataType::Float64, DataType::Int64, DataType::Int64], Volatility::Immutable) }
    }
}

impl WindowUDFImpl for MovingWindow {
    fn name(&self) -> &str {
        match self.stat {
            Stat::Median => "moving_median",
            Stat::Count => "moving_count",
        }
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn partition_evaluator(&self, _args: PartitionEvaluatorArgs) -> Result<Box<dyn PartitionEvaluator>> {
        Ok(Box::new(Evaluator { stat: self.stat }))
    }
    fn field(&self, field_args: WindowUDFFieldArgs) -> Result<FieldRef> {
        let dt = match self.stat {
            Stat::Median => DataType::Float64,
            Stat::Count => DataType::Int64,
        };
        Ok(Arc::new(Field::new(field_args.name(), dt, true)))
    }
}

#[derive(Debug)]
struct Evaluator {
    stat: Stat,
}

/// For each row, the median and count of the non-NULL values of the earlier rows whose bin is
/// within `n` bins before its own. `bins` must be ascending. With [`Stat::Count`] the median
/// is not kept (always `None`): a count needs no sorted window.
pub fn moving(values: &[Option<f64>], bins: &[i64], n: i64, stat: Stat) -> Vec<(Option<f64>, i64)> {
    let mut out = Vec::with_capacity(values.len());
    let mut window: Vec<f64> = Vec::new(); // sorted
    let mut count = 0usize;
    let median = stat == Stat::Median;
    let (mut lo, mut hi) = (0usize, 0usize); // rows [lo, hi) are in the window
    for i in 0..values.len() {
        // Add rows before i (bins < bins[i]), drop rows older than bins[i] - n.
        while hi < i && bins[hi] < bins[i] {
            if let Some(v) = values[hi].filter(|v| !v.is_nan()) {
                count += 1;
                if median {
                    let at = window.partition_point(|x| *x < v);
                    window.insert(at, v);
                }
            }
            hi += 1;
        }
        while lo < hi && bins[lo] < bins[i] - n {
            if let Some(v) = values[lo].filter(|v| !v.is_nan()) {
                count -= 1;
                if median {
                    let at = window.partition_point(|x| *x < v);
                    window.remove(at);
                }
            }
            lo += 1;
        }
        let k = window.len();
        let m = match k {
            0 => None,
            _ if k % 2 == 1 => Some(window[k / 2]),
            _ => Some((window[k / 2 - 1] + window[k / 2]) / 2.0),
        };
        out.push((m, count as i64));
    }
    out
}

impl PartitionEvaluator for Evaluator {
    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        let [value, bin, n] = values else {
            return exec_err!("moving_median/moving_count take (value, bin, n)");
        };
        let value = value.as_primitive::<Float64Type>();
        let bin = bin.as_primitive::<Int64Type>();
        let n = n.as_primitive::<Int64Type>();
        if bin.null_count() > 0 {
            return exec_err!("moving window: bin must not be NULL");
        }
        let len = if n.is_empty() || n.is_null(0) { 0 } else { n.value(0) };
        let vals: Vec<Option<f64>> = (0..num_rows).map(|i| (!value.is_null(i)).then(|| value.value(i))).collect();
        let bins = bin.values();
        if bins.windows(2).any(|w| w[0] > w[1]) {
            return exec_err!("moving window: rows must be ordered by bin (ORDER BY bin)");
        }
        let stats = moving(&vals, bins, len, self.stat);
        Ok(match self.stat {
            Stat::Median => Arc::new(stats.iter().map(|s| s.0).collect::<Float64Array>()),
            Stat::Count => Arc::new(stats.iter().map(|s| Some(s.1)).collect::<Int64Array>()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_the_previous_bins_skipping_nulls_and_gaps() {
        let v = [Some(1.0), Some(3.0), None, Some(2.0), Some(10.0), Some(4.0)];
        let b = [0, 1, 2, 3, 5, 9];
        let s = moving(&v, &b, 4, Stat::Median);
        assert_eq!(s[0], (None, 0));
        assert_eq!(s[1], (Some(1.0), 1));
        assert_eq!(s[2], (Some(2.0), 2));
        assert_eq!(s[3], (Some(2.0), 2), "bin 3 sees bins 0..=2, NULL skipped");
        assert_eq!(s[4], (Some(2.5), 2), "bin 5 sees bins 1..=4: 3 and 2");
        assert_eq!(s[5], (Some(10.0), 1), "bin 9 sees bins 5..=8");
    }

    #[test]
    fn matches_a_naive_median_on_random_series() {
        let mut x: u64 = 42;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut bins = Vec::new();
        let mut vals = Vec::new();
        let mut b = 0i64;
        for _ in 0..500 {
            b += 1 + (next() % 3) as i64;
            bins.push(b);
            vals.push(if next() % 5 == 0 { None } else { Some((next() % 20) as f64) });
        }
        let n = 17;
        let fast = moving(&vals, &bins, n, Stat::Median);
        let counts = moving(&vals, &bins, n, Stat::Count);
        for i in 0..bins.len() {
            let mut w: Vec<f64> = (0..i).filter(|&j| bins[j] < bins[i] && bins[j] >= bins[i] - n).filter_map(|j| vals[j]).collect();
            w.sort_by(f64::total_cmp);
            let k = w.len();
            let m = if k == 0 {
                None
            } else if k % 2 == 1 {
                Some(w[k / 2])
            } else {
                Some((w[k / 2 - 1] + w[k / 2]) / 2.0)
            };
            assert_eq!(fast[i], (m, k as i64), "row {i}");
            assert_eq!(counts[i], (None, k as i64), "row {i}, count only");
        }
    }
}
