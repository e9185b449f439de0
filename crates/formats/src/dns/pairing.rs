//! Joining DNS queries with their responses, in bounded memory.
//!
//! In: query and response events in stream order, each with a [`PairKey`] (message family,
//! transport, DNS ID). Out: one row per query (joined with its response, or `query-only`)
//! and one row per response that matched no query (`response-only`), through a callback.
//!
//! Rules:
//! - A response matches the oldest pending query with the same key whose client address and
//!   port, server address and port, query name, type and class agree with the response's
//!   wherever both sides know them (dnstap omits some addresses on some message types, and a
//!   response may carry no question).
//! - A query waits at most [`Pairer::window_us`] of stream time (the largest timestamp seen so
//!   far) for its response; then it becomes a `query-only` row (rcode null: no response).
//! - A response with no pending query waits [`Pairer::orphan_window_us`] for a query logged
//!   after it (dnstap writers can log a response before its query) whose time is not later
//!   than the response's; then it becomes a `response-only` row.
//! - At most [`Pairer::max_pending`] messages wait; past that the oldest query is let go as
//!   `query-only`, so memory stays bounded whatever the input.
//! - At the end of the stream everything still waiting is emitted in arrival order: queries in
//!   the last window of a file can show as `query-only` when their responses are in the next
//!   file.

use super::event::{DnsEvent, MessageType, latency_ms};
use std::collections::{HashMap, VecDeque};

/// Default time a query waits for its response: 30 s of stream time.
pub const DEFAULT_WINDOW_US: i64 = 30_000_000;
/// Default time a response waits for a query logged after it: 5 s of stream time.
pub const DEFAULT_ORPHAN_WINDOW_US: i64 = 5_000_000;
/// Default number of messages waiting at once.
pub const DEFAULT_MAX_PENDING: usize = 1 << 20;

/// What must be equal for a query and a response to be joined, before the field-by-field
/// check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PairKey {
    /// Message family (dnstap: client, resolver...; 0 for packet captures).
    pub family: u8,
    /// Transport (dnstap socket protocol, or 17/6 for captures).
    pub proto: u8,
    /// DNS message ID.
    pub id: u16,
}

struct Entry {
    seq: u64,
    is_response: bool,
    ev: DnsEvent,
}

/// The pairing state of one file.
pub struct Pairer {
    pub window_us: i64,
    pub orphan_window_us: i64,
    pub max_pending: usize,
    buckets: HashMap<PairKey, VecDeque<Entry>>,
    queries: VecDeque<(i64, PairKey, u64)>,
    responses: VecDeque<(i64, PairKey, u64)>,
    pending: usize,
    watermark: i64,
    next_seq: u64,
}

impl Default for Pairer {
    fn default() -> Self {
        Pairer::new(DEFAULT_WINDOW_US, DEFAULT_ORPHAN_WINDOW_US, DEFAULT_MAX_PENDING)
    }
}

fn agree<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// Whether a query and a response event may belong together.
fn compatible(q: &DnsEvent, r: &DnsEvent) -> bool {
    agree(&q.client_addr, &r.client_addr)
        && agree(&q.client_port, &r.client_port)
        && agree(&q.server_addr, &r.server_addr)
        && agree(&q.server_port, &r.server_port)
        && agree(&q.qname, &r.qname)
        && agree(&q.qtype, &r.qtype)
        && agree(&q.qclass, &r.qclass)
}

/// Completes the query's row with the response's fields.
fn join(mut q: DnsEvent, r: DnsEvent) -> DnsEvent {
    q.message_type = MessageType::QueryResponse;
    q.rcode = r.rcode;
    q.answers = r.answers;
    q.truncated = r.truncated;
    q.response_ts = r.response_ts;
    q.latency_ms = r.response_ts.map(|t| latency_ms(q.ts, t));
    fill(&mut q.client_addr, r.client_addr);
    fill(&mut q.client_port, r.client_port);
    fill(&mut q.server_addr, r.server_addr);
    fill(&mut q.server_port, r.server_port);
    fill(&mut q.qname, r.qname);
    fill(&mut q.qtype, r.qtype);
    fill(&mut q.qclass, r.qclass);
    fill(&mut q.opcode, r.opcode);
    fill(&mut q.server_id, r.server_id);
    q
}

fn fill<T>(slot: &mut Option<T>, v: Option<T>) {
    if slot.is_none() {
        *slot = v;
    }
}

impl Pairer {
    pub fn new(window_us: i64, orphan_window_us: i64, max_pending: usize) -> Self {
        Pairer {
            window_us,
            orphan_window_us,
            max_pending: max_pending.max(1),
            buckets: HashMap::new(),
            queries: VecDeque::new(),
            responses: VecDeque::new(),
            pending: 0,
            watermark: i64::MIN,
            next_seq: 0,
        }
    }

    /// Messages waiting for their other half.
    pub fn pending(&self) -> usize {
        self.pending
    }

    /// A query event (`message_type` is set by the pairer; `ts` is the query time).
    pub fn query(&mut self, key: PairKey, ev: DnsEvent, out: &mut dyn FnMut(DnsEvent)) {
        self.advance(ev.ts, out);
        if let Some(bucket) = self.buckets.get_mut(&key) {
            let found = bucket.iter().position(|e| e.is_response && e.ev.response_ts.is_none_or(|t| t >= ev.ts) && compatible(&ev, &e.ev));
            if let Some(i) = found
                && let Some(r) = bucket.remove(i)
            {
                self.pending -= 1;
                if bucket.is_empty() {
                    self.buckets.remove(&key);
                }
                out(join(ev, r.ev));
                return;
            }
        }
        let t = ev.ts;
        let seq = self.push(key, false, ev);
        self.queries.push_back((t, key, seq));
        self.enforce_cap(out);
    }

    /// A response event (`response_ts` is the response time; `ts` its record of the query
    /// time, or the response time).
    pub fn response(&mut self, key: PairKey, ev: DnsEvent, out: &mut dyn FnMut(DnsEvent)) {
        self.advance(ev.response_ts.unwrap_or(ev.ts), out);
        if let Some(bucket) = self.buckets.get_mut(&key)
            && let Some(i) = bucket.iter().position(|e| !e.is_response && compatible(&e.ev, &ev))
            && let Some(q) = bucket.remove(i)
        {
            self.pending -= 1;
            if bucket.is_empty() {
                self.buckets.remove(&key);
            }
            out(join(q.ev, ev));
            return;
        }
        let t = ev.response_ts.unwrap_or(ev.ts);
        let seq = self.push(key, true, ev);
        self.responses.push_back((t, key, seq));
        self.enforce_cap(out);
    }

    /// Emits everything still waiting, in arrival order.
    pub fn finish(&mut self, out: &mut dyn FnMut(DnsEvent)) {
        let mut all: Vec<Entry> = self.buckets.drain().flat_map(|(_, b)| b).collect();
        all.sort_by_key(|e| e.seq);
        for e in all {
            out(Self::unpaired(e));
        }
        self.queries.clear();
        self.responses.clear();
        self.pending = 0;
    }

    fn push(&mut self, key: PairKey, is_response: bool, ev: DnsEvent) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.buckets.entry(key).or_default().push_back(Entry { seq, is_response, ev });
        self.pending += 1;
        seq
    }

    fn unpaired(e: Entry) -> DnsEvent {
        let mut ev = e.ev;
        ev.message_type = if e.is_response { MessageType::ResponseOnly } else { MessageType::QueryOnly };
        ev
    }

    /// Takes the entry `seq` out of its bucket, if it is still there.
    fn take(&mut self, key: PairKey, seq: u64) -> Option<Entry> {
        let bucket = self.buckets.get_mut(&key)?;
        let i = bucket.iter().position(|e| e.seq == seq)?;
        let e = bucket.remove(i);
        if bucket.is_empty() {
            self.buckets.remove(&key);
        }
        if e.is_some() {
            self.pending -= 1;
        }
        e
    }

    /// Moves stream time to `ts` and lets go of what waited too long.
    fn advance(&mut self, ts: i64, out: &mut dyn FnMut(DnsEvent)) {
        self.watermark = self.watermark.max(ts);
        let q_limit = self.watermark.saturating_sub(self.window_us);
        while let Some(&(t, key, seq)) = self.queries.front() {
            if t >= q_limit {
                break;
            }
            self.queries.pop_front();
            if let Some(e) = self.take(key, seq) {
                out(Self::unpaired(e));
            }
        }
        let r_limit = self.watermark.saturating_sub(self.orphan_window_us);
        while let Some(&(t, key, seq)) = self.responses.front() {
            if t >= r_limit {
                break;
            }
            self.responses.pop_front();
            if let Some(e) = self.take(key, seq) {
                out(Self::unpaired(e));
            }
        }
    }

    /// Lets go of the oldest waiting messages while more than `max_pending` wait.
    fn enforce_cap(&mut self, out: &mut dyn FnMut(DnsEvent)) {
        while self.pending > self.max_pending {
            let next = match (self.queries.front(), self.responses.front()) {
                (Some(q), Some(r)) => {
                    if q.2 <= r.2 {
                        self.queries.pop_front()
                    } else {
                        self.responses.pop_front()
                    }
                }
                (Some(_), None) => self.queries.pop_front(),
                (None, Some(_)) => self.responses.pop_front(),
                (None, None) => break,
            };
            if let Some((_, key, seq)) = next
                && let Some(e) = self.take(key, seq)
            {
                out(Self::unpaired(e));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    fn q(ts: i64, id: u16, port: u16, name: &str) -> (PairKey, DnsEvent) {
        let mut ev = DnsEvent::new(ts, "test", MessageType::QueryOnly, ts as u64);
        ev.client_addr = Some("192.0.2.1".parse::<IpAddr>().unwrap());
        ev.client_port = Some(port);
        ev.qname = Some(name.into());
        (PairKey { family: 1, proto: 1, id }, ev)
    }

    fn r(ts: i64, id: u16, port: u16, name: &str, rcode: &str) -> (PairKey, DnsEvent) {
        let (k, mut ev) = q(ts, id, port, name);
        ev.response_ts = Some(ts);
        ev.rcode = Some(rcode.into());
        ev.message_type = MessageType::ResponseOnly;
        (k, ev)
    }

    fn run(p: &mut Pairer, items: Vec<(bool, (PairKey, DnsEvent))>) -> Vec<DnsEvent> {
        let mut rows = Vec::new();
        for (is_q, (k, ev)) in items {
            if is_q {
                p.query(k, ev, &mut |e| rows.push(e));
            } else {
                p.response(k, ev, &mut |e| rows.push(e));
            }
        }
        p.finish(&mut |e| rows.push(e));
        rows
    }

    #[test]
    fn joins_by_key_and_fields_and_times_out() {
        let mut p = Pairer::new(30_000_000, 5_000_000, 100);
        let rows = run(
            &mut p,
            vec![
                (true, q(0, 1, 1000, "a.test")),
                (true, q(1_000, 1, 1001, "a.test")), // same id, other port
                (false, r(3_000, 1, 1001, "a.test", "NOERROR")),
                (false, r(4_000, 1, 1000, "b.test", "NOERROR")), // name differs: no match
                (true, q(10_000, 2, 1000, "c.test")),
                (false, r(40_000_000, 9, 9, "z.test", "SERVFAIL")), // pushes time: c.test times out
            ],
        );
        let kinds: Vec<(&str, Option<&str>, MessageType)> =
            rows.iter().map(|e| (e.qname.as_deref().unwrap(), e.rcode.as_deref(), e.message_type)).collect();
        assert_eq!(
            kinds,
            vec![
                ("a.test", Some("NOERROR"), MessageType::QueryResponse),
                ("a.test", None, MessageType::QueryOnly),
                ("c.test", None, MessageType::QueryOnly),
                ("b.test", Some("NOERROR"), MessageType::ResponseOnly),
                ("z.test", Some("SERVFAIL"), MessageType::ResponseOnly),
            ]
        );
        assert_eq!(rows[0].latency_ms, Some(2.0));
        assert_eq!(rows[0].client_port, Some(1001));
        assert_eq!(p.pending(), 0);
    }

    #[test]
    fn a_response_logged_before_its_query_is_joined() {
        let mut p = Pairer::default();
        let rows = run(&mut p, vec![(false, r(2_000, 5, 53, "x.test", "NXDOMAIN")), (true, q(1_000, 5, 53, "x.test"))]);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].message_type, MessageType::QueryResponse);
        assert_eq!(rows[0].ts, 1_000);
        assert_eq!(rows[0].latency_ms, Some(1.0));
    }

    #[test]
    fn a_response_does_not_join_a_later_query() {
        let mut p = Pairer::default();
        let rows = run(&mut p, vec![(false, r(1_000, 5, 53, "x.test", "NOERROR")), (true, q(2_000, 5, 53, "x.test"))]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].message_type, MessageType::ResponseOnly);
        assert_eq!(rows[1].message_type, MessageType::QueryOnly);
    }

    #[test]
    fn memory_is_bounded() {
        let mut p = Pairer::new(i64::MAX, i64::MAX, 10);
        let mut rows = Vec::new();
        for i in 0..1000u16 {
            let (k, ev) = q(i as i64, i, 1, "a.test");
            p.query(k, ev, &mut |e| rows.push(e));
            assert!(p.pending() <= 10);
        }
        p.finish(&mut |e| rows.push(e));
        assert_eq!(rows.len(), 1000);
        assert!(rows.windows(2).all(|w| w[0].ts < w[1].ts), "arrival order kept");
    }
}
