//! `route_end(ts_us, seq, kind, collector, peer_ip, peer_asn, prefix, path_id) OVER ()`: when
//! the route that a row announces stops, for the route intervals.
//!
//! In: route events (kind 'A' announcement, 'W' withdrawal; any other kind, NULL included,
//! counts as a withdrawal, as it did for the SQL this replaced) and session downs (kind 'D',
//! prefix NULL) of peers (collector, peer address, peer AS), in any order. Out: Int64, for
//! each announcement the earlier of the time of the next event of the same route (peer,
//! prefix, path id) in time order (time, then position in the file), and the time of that
//! peer's first session down at or after it (same time and position count: the down ends
//! it); NULL when neither exists (the route is still up at the end of the data) and for the
//! rows that are not announcements.
//!
//! Events at the same time and position (one record) are taken withdrawals first, then
//! announcements, then downs: a prefix both withdrawn and announced in one UPDATE stays up
//! (RFC 7606, 5.3), and a down in the same record ends what was announced there.
//!
//! The function puts the rows in time order itself (a sort of integer triples) and walks them
//! once, with each peer's open routes in a hash map, so the window needs neither PARTITION BY
//! nor ORDER BY and the engine neither repartitions nor sorts the events. On the bench lake's
//! 1.48 M events the query took 0.45-0.55 s with `PARTITION BY peer_asn ORDER BY ts_us, seq`
//! (a hash repartition, then a sort comparing three columns through dynamic comparators),
//! 0.38-0.43 s with `PARTITION BY peer_asn` alone, and 0.29-0.32 s (0.3 s less CPU) with one
//! partition, although the walk itself then runs on one thread (with huge pages; without them,
//! as detection runs now, 0.54-0.65 s against 0.43-0.48 s). Dealing the peers to two threads
//! inside the function took 0.04 s off the query and nothing off detection. Before: a window
//! ordered by peer and prefix text (to walk each route's events side by side) took 0.76-0.89 s;
//! the SQL before that, `lead(ts_us)` over each route and a running minimum of the downs, cost
//! two sorts of every update and two windows evaluated row by row.

use arrow::array::{Array, ArrayRef, AsArray, Int64Array, StringArray, StringViewArray};
use arrow::datatypes::{DataType, Field, FieldRef, Int64Type, UInt32Type};
use datafusion::common::{HashMap, Result, exec_err};
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::{PartitionEvaluator, Signature, Volatility, WindowUDFImpl};
use std::hash::Hash;
use std::sync::Arc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct RouteEnd {
    signature: Signature,
}

impl RouteEnd {
    pub fn new() -> Self {
        RouteEnd { signature: Signature::any(8, Volatility::Immutable) }
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

/// The kind of an event row, in the order events of one record are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Withdraw,
    Announce,
    Down,
}

/// The end of each announcement among rows ordered by time and position (`ts`, `seq`);
/// `peer[i]` numbers row `i`'s peer (0, 1, ...) and `route(i)` is its route within the peer
/// (a down's route is not read).
pub fn route_ends<R: Hash + Eq>(ts: &[i64], seq: &[i64], kind: &[Kind], peer: &[u32], route: impl Fn(usize) -> R) -> Vec<Option<i64>> {
    let n = ts.len();
    let mut end = vec![None; n];
    // Per peer, the row of each route's announcement that is still up.
    let mut open: Vec<HashMap<R, usize>> = Vec::new();
    open.resize_with(peer.iter().max().map_or(0, |&p| p as usize + 1), HashMap::default);
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && ts[j] == ts[i] && seq[j] == seq[i] {
            j += 1;
        }
        for pass in [Kind::Withdraw, Kind::Announce, Kind::Down] {
            for r in (i..j).filter(|&r| kind[r] == pass) {
                match pass {
                    Kind::Withdraw => {
                        if let Some(up) = open[peer[r] as usize].remove(&route(r)) {
                            end[up] = Some(ts[r]);
                        }
                    }
                    Kind::Announce => {
                        if let Some(up) = open[peer[r] as usize].insert(route(r), r) {
                            end[up] = Some(ts[r]);
                        }
                    }
                    Kind::Down => {
                        for (_, up) in open[peer[r] as usize].drain() {
                            end[up] = Some(ts[r]);
                        }
                    }
                }
            }
        }
        i = j;
    }
    end
}

/// A peer: collector, peer address and peer AS.
type Peer<'a> = (Option<&'a str>, Option<&'a str>, Option<u32>);

/// A text column, read in place when it is `Utf8` or `Utf8View` (the union before the window
/// gives `Utf8` for some columns; casting those to views took 48 of the function's 120 ms of
/// CPU on the bench lake, reading them in place 20).
enum Texts {
    Plain(StringArray),
    View(StringViewArray),
}

impl Texts {
    fn new(a: &ArrayRef) -> Result<Texts> {
        Ok(match a.data_type() {
            DataType::Utf8 => Texts::Plain(a.as_string::<i32>().clone()),
            DataType::Utf8View => Texts::View(a.as_string_view().clone()),
            _ => Texts::View(arrow::compute::cast(a, &DataType::Utf8View)?.as_string_view().clone()),
        })
    }

    /// Row `i`, `None` for NULL.
    fn get(&self, i: usize) -> Option<&str> {
        match self {
            Texts::Plain(a) => a.is_valid(i).then(|| a.value(i)),
            Texts::View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }
}

impl PartitionEvaluator for Evaluator {
    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        let [ts, seq, kind, collector, peer_ip, peer_asn, prefix, path_id] = values else {
            return exec_err!("route_end takes (ts_us, seq, kind, collector, peer_ip, peer_asn, prefix, path_id)");
        };
        let (Some(ts), Some(seq)) = (ts.as_primitive_opt::<Int64Type>(), seq.as_primitive_opt::<Int64Type>()) else {
            return exec_err!("route_end: ts_us and seq must be BIGINT");
        };
        if ts.null_count() > 0 || seq.null_count() > 0 {
            return exec_err!("route_end: ts_us and seq must not be NULL");
        }
        // The rows in time order: (time, position, row) sorted here, by integers, so that the
        // engine needs to neither partition nor sort them (see the module header). Rows of
        // equal time and position keep their order.
        let (ts, seq) = (ts.values(), seq.values());
        let mut keyed: Vec<(i64, i64, u32)> = (0..num_rows).map(|i| (ts[i], seq[i], i as u32)).collect();
        keyed.sort_unstable();
        let order: Vec<usize> = keyed.iter().map(|k| k.2 as usize).collect();
        let (ts, seq): (Vec<i64>, Vec<i64>) = keyed.iter().map(|k| (k.0, k.1)).unzip();
        drop(keyed);
        let kind = Texts::new(kind)?;
        let kinds: Vec<Kind> = order
            .iter()
            .map(|&i| match kind.get(i) {
                Some("A") => Kind::Announce,
                Some("D") => Kind::Down,
                _ => Kind::Withdraw,
            })
            .collect();
        let (collector, peer_ip, prefix) = (Texts::new(collector)?, Texts::new(peer_ip)?, Texts::new(prefix)?);
        let path_id = arrow::compute::cast(path_id, &DataType::UInt32)?;
        let path_id = path_id.as_primitive::<UInt32Type>();
        let peer_asn = arrow::compute::cast(peer_asn, &DataType::UInt32)?;
        let peer_asn = peer_asn.as_primitive::<UInt32Type>();
        // Each row's peer as a number: consecutive rows are often of the same peer, so the
        // last one found is compared first and the map is asked only when it differs (an AS
        // can have dozens of sessions across collectors, whose rows interleave in time).
        let mut numbers: HashMap<Peer, u32> = HashMap::default();
        let mut last: Option<(Peer, u32)> = None;
        let slots: Vec<u32> = order
            .iter()
            .map(|&i| {
                let p = (collector.get(i), peer_ip.get(i), peer_asn.is_valid(i).then(|| peer_asn.value(i)));
                match last {
                    Some((q, n)) if q == p => n,
                    _ => {
                        let next = numbers.len() as u32;
                        let n = *numbers.entry(p).or_insert(next);
                        last = Some((p, n));
                        n
                    }
                }
            })
            .collect();
        let ends = route_ends(&ts, &seq, &kinds, &slots, |k| {
            let i = order[k];
            (prefix.get(i), path_id.is_valid(i).then(|| path_id.value(i)))
        });
        // Back to the rows' own order.
        let mut out = vec![None; num_rows];
        for (k, end) in ends.into_iter().enumerate() {
            out[order[k]] = end;
        }
        Ok(Arc::new(out.into_iter().collect::<Int64Array>()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Kind::*;
    use proptest::prelude::*;

    /// (peer, route, ts, seq, kind)
    type Row = (u8, u8, i64, i64, Kind);

    /// The definition, row by row, over rows in time order: the next event of the same peer
    /// and route in the order events are taken (time, position, withdrawals before
    /// announcements, then row order), and the peer's first down at or after the
    /// announcement (ties with a down end it).
    fn naive(rows: &[Row]) -> Vec<Option<i64>> {
        let taken = |j: usize| (rows[j].2, rows[j].3, rows[j].4, j);
        rows.iter()
            .enumerate()
            .map(|(i, &(peer, route, ts, seq, kind))| {
                if kind != Announce {
                    return None;
                }
                let next = (0..rows.len())
                    .filter(|&j| rows[j].4 != Down && rows[j].0 == peer && rows[j].1 == route && taken(j) > taken(i))
                    .min_by_key(|&j| taken(j))
                    .map(|j| rows[j].2);
                let down = rows.iter().filter(|r| r.4 == Down && r.0 == peer && (r.2, r.3) >= (ts, seq)).map(|r| r.2).min();
                match (next, down) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                }
            })
            .collect()
    }

    /// Rows in the window's order: by time and position (ties in any order).
    fn ordered(mut rows: Vec<Row>) -> Vec<Row> {
        rows.sort_by_key(|r| (r.2, r.3));
        rows
    }

    fn ends(rows: &[Row]) -> Vec<Option<i64>> {
        let ts: Vec<i64> = rows.iter().map(|r| r.2).collect();
        let seq: Vec<i64> = rows.iter().map(|r| r.3).collect();
        let kind: Vec<Kind> = rows.iter().map(|r| r.4).collect();
        let peer: Vec<u32> = rows.iter().map(|r| r.0 as u32).collect();
        route_ends(&ts, &seq, &kind, &peer, |i| rows[i].1)
    }

    #[test]
    fn next_event_of_the_route_or_the_peers_first_down_whichever_is_first() {
        let rows = ordered(vec![
            (0, 1, 10, 1, Announce),
            (0, 1, 20, 2, Withdraw),
            (0, 1, 30, 3, Announce), // ended by the down at 40
            (0, 1, 50, 5, Announce), // still up
            (0, 2, 15, 1, Announce), // replaced at 16
            (0, 2, 16, 2, Announce), // ended by the down at 40
            (0, 3, 40, 4, Announce), // same time and position as the down: ended by it
            (0, 0, 40, 4, Down),
            (1, 1, 12, 1, Announce), // another peer: its own route, not ended by the down
            (1, 4, 60, 6, Announce), // announced and withdrawn in one record: stays up
            (1, 4, 60, 6, Withdraw),
        ]);
        let got: Vec<(u8, u8, i64, Option<i64>)> = rows.iter().zip(ends(&rows)).map(|(r, e)| (r.0, r.1, r.2, e)).collect();
        assert_eq!(
            got,
            vec![
                (0, 1, 10, Some(20)),
                (1, 1, 12, None),
                (0, 2, 15, Some(16)),
                (0, 2, 16, Some(40)),
                (0, 1, 20, None),
                (0, 1, 30, Some(40)),
                (0, 3, 40, Some(40)),
                (0, 0, 40, None),
                (0, 1, 50, None),
                (1, 4, 60, None),
                (1, 4, 60, None),
            ]
        );
    }

    #[test]
    fn evaluates_arrow_columns_and_takes_an_unknown_kind_for_a_withdrawal() {
        use arrow::array::{StringArray, UInt32Array};
        let ts: ArrayRef = Arc::new(Int64Array::from(vec![10, 20, 25, 30, 35]));
        let seq: ArrayRef = Arc::new(Int64Array::from(vec![1, 2, 9, 3, 4]));
        let kind: ArrayRef = Arc::new(StringArray::from(vec![Some("A"), Some("X"), Some("D"), Some("A"), None]));
        let collector: ArrayRef = Arc::new(StringArray::from(vec!["rrc00"; 5]));
        let peer: ArrayRef = Arc::new(StringArray::from(vec!["192.0.2.1"; 5]));
        let asn: ArrayRef = Arc::new(UInt32Array::from(vec![64496; 5]));
        let prefix: ArrayRef =
            Arc::new(StringArray::from(vec![Some("10.0.0.0/24"), Some("10.0.0.0/24"), None, Some("10.0.1.0/24"), Some("10.0.1.0/24")]));
        let path: ArrayRef = Arc::new(UInt32Array::from(vec![None, None, None, Some(7), Some(7)]));
        let out = Evaluator.evaluate_all(&[ts, seq, kind, collector, peer, asn, prefix, path], 5).unwrap();
        let out = out.as_primitive::<Int64Type>();
        assert_eq!(out.iter().collect::<Vec<_>>(), vec![Some(20), None, None, Some(35), None]);
    }

    proptest! {
        #[test]
        fn matches_the_definition(raw in prop::collection::vec((0u8..2, 0u8..4, 0i64..20, 0i64..3, 0u8..6), 0..60)) {
            let rows: Vec<Row> = raw
                .into_iter()
                .map(|(peer, route, ts, seq, k)| (peer, route, ts, seq, match k { 0..=2 => Announce, 3 | 4 => Withdraw, _ => Down }))
                .collect();
            let rows = ordered(rows);
            prop_assert_eq!(ends(&rows), naive(&rows));
        }

        /// The window function on rows in any order: each row gets what the definition gives
        /// it among the same rows in time order (equal times and positions in the order given).
        /// Peers 0 and 1 share collector and address but not their AS: they are two peers.
        #[test]
        fn evaluates_rows_in_any_order(raw in prop::collection::vec((0u8..3, 0u8..4, 0i64..20, 0i64..3, 0u8..6), 0..60)) {
            use arrow::array::{StringArray, UInt32Array};
            let rows: Vec<Row> = raw
                .into_iter()
                .map(|(peer, route, ts, seq, k)| (peer, route, ts, seq, match k { 0..=2 => Announce, 3 | 4 => Withdraw, _ => Down }))
                .collect();
            let n = rows.len();
            let col = |f: &dyn Fn(&Row) -> Option<String>| -> ArrayRef { Arc::new(rows.iter().map(f).collect::<StringArray>()) };
            let ts: ArrayRef = Arc::new(rows.iter().map(|r| r.2).collect::<Int64Array>());
            let seq: ArrayRef = Arc::new(rows.iter().map(|r| r.3).collect::<Int64Array>());
            let kind = col(&|r| Some(match r.4 { Announce => "A", Withdraw => "W", Down => "D" }.to_string()));
            let collector = col(&|_| Some("c".to_string()));
            let address = col(&|r| Some(if r.0 == 2 { "b" } else { "a" }.to_string()));
            let asn: ArrayRef = Arc::new(rows.iter().map(|r| Some(if r.0 == 1 { 2 } else { 1 })).collect::<UInt32Array>());
            let prefix = col(&|r| (r.4 != Down).then(|| format!("10.0.{}.0/24", r.1 / 2)));
            let path: ArrayRef = Arc::new(rows.iter().map(|r| (r.1 % 2 == 1).then_some(7)).collect::<UInt32Array>());
            let out = Evaluator.evaluate_all(&[ts, seq, kind, collector, address, asn, prefix, path], n).unwrap();
            let got: Vec<Option<i64>> = out.as_primitive::<Int64Type>().iter().collect();
            // The definition over the rows in time order (a stable sort keeps the given order
            // of ties), mapped back to each row's place.
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by_key(|&i| (rows[i].2, rows[i].3));
            let sorted: Vec<Row> = order.iter().map(|&i| rows[i]).collect();
            let mut want = vec![None; n];
            for (k, e) in naive(&sorted).into_iter().enumerate() {
                want[order[k]] = e;
            }
            prop_assert_eq!(got, want);
        }
    }
}
