//! The warts ping object (type 7) as a [`Ping`].
//!
//! In: the body of a ping record and the file-wide address table. Out: the ping. The layout
//! follows scamper's `scamper_ping_warts.c` (flags 1..31 of the ping, 1..17 of a reply).
//! A reply counts for `dst_replies` only when it is the answer the probe method expects and
//! comes from the destination address itself (an ICMP echo reply for `icmp-echo`, a TCP
//! segment for the TCP methods, ...): scamper's own `replies` statistic also counts the
//! destination-unreachable messages of routers.

use super::params::{AddrTable, Cur, DecodeError, GlobalAddrs, err, read_params};
use crate::traceroute::{Ping, af_of, ts_from_sec_usec};
use std::net::IpAddr;

/// scamper's ping methods: JSON name and probe protocol.
pub fn ping_method(m: u8) -> (&'static str, &'static str) {
    match m {
        0 => ("icmp-echo", "ICMP"),
        1 => ("tcp-ack", "TCP"),
        2 => ("tcp-ack-sport", "TCP"),
        3 => ("udp", "UDP"),
        4 => ("udp-dport", "UDP"),
        5 => ("icmp-time", "ICMP"),
        6 => ("tcp-syn", "TCP"),
        7 => ("tcp-synack", "TCP"),
        8 => ("tcp-rst", "TCP"),
        9 => ("tcp-syn-sport", "TCP"),
        10 => ("udp-sport", "UDP"),
        _ => ("unknown", "UNKNOWN"),
    }
}

/// What a reply was, reduced to what decides whether it is the destination's answer.
#[derive(Debug, Clone, Copy)]
pub struct ReplyKind {
    /// IP protocol of the reply: 1 ICMP, 58 ICMPv6, 6 TCP, 17 UDP.
    pub proto: u8,
    pub icmp: Option<(u8, u8)>,
}

/// Whether a reply of `kind` from `from` is the answer `method` expects from `dst`.
pub fn is_dst_reply(method: &str, dst: IpAddr, from: IpAddr, kind: ReplyKind) -> bool {
    if from != dst {
        return false;
    }
    let v6 = dst.is_ipv6();
    match method {
        "icmp-echo" => (!v6 && matches!(kind.icmp, Some((0, _)))) || (v6 && matches!(kind.icmp, Some((129, _)))),
        "icmp-time" => matches!(kind.icmp, Some((14, _))),
        m if m.starts_with("tcp") => kind.proto == 6,
        m if m.starts_with("udp") => {
            kind.proto == 17 || (!v6 && matches!(kind.icmp, Some((3, 3)))) || (v6 && matches!(kind.icmp, Some((1, 4))))
        }
        _ => false,
    }
}

/// Sums up a ping's replies: (replies, dst_replies, errors, rtts of the destination's
/// replies). `dst_replies` counts probes (by sequence number), not replies, so duplicates do
/// not inflate it.
pub fn tally(method: &str, dst: IpAddr, replies: &[(IpAddr, ReplyKind, u16, Option<f64>)]) -> (u32, u32, u32, Vec<f64>) {
    let mut answered: Vec<u16> = Vec::new();
    let mut errors = 0u32;
    let mut rtts = Vec::new();
    for &(from, kind, seq, rtt) in replies {
        if is_dst_reply(method, dst, from, kind) {
            if !answered.contains(&seq) {
                answered.push(seq);
                if let Some(r) = rtt {
                    rtts.push(r);
                }
            }
        } else {
            errors += 1;
        }
    }
    (replies.len() as u32, answered.len() as u32, errors, rtts)
}

/// Decodes a ping record body.
pub fn decode_ping(body: &[u8], global: &GlobalAddrs, offset: u64) -> Result<Ping, DecodeError> {
    let mut cur = Cur::new(body);
    let mut table = AddrTable::default();
    let mut src: Option<IpAddr> = None;
    let mut dst: Option<IpAddr> = None;
    let mut start = (0u32, 0u32);
    let mut datalen = 0u16;
    let mut sent = 0u16;
    let mut method = 0u8;
    read_params(&mut cur, "ping", |id, c| {
        match id {
            1 | 2 | 19 | 28 | 29 | 30 | 31 => {
                c.u32(&format!("ping flag {id}"))?;
            }
            3 => src = Some(global.read(c, "ping src address id")?.ip("ping src")?),
            4 => dst = Some(global.read(c, "ping dst address id")?.ip("ping dst")?),
            5 => start = c.timeval("ping start")?,
            6 | 7 | 12 | 13 | 22 | 23 | 27 => {
                c.u8(&format!("ping flag {id}"))?;
            }
            8 => datalen = c.u16("ping data length")?,
            9 => {
                c.bytes(usize::from(datalen), "ping data")?;
            }
            10 | 11 | 14 | 17 | 18 | 25 | 26 => {
                c.u16(&format!("ping flag {id}"))?;
            }
            15 => sent = c.u16("ping ping_sent")?,
            16 => method = c.u8("ping method")?,
            20 => src = Some(table.read(c, "ping src address")?.ip("ping src")?),
            21 => dst = Some(table.read(c, "ping dst address")?.ip("ping dst")?),
            24 => {
                let n = c.u8("ping tsps count")?;
                for i in 0..n {
                    table.read(c, &format!("ping tsps address {i}"))?;
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    let (Some(src), Some(dst)) = (src, dst) else {
        return err("ping: src or dst address missing");
    };
    let count = cur.u16("ping reply count")?;
    let (method_name, proto) = ping_method(method);
    let mut replies = Vec::with_capacity(usize::from(count).min(cur.remaining() / 2));
    for n in 0..count {
        let what = format!("reply {n}");
        let mut addr: Option<IpAddr> = None;
        let mut icmp: Option<(u8, u8)> = None;
        let mut rproto: Option<u8> = None;
        let mut rtt_us: Option<u32> = None;
        let mut seq = 0u16;
        read_params(&mut cur, &what, |id, c| {
            match id {
                1 => addr = Some(global.read(c, &format!("{what} address id"))?.ip(&what)?),
                2 | 3 | 11 => {
                    c.u8(&format!("{what} flag {id}"))?;
                }
                4 | 8 | 9 => {
                    c.u16(&format!("{what} flag {id}"))?;
                }
                5 => {
                    let t = c.u8(&format!("{what} icmp_type"))?;
                    let code = c.u8(&format!("{what} icmp_code"))?;
                    icmp = Some((t, code));
                }
                6 => rtt_us = Some(c.u32(&format!("{what} rtt"))?),
                7 => seq = c.u16(&format!("{what} probe_id"))?,
                10 => rproto = Some(c.u8(&format!("{what} reply_proto"))?),
                12 => addr = Some(table.read(c, &format!("{what} address"))?.ip(&what)?),
                13 => {
                    let n = c.u8(&format!("{what} record route count"))?;
                    for i in 0..n {
                        table.read(c, &format!("{what} record route {i}"))?;
                    }
                }
                14 => {
                    let tsc = c.u8(&format!("{what} timestamp count"))?;
                    let ipc = c.u8(&format!("{what} timestamp address count"))?;
                    c.bytes(usize::from(tsc) * 4, &format!("{what} timestamps"))?;
                    for i in 0..ipc {
                        table.read(c, &format!("{what} timestamp address {i}"))?;
                    }
                }
                15 => {
                    c.u32(&format!("{what} reply ipid32"))?;
                }
                16 => {
                    c.timeval(&format!("{what} tx"))?;
                }
                17 => {
                    c.bytes(12, &format!("{what} timestamp reply"))?;
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        let Some(from) = addr else {
            return err(format!("{what}: no address"));
        };
        let default_proto = if dst.is_ipv6() { 58 } else { 1 };
        let kind = ReplyKind { proto: rproto.unwrap_or(default_proto), icmp };
        replies.push((from, kind, seq, rtt_us.map(|us| f64::from(us) / 1000.0)));
    }
    let (n, dst_replies, errors, rtts_ms) = tally(method_name, dst, &replies);
    Ok(Ping {
        ts_us: ts_from_sec_usec(start.0.into(), start.1.into()),
        src_addr: Some(src),
        dst_addr: Some(dst),
        af: Some(af_of(dst)),
        proto: Some(proto),
        sent: u32::from(sent),
        replies: n,
        dst_replies,
        errors,
        rtts_ms,
        record_offset: offset,
        ..Default::default()
    })
}
