//! IPv4 and IPv6 fragment reassembly, bounded.
//!
//! In: fragments ([`super::packet::Fragment`]) with their packet's time and offset. Out: the
//! reassembled payload when the last missing piece arrives.
//!
//! Bounds: at most [`MAX_DATAGRAMS`] datagrams in reassembly at once and [`MAX_PARTS`]
//! fragments each; a datagram's payload ends at 65535 bytes; a datagram not complete within
//! [`TIMEOUT_US`] of capture time is dropped. A dropped datagram whose first fragment shows a DNS
//! port is reported to the caller ([`Dropped`]); other dropped datagrams are not DNS as far as
//! anyone can tell.

use super::packet::{Fragment, IpPacket};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

pub const MAX_DATAGRAMS: usize = 1024;
pub const MAX_PARTS: usize = 64;
pub const TIMEOUT_US: i64 = 30_000_000;
const MAX_PAYLOAD: usize = 65_535;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    src: IpAddr,
    dst: IpAddr,
    proto: u8,
    id: u32,
}

struct Pending {
    first_ts: i64,
    first_offset: u64,
    parts: Vec<(usize, Vec<u8>)>,
    total: Option<usize>,
    dns_hint: bool,
}

/// A datagram given up on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// Offset of the first fragment's packet that arrived.
    pub first_offset: u64,
    /// The datagram's first fragment was seen and carries port 53.
    pub dns_hint: bool,
    pub reason: String,
}

/// What adding a fragment gave.
#[derive(Debug, PartialEq, Eq)]
pub enum Added {
    /// More fragments are needed.
    Incomplete,
    /// The datagram is whole: its payload, and the offset of its first-arrived fragment.
    Complete { payload: Vec<u8>, first_offset: u64 },
    /// The fragment does not fit (beyond 64 KiB, too many parts, conflicting ends); the
    /// datagram is dropped. `dns_hint`: its first fragment showed port 53.
    Invalid { reason: String, dns_hint: bool },
}

/// Reassembly state of one capture.
#[derive(Default)]
pub struct Defrag {
    map: HashMap<Key, Pending>,
    order: VecDeque<(i64, Key)>,
}

fn ports_53(proto: u8, first: &[u8]) -> bool {
    if !matches!(proto, 6 | 17) || first.len() < 4 {
        return false;
    }
    let sport = u16::from_be_bytes([first[0], first[1]]);
    let dport = u16::from_be_bytes([first[2], first[3]]);
    sport == 53 || dport == 53
}

impl Defrag {
    /// Datagrams in reassembly.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Adds one fragment; `dropped` receives datagrams given up on to make room or by age.
    pub fn add(&mut self, p: &IpPacket<'_>, frag: Fragment, ts: i64, offset: u64, dropped: &mut Vec<Dropped>) -> Added {
        self.expire(ts, dropped);
        let key = Key { src: p.src, dst: p.dst, proto: p.proto, id: frag.id };
        let start = usize::from(frag.offset);
        let end = start + p.payload.len();
        if end > MAX_PAYLOAD || (frag.more && !p.payload.len().is_multiple_of(8)) {
            let dns_hint = self.map.remove(&key).is_some_and(|d| d.dns_hint) || (start == 0 && ports_53(p.proto, p.payload));
            return Added::Invalid { reason: format!("IP fragment at bytes {start}..{end} does not fit a datagram"), dns_hint };
        }
        if !self.map.contains_key(&key) {
            while self.map.len() >= MAX_DATAGRAMS {
                let Some((_, old)) = self.order.pop_front() else {
                    break;
                };
                if let Some(d) = self.map.remove(&old) {
                    dropped.push(Dropped {
                        first_offset: d.first_offset,
                        dns_hint: d.dns_hint,
                        reason: format!("IP reassembly dropped: more than {MAX_DATAGRAMS} datagrams pending"),
                    });
                }
            }
            self.map.insert(key, Pending { first_ts: ts, first_offset: offset, parts: Vec::new(), total: None, dns_hint: false });
            self.order.push_back((ts, key));
        }
        let Some(d) = self.map.get_mut(&key) else {
            return Added::Incomplete;
        };
        if start == 0 && ports_53(p.proto, p.payload) {
            d.dns_hint = true;
        }
        if !frag.more {
            if d.total.is_some_and(|t| t != end) {
                let dns_hint = self.map.remove(&key).is_some_and(|d| d.dns_hint);
                return Added::Invalid { reason: "IP fragments disagree on the datagram's end".into(), dns_hint };
            }
            d.total = Some(end);
        }
        if d.parts.len() >= MAX_PARTS {
            let dns_hint = d.dns_hint;
            self.map.remove(&key);
            return Added::Invalid { reason: format!("more than {MAX_PARTS} IP fragments in one datagram"), dns_hint };
        }
        d.parts.push((start, p.payload.to_vec()));
        let Some(total) = d.total else {
            return Added::Incomplete;
        };
        d.parts.sort_by_key(|(s, _)| *s);
        let mut covered = 0usize;
        for (s, b) in &d.parts {
            if *s > covered {
                return Added::Incomplete;
            }
            covered = covered.max(s + b.len());
        }
        if covered < total {
            return Added::Incomplete;
        }
        let Some(d) = self.map.remove(&key) else {
            return Added::Incomplete;
        };
        let mut payload = vec![0u8; total];
        for (s, b) in &d.parts {
            let e = (s + b.len()).min(total);
            if *s < e {
                payload[*s..e].copy_from_slice(&b[..e - s]);
            }
        }
        Added::Complete { payload, first_offset: d.first_offset }
    }

    /// Drops datagrams older than the timeout at capture time `now`.
    pub fn expire(&mut self, now: i64, dropped: &mut Vec<Dropped>) {
        while let Some(&(t, key)) = self.order.front() {
            let live = self.map.get(&key).map(|d| d.first_ts);
            match live {
                Some(first) if first == t && now.saturating_sub(t) <= TIMEOUT_US => break,
                Some(first) if first == t => {
                    self.order.pop_front();
                    if let Some(d) = self.map.remove(&key) {
                        dropped.push(Dropped {
                            first_offset: d.first_offset,
                            dns_hint: d.dns_hint,
                            reason: "IP reassembly timed out: fragments missing".into(),
                        });
                    }
                }
                _ => {
                    // Completed or replaced: a stale entry of the order queue.
                    self.order.pop_front();
                }
            }
        }
    }

    /// Gives up on everything (end of capture).
    pub fn finish(&mut self, dropped: &mut Vec<Dropped>) {
        let mut all: Vec<Pending> = self.map.drain().map(|(_, d)| d).collect();
        all.sort_by_key(|d| d.first_offset);
        for d in all {
            dropped.push(Dropped {
                first_offset: d.first_offset,
                dns_hint: d.dns_hint,
                reason: "IP reassembly incomplete at the end of the capture".into(),
            });
        }
        self.order.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frag<'a>(payload: &'a [u8]) -> IpPacket<'a> {
        IpPacket { src: "192.0.2.1".parse().unwrap(), dst: "192.0.2.2".parse().unwrap(), proto: 17, payload, fragment: None }
    }

    #[test]
    fn reassembles_out_of_order_and_times_out() {
        let mut d = Defrag::default();
        let mut dropped = Vec::new();
        let data: Vec<u8> = (0..40u8).collect();
        let second = frag(&data[16..]);
        assert_eq!(d.add(&second, Fragment { id: 7, offset: 16, more: false }, 0, 100, &mut dropped), Added::Incomplete);
        let first = frag(&data[..16]);
        assert_eq!(
            d.add(&first, Fragment { id: 7, offset: 0, more: true }, 1, 200, &mut dropped),
            Added::Complete { payload: data.clone(), first_offset: 100 }
        );
        assert!(d.is_empty());
        // A lone first fragment to port 53 times out and is reported.
        let mut head = vec![0x13, 0x88, 0, 53];
        head.extend([0; 12]);
        let lone = frag(&head);
        assert_eq!(d.add(&lone, Fragment { id: 8, offset: 0, more: true }, 10, 300, &mut dropped), Added::Incomplete);
        d.expire(10 + TIMEOUT_US + 1, &mut dropped);
        assert_eq!(dropped.len(), 1);
        assert!(dropped[0].dns_hint);
        assert_eq!(dropped[0].first_offset, 300);
    }

    #[test]
    fn bounded() {
        let mut d = Defrag::default();
        let mut dropped = Vec::new();
        let b = [0u8; 8];
        for id in 0..(MAX_DATAGRAMS as u32 + 10) {
            d.add(&frag(&b), Fragment { id, offset: 0, more: true }, 0, id as u64, &mut dropped);
            assert!(d.len() <= MAX_DATAGRAMS);
        }
        assert_eq!(dropped.len(), 10);
        let far = frag(&b);
        assert!(matches!(d.add(&far, Fragment { id: 1, offset: 65_530, more: false }, 0, 0, &mut dropped), Added::Invalid { .. }));
    }
}
