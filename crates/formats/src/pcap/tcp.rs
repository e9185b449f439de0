//! DNS over TCP: each direction of a connection reassembled into its 2-byte length-prefixed
//! messages (RFC 1035 section 4.2.2, RFC 7766), bounded.
//!
//! In: TCP segments of port-53 connections (sequence number, SYN/FIN/RST, payload) with their
//! packet's time and offset. Out: whole DNS messages (without the length prefix), and the
//! pieces given up on ([`Lost`]).
//!
//! Rules: the stream starts at SYN + 1 (so TCP Fast Open data in the SYN counts) or, when the
//! capture starts mid-connection, at the first segment seen. Retransmitted bytes are dropped,
//! segments ahead of a gap wait (at most [`MAX_OOO_SEGMENTS`] segments and [`MAX_OOO_BYTES`]
//! bytes per direction). A direction never holds more than one partial message (at most
//! 65537 bytes). At most [`MAX_FLOWS`] directions are tracked; the least recently used ones
//! and the ones idle for [`IDLE_US`] of capture time are let go, as are the least recently
//! used while all directions together hold more than [`MAX_BUFFERED`] bytes. Bytes of a
//! message that never completes (FIN/RST, eviction, end of capture, a gap that never fills),
//! and segments that waited ahead of a gap that never filled, are reported as [`Lost`].

use std::collections::HashMap;
use std::net::IpAddr;

pub const MAX_FLOWS: usize = 4096;
pub const MAX_OOO_SEGMENTS: usize = 32;
pub const MAX_OOO_BYTES: usize = 256 * 1024;
pub const IDLE_US: i64 = 30_000_000;
/// Most bytes held over all directions (partial messages and segments ahead of a gap); past
/// it the least recently used directions are let go, so that a hostile capture of thousands
/// of stalled connections cannot hold 4096 x 320 KiB.
pub const MAX_BUFFERED: usize = 64 << 20;

/// One direction of a TCP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlowKey {
    pub src: IpAddr,
    pub sport: u16,
    pub dst: IpAddr,
    pub dport: u16,
}

#[derive(Default)]
struct Flow {
    next_seq: Option<u32>,
    buf: Vec<u8>,
    /// Segments ahead of a gap: sequence number, payload, offset of their packet.
    ooo: Vec<(u32, Vec<u8>, u64)>,
    ooo_bytes: usize,
    last_ts: i64,
    /// Offset of the packet that brought the first byte of `buf`.
    buf_start_offset: Option<u64>,
}

/// A segment as the reassembler needs it.
#[derive(Debug, Clone, Copy)]
pub struct Segment<'a> {
    pub seq: u32,
    pub syn: bool,
    pub fin: bool,
    pub rst: bool,
    pub payload: &'a [u8],
}

/// Bytes of an incomplete message given up on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lost {
    /// Offset of the packet that brought the first lost byte.
    pub first_offset: u64,
    pub bytes: usize,
    pub reason: String,
}

/// Reassembly state of one capture.
#[derive(Default)]
pub struct TcpStreams {
    flows: HashMap<FlowKey, Flow>,
    segments_seen: u64,
    /// Bytes held by all flows (`Flow::held`).
    buffered: usize,
}

impl Flow {
    fn held(&self) -> usize {
        self.buf.len() + self.ooo_bytes
    }

    /// Gives up the segments waiting ahead of a gap.
    fn drop_ooo(&mut self, reason: &str, lost: &mut Vec<Lost>) {
        if let Some(first) = self.ooo.iter().map(|(_, _, o)| *o).min() {
            lost.push(Lost {
                first_offset: first,
                bytes: self.ooo_bytes,
                reason: format!("{reason}: {} bytes in {} segments after a TCP gap that never filled", self.ooo_bytes, self.ooo.len()),
            });
        }
        self.ooo.clear();
        self.ooo_bytes = 0;
    }

    /// Everything the direction holds, given up: its partial message and waiting segments.
    fn give_up(&mut self, reason: &str, lost: &mut Vec<Lost>) {
        lost.extend(self.take_lost(reason));
        self.drop_ooo(reason, lost);
    }

    fn take_lost(&mut self, reason: &str) -> Option<Lost> {
        let lost = (!self.buf.is_empty()).then(|| Lost {
            first_offset: self.buf_start_offset.unwrap_or(0),
            bytes: self.buf.len(),
            reason: format!("{reason} with {} bytes of a DNS message pending", self.buf.len()),
        });
        self.buf.clear();
        self.buf_start_offset = None;
        lost
    }

    fn append(&mut self, data: &[u8], offset: u64) {
        if data.is_empty() {
            return;
        }
        if self.buf.is_empty() {
            self.buf_start_offset = Some(offset);
        }
        self.buf.extend_from_slice(data);
        if let Some(n) = self.next_seq {
            self.next_seq = Some(n.wrapping_add(data.len() as u32));
        }
    }

    /// Adds in-order data at `seq`; returns false when it is ahead of the stream (a gap).
    fn place(&mut self, seq: u32, data: &[u8], offset: u64) -> bool {
        let next = *self.next_seq.get_or_insert(seq);
        let rel = seq.wrapping_sub(next) as i32;
        if rel > 0 {
            return false;
        }
        let overlap = rel.unsigned_abs() as usize;
        if overlap < data.len() {
            self.append(&data[overlap..], offset);
        }
        true
    }

    /// Cuts the whole messages off the front of the buffer; what remains came with the packet
    /// at `offset` or later.
    fn messages(&mut self, out: &mut Vec<Vec<u8>>, offset: u64) {
        let mut pos = 0;
        while self.buf.len() - pos >= 2 {
            let len = usize::from(u16::from_be_bytes([self.buf[pos], self.buf[pos + 1]]));
            if self.buf.len() - pos < 2 + len {
                break;
            }
            out.push(self.buf[pos + 2..pos + 2 + len].to_vec());
            pos += 2 + len;
        }
        if pos > 0 {
            self.buf.drain(..pos);
            self.buf_start_offset = (!self.buf.is_empty()).then_some(offset);
        }
    }
}

impl TcpStreams {
    /// Directions tracked.
    pub fn len(&self) -> usize {
        self.flows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    /// Adds one segment; returns the messages it completed. `lost` receives what was given up.
    pub fn segment(&mut self, key: FlowKey, seg: Segment<'_>, ts: i64, offset: u64, lost: &mut Vec<Lost>) -> Vec<Vec<u8>> {
        self.segments_seen += 1;
        if self.segments_seen.is_multiple_of(1024) || (self.flows.len() >= MAX_FLOWS && !self.flows.contains_key(&key)) {
            self.sweep(ts, lost);
        }
        let flow = self.flows.entry(key).or_default();
        let held_before = flow.held();
        flow.last_ts = ts;
        if seg.syn {
            flow.give_up("a new connection (SYN) replaced the stream", lost);
            flow.next_seq = Some(seg.seq.wrapping_add(1));
        }
        let data_seq = if seg.syn { seg.seq.wrapping_add(1) } else { seg.seq };
        let mut out = Vec::new();
        if !seg.payload.is_empty() && !flow.place(data_seq, seg.payload, offset) {
            let rel = data_seq.wrapping_sub(flow.next_seq.unwrap_or(data_seq)) as i32;
            if flow.ooo.len() >= MAX_OOO_SEGMENTS || flow.ooo_bytes + seg.payload.len() > MAX_OOO_BYTES || rel > (1 << 20) {
                // The gap will not fill: give up what is pending and restart here.
                flow.give_up("a TCP gap did not fill", lost);
                flow.next_seq = Some(data_seq);
                flow.place(data_seq, seg.payload, offset);
            } else {
                flow.ooo_bytes += seg.payload.len();
                flow.ooo.push((data_seq, seg.payload.to_vec(), offset));
            }
        }
        // Segments that were waiting for this one.
        while let Some(next) = flow.next_seq
            && let Some(i) = flow.ooo.iter().position(|(s, _, _)| s.wrapping_sub(next) as i32 <= 0)
        {
            let (s, d, _) = flow.ooo.swap_remove(i);
            flow.ooo_bytes -= d.len();
            flow.place(s, &d, offset);
        }
        flow.messages(&mut out, offset);
        self.buffered = self.buffered + flow.held() - held_before;
        if (seg.fin || seg.rst)
            && let Some(mut f) = self.flows.remove(&key)
        {
            self.buffered -= f.held();
            f.give_up(if seg.rst { "connection reset (RST)" } else { "connection closed (FIN)" }, lost);
        }
        while self.buffered > MAX_BUFFERED {
            let Some(k) = self.flows.iter().min_by_key(|(k, f)| (f.last_ts, f.buf_start_offset, **k)).map(|(k, _)| *k) else {
                break;
            };
            if let Some(mut f) = self.flows.remove(&k) {
                self.buffered -= f.held();
                f.give_up("too much TCP data buffered", lost);
            }
        }
        out
    }

    /// Lets go of directions idle too long, then of the least recently used while over the cap.
    fn sweep(&mut self, now: i64, lost: &mut Vec<Lost>) {
        // In a fixed order (not the hash map's), so that rejects come out the same every run.
        let mut idle: Vec<FlowKey> = self.flows.iter().filter(|(_, f)| now.saturating_sub(f.last_ts) > IDLE_US).map(|(k, _)| *k).collect();
        idle.sort_unstable();
        for k in idle {
            if let Some(mut f) = self.flows.remove(&k) {
                self.buffered -= f.held();
                f.give_up("TCP connection idle", lost);
            }
        }
        while self.flows.len() >= MAX_FLOWS {
            let Some(k) = self.flows.iter().min_by_key(|(k, f)| (f.last_ts, f.buf_start_offset, **k)).map(|(k, _)| *k) else {
                break;
            };
            if let Some(mut f) = self.flows.remove(&k) {
                self.buffered -= f.held();
                f.give_up("too many TCP connections", lost);
            }
        }
    }

    /// Gives up on everything (end of capture), in offset order.
    pub fn finish(&mut self, lost: &mut Vec<Lost>) {
        let mut all = Vec::new();
        for (_, mut f) in self.flows.drain() {
            f.give_up("capture ended", &mut all);
        }
        self.buffered = 0;
        all.sort_by(|a, b| (a.first_offset, &a.reason).cmp(&(b.first_offset, &b.reason)));
        lost.extend(all);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> FlowKey {
        FlowKey { src: "192.0.2.1".parse().unwrap(), sport: 40000, dst: "192.0.2.53".parse().unwrap(), dport: 53 }
    }

    fn framed(msgs: &[&[u8]]) -> Vec<u8> {
        let mut v = Vec::new();
        for m in msgs {
            v.extend((m.len() as u16).to_be_bytes());
            v.extend(*m);
        }
        v
    }

    #[test]
    fn reassembles_split_and_out_of_order_messages() {
        let mut t = TcpStreams::default();
        let mut lost = Vec::new();
        let stream = framed(&[b"first message", b"second"]);
        let syn = Segment { seq: 1000, syn: true, fin: false, rst: false, payload: &[] };
        assert!(t.segment(key(), syn, 0, 0, &mut lost).is_empty());
        let a = &stream[..5];
        let b = &stream[5..20];
        let c = &stream[20..];
        let m = t.segment(key(), Segment { seq: 1001 + 20, syn: false, fin: false, rst: false, payload: c }, 1, 10, &mut lost);
        assert!(m.is_empty());
        let m = t.segment(key(), Segment { seq: 1001, syn: false, fin: false, rst: false, payload: a }, 2, 20, &mut lost);
        assert!(m.is_empty());
        // retransmission of a, then b: both messages complete
        t.segment(key(), Segment { seq: 1001, syn: false, fin: false, rst: false, payload: a }, 3, 30, &mut lost);
        let m = t.segment(key(), Segment { seq: 1006, syn: false, fin: false, rst: false, payload: b }, 4, 40, &mut lost);
        assert_eq!(m, vec![b"first message".to_vec(), b"second".to_vec()]);
        assert!(lost.is_empty());
    }

    #[test]
    fn syn_data_counts_and_fin_reports_the_rest() {
        let mut t = TcpStreams::default();
        let mut lost = Vec::new();
        let stream = framed(&[b"abc"]);
        let m = t.segment(key(), Segment { seq: 7, syn: true, fin: false, rst: false, payload: &stream }, 0, 0, &mut lost);
        assert_eq!(m, vec![b"abc".to_vec()]);
        let m = t.segment(key(), Segment { seq: 8 + 5, syn: false, fin: true, rst: false, payload: &[0, 9, 1] }, 1, 50, &mut lost);
        assert!(m.is_empty());
        assert_eq!(
            lost,
            vec![Lost { first_offset: 50, bytes: 3, reason: "connection closed (FIN) with 3 bytes of a DNS message pending".into() }]
        );
        assert!(t.is_empty());
    }
}
