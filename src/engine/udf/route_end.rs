//! `route_end(ts_us, seq, kind, prefix, path_id) OVER (PARTITION BY <peer> ORDER BY prefix,
//! path_id, ts_us, seq)`: when the route that a row announces stops, for the route intervals.
//!
//! In: one peer's route events (kind 'A' announcement, 'W' withdrawal; any other kind, NULL
//! included, counts as a withdrawal, as it did for the SQL this replaces) and session downs
//! (kind 'D', prefix NULL), ordered by prefix, path id, time and position in the file. Out:
//! Int64, for each announcement the earlier of the time of the next event of the same
//! (prefix, path id), and the time of the peer's first session down at or after it (same time
//! and position count: the down ends it); NULL when neither exists (the route is still up at
//! the end of the data) and for the rows that are not announcements.
//!
//! The SQL it replaces, `lead(ts_us)` over (peer, prefix, path id) and a running minimum of
//! the down times over the peer's events in time order, cost two sorts of every update and
//! two windows evaluated row by row (on the bench lake, 0.6 s of 1.5 s); this is one pass
//! over each peer's rows, in the order of the one sort.

use arrow::array::{Array, ArrayRef, AsArray, Int64Array};
use arrow::compute::kernels::cmp::not_distinct;
use arrow::datatypes::{DataType, Field, FieldRef, Int64Type};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::{PartitionEvaluator, Signature, Volatility, WindowUDFImpl};
use std::sync::Arc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct RouteEnd {
    signature: Signature,
}

impl RouteEnd {
    pub fn new() -> Self {
        RouteEnd { signature: Signature::any(5, Volatility::Immutable) }
    }
}

impl WindowUDFImpl for RouteEnd {
    fn name(&self) -> &str {
        "route_end"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn partition_evaluator(&self, _args: PartitionEvaluatorArgs) -> Result<Box<dyn PartitionEvaluator>> {
        Ok(Box::new(Evaluator))
    }
    fn field(&self, field_args: WindowUDFFieldArgs) -> Result<FieldRef> {
        Ok(Arc::new(Field::new(field_args.name(), DataType::Int64, true)))
    }
}

#[derive(Debug)]
struct Evaluator;

/// The kind of an event row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Announce,
    Withdraw,
    Down,
}

/// The end of each announcement among one peer's rows (time, position and kind of each),
/// ordered by route then time; `same_route_as_next(i)` says whether row `i + 1` is an event
/// of the same route as row `i`.
pub fn route_ends(ts: &[i64], seq: &[i64], kind: &[Kind], same_route_as_next: impl Fn(usize) -> bool) -> Vec<Option<i64>> {
    let n = ts.len();
    let mut downs: Vec<(i64, i64)> = (0..n).filter(|&i| kind[i] == Kind::Down).map(|i| (ts[i], seq[i])).collect();
    downs.sort_unstable();
    (0..n)
        .map(|i| {
            if kind[i] != Kind::Announce {
                return None;
            }
            let next = (i + 1 < n && kind[i + 1] != Kind::Down && same_route_as_next(i)).then(|| ts[i + 1]);
            let at = downs.partition_point(|d| *d < (ts[i], seq[i]));
            let down = downs.get(at).map(|d| d.0);
            match (next, down) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        })
        .collect()
}

impl PartitionEvaluator for Evaluator {
    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        let [ts, seq, kind, prefix, path_id] = values else {
            return exec_err!("route_end takes (ts_us, seq, kind, prefix, path_id)");
        };
        let (Some(ts), Some(seq)) = (ts.as_primitive_opt::<Int64Type>(), seq.as_primitive_opt::<Int64Type>()) else {
            return exec_err!("route_end: ts_us and seq must be BIGINT");
        };
        if ts.null_count() > 0 || seq.null_count() > 0 {
            return exec_err!("route_end: ts_us and seq must not be NULL");
        }
        let kind = arrow::compute::cast(kind, &DataType::Utf8)?;
        let kind = kind.as_string::<i32>();
        let kinds: Vec<Kind> = (0..num_rows)
            .map(|i| match kind.is_valid(i).then(|| kind.value(i)) {
                Some("A") => Kind::Announce,
                Some("D") => Kind::Down,
                _ => Kind::Withdraw,
            })
            .collect();
        // Whether each row and the next are events of the same route (NULL equal to NULL).
        let same = if num_rows < 2 {
            None
        } else {
            let tail = num_rows - 1;
            let p = not_distinct(&prefix.slice(0, tail), &prefix.slice(1, tail))?;
            let q = not_distinct(&path_id.slice(0, tail), &path_id.slice(1, tail))?;
            Some(arrow::compute::and(&p, &q)?)
        };
        let ends = route_ends(ts.values(), seq.values(), &kinds, |i| same.as_ref().is_some_and(|s| s.value(i)));
        Ok(Arc::new(ends.into_iter().collect::<Int64Array>()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Kind::*;
    use proptest::prelude::*;

    /// The definition, row by row: the next event of the same route in time order, and the
    /// first down at or after the announcement (ties with a down end it).
    fn naive(rows: &[(u8, i64, i64, Kind)]) -> Vec<Option<i64>> {
        rows.iter()
            .enumerate()
            .map(|(i, &(route, ts, seq, kind))| {
                if kind != Announce {
                    return None;
                }
                let next = rows
                    .iter()
                    .enumerate()
                    .filter(|&(j, r)| r.3 != Down && r.0 == route && ((r.1, r.2) > (ts, seq) || ((r.1, r.2) == (ts, seq) && j > i)))
                    .map(|(_, r)| (r.1, r.2))
                    .min()
                    .map(|r| r.0);
                let down = rows.iter().filter(|r| r.3 == Down && (r.1, r.2) >= (ts, seq)).map(|r| r.1).min();
                match (next, down) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                }
            })
            .collect()
    }

    /// Rows in the window's order: by route (downs last), then time and position.
    fn ordered(mut rows: Vec<(u8, i64, i64, Kind)>) -> Vec<(u8, i64, i64, Kind)> {
        rows.sort_by_key(|r| (r.3 == Down, r.0, r.1, r.2));
        rows
    }

    fn ends(rows: &[(u8, i64, i64, Kind)]) -> Vec<Option<i64>> {
        let ts: Vec<i64> = rows.iter().map(|r| r.1).collect();
        let seq: Vec<i64> = rows.iter().map(|r| r.2).collect();
        let kind: Vec<Kind> = rows.iter().map(|r| r.3).collect();
        route_ends(&ts, &seq, &kind, |i| rows[i].3 != Down && rows[i + 1].3 != Down && rows[i].0 == rows[i + 1].0)
    }

    #[test]
    fn next_event_of_the_route_or_the_first_down_whichever_is_first() {
        let rows = ordered(vec![
            (1, 10, 1, Announce),
            (1, 20, 2, Withdraw),
            (1, 30, 3, Announce), // ended by the down at 40
            (1, 50, 5, Announce), // still up
            (2, 15, 1, Announce), // replaced at 16
            (2, 16, 2, Announce), // ended by the down at 40
            (3, 40, 4, Announce), // same time and position as the down: ended by it
            (0, 40, 4, Down),
        ]);
        let got: Vec<(u8, i64, Option<i64>)> = rows.iter().zip(ends(&rows)).map(|(r, e)| (r.0, r.1, e)).collect();
        assert_eq!(
            got,
            vec![
                (1, 10, Some(20)),
                (1, 20, None),
                (1, 30, Some(40)),
                (1, 50, None),
                (2, 15, Some(16)),
                (2, 16, Some(40)),
                (3, 40, Some(40)),
                (0, 40, None),
            ]
        );
    }

    #[test]
    fn evaluates_arrow_columns_and_takes_an_unknown_kind_for_a_withdrawal() {
        use arrow::array::{StringArray, UInt32Array};
        let ts: ArrayRef = Arc::new(Int64Array::from(vec![10, 20, 30, 25]));
        let seq: ArrayRef = Arc::new(Int64Array::from(vec![1, 2, 3, 9]));
        let kind: ArrayRef = Arc::new(StringArray::from(vec![Some("A"), Some("X"), None, Some("D")]));
        let prefix: ArrayRef = Arc::new(StringArray::from(vec![Some("10.0.0.0/24"), Some("10.0.0.0/24"), Some("10.0.1.0/24"), None]));
        let path: ArrayRef = Arc::new(UInt32Array::from(vec![None, None, None, None]));
        let out = Evaluator.evaluate_all(&[ts, seq, kind, prefix, path], 4).unwrap();
        let out = out.as_primitive::<Int64Type>();
        assert_eq!(out.iter().collect::<Vec<_>>(), vec![Some(20), None, None, None]);
    }

    proptest! {
        #[test]
        fn matches_the_definition(raw in prop::collection::vec((0u8..4, 0i64..30, 0i64..5, 0u8..6), 0..60)) {
            // Distinct (time, position) per route, as in the lake (one file offset per record).
            let mut seen = std::collections::BTreeSet::new();
            let rows: Vec<_> = raw
                .into_iter()
                .filter(|r| seen.insert((r.0, r.1, r.2, r.3 == 5)))
                .map(|(route, ts, seq, k)| (route, ts, seq, match k { 0..=2 => Announce, 3 | 4 => Withdraw, _ => Down }))
                .collect();
            let rows = ordered(rows);
            prop_assert_eq!(ends(&rows), naive(&rows));
        }
    }
}
