//! The warts trace object (type 6) as a [`Trace`].
//!
//! In: the body of a trace record and the file-wide address table. Out: the trace, plus the
//! problems that cost part of it (a hop without an address, a damaged attribute after the
//! hops) for a `partial:` reject. The layout follows scamper's `scamper_trace_warts.c`
//! (flags 1..32 of the trace, 1..20 of a hop; the PMTUD, last-ditch and doubletree attributes
//! after the hops are skipped, as sc_warts2json does not print them either).

use super::params::{AddrTable, Cur, DecodeError, GlobalAddrs, err, read_addr_static, read_params};
use crate::traceroute::{Hop, IcmpError, StopReason, Trace, af_of, ts_from_sec_usec};
use std::net::IpAddr;

/// scamper's trace types, by their JSON `method` name, and the protocol of their probes.
pub fn trace_method(ty: u8) -> (&'static str, Option<&'static str>) {
    match ty {
        1 => ("icmp-echo", Some("ICMP")),
        2 => ("udp", Some("UDP")),
        3 => ("tcp", Some("TCP")),
        4 => ("icmp-echo-paris", Some("ICMP")),
        5 => ("udp-paris", Some("UDP")),
        6 => ("tcp-ack", Some("TCP")),
        _ => ("unknown", None),
    }
}

/// One hop record as read.
struct RawHop {
    addr: Option<IpAddr>,
    name: Option<String>,
    probe_ttl: u8,
    reply_ttl: Option<u8>,
    rtt_us: Option<u32>,
    icmp: Option<(u8, u8)>,
    tx: Option<(u32, u32)>,
}

fn read_hop(cur: &mut Cur<'_>, table: &mut AddrTable, global: &GlobalAddrs, n: usize) -> Result<RawHop, DecodeError> {
    let mut h = RawHop { addr: None, name: None, probe_ttl: 0, reply_ttl: None, rtt_us: None, icmp: None, tx: None };
    let what = format!("hop {n}");
    read_params(cur, &what, |id, c| {
        match id {
            1 => h.addr = Some(global.read(c, &format!("hop {n} address id"))?.ip(&what)?),
            2 => h.probe_ttl = c.u8(&format!("hop {n} probe_ttl"))?,
            3 => h.reply_ttl = Some(c.u8(&format!("hop {n} reply_ttl"))?),
            4 | 5 | 11 | 14 | 15 | 16 => {
                c.u8(&format!("hop {n} flag {id}"))?;
            }
            6 => h.rtt_us = Some(c.u32(&format!("hop {n} rtt"))?),
            7 => {
                let t = c.u8(&format!("hop {n} icmp_type"))?;
                let code = c.u8(&format!("hop {n} icmp_code"))?;
                h.icmp = Some((t, code));
            }
            8 | 9 | 10 | 12 | 13 => {
                c.u16(&format!("hop {n} flag {id}"))?;
            }
            17 => {
                let len = c.u16(&format!("hop {n} icmp extensions"))? as usize;
                c.bytes(len, &format!("hop {n} icmp extensions"))?;
            }
            18 => h.addr = Some(table.read(c, &format!("hop {n} address"))?.ip(&what)?),
            19 => h.tx = Some(c.timeval(&format!("hop {n} tx"))?),
            20 => h.name = Some(c.string(&format!("hop {n} name"))?),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(h)
}

/// Decodes a trace record body. Errors are for the record as a whole; problems that lost
/// only part of it are pushed to `problems`.
pub fn decode_trace(body: &[u8], global: &GlobalAddrs, offset: u64, problems: &mut Vec<String>) -> Result<Trace, DecodeError> {
    let mut cur = Cur::new(body);
    let mut table = AddrTable::default();
    let mut src: Option<IpAddr> = None;
    let mut dst: Option<IpAddr> = None;
    let mut start = (0u32, 0u32);
    let mut stop_code: Option<u8> = None;
    let mut ty = 0u8;
    let mut hop_count = 0u16;
    read_params(&mut cur, "trace", |id, c| {
        match id {
            1 | 2 | 28 | 32 => {
                c.u32(&format!("trace flag {id}"))?;
            }
            3 => src = Some(global.read(c, "trace src address id")?.ip("trace src")?),
            4 => dst = Some(global.read(c, "trace dst address id")?.ip("trace dst")?),
            5 => start = c.timeval("trace start")?,
            6 => stop_code = Some(c.u8("trace stop_reason")?),
            11 => ty = c.u8("trace type")?,
            7 | 8 | 9 | 10 | 15 | 16 | 17 | 18 | 20 | 21 | 22 | 24 | 25 | 31 => {
                c.u8(&format!("trace flag {id}"))?;
            }
            12 | 13 | 14 | 23 | 29 => {
                c.u16(&format!("trace flag {id}"))?;
            }
            19 => hop_count = c.u16("trace hop_count")?,
            26 => src = Some(table.read(c, "trace src address")?.ip("trace src")?),
            27 => dst = Some(table.read(c, "trace dst address")?.ip("trace dst")?),
            30 => {
                read_addr_static(c, "trace rtr address")?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    let Some(dst) = dst else {
        return err("trace: dst address missing");
    };
    let count = cur.u16("trace hop record count")?;
    let ts = ts_from_sec_usec(start.0.into(), start.1.into());
    let mut hops = Vec::with_capacity(usize::from(count).min(cur.remaining() / 2));
    let mut max_ttl = 0u8;
    for n in 0..count {
        // A hop that cannot be framed leaves no way to find the next one: the record fails.
        let h = read_hop(&mut cur, &mut table, global, usize::from(n))?;
        let Some(addr) = h.addr else {
            problems.push(format!("hop {n}: no address (dropped)"));
            continue;
        };
        if h.probe_ttl == 0 {
            problems.push(format!("hop {n}: probe_ttl 0 (dropped)"));
            continue;
        }
        max_ttl = max_ttl.max(h.probe_ttl);
        let (icmp_type, icmp_code) = match h.icmp {
            Some((t, c)) => (Some(t), Some(c)),
            None => (None, None),
        };
        hops.push(Hop {
            ts_us: match h.tx {
                Some((s, us)) if s != 0 => ts_from_sec_usec(s.into(), us.into()),
                _ => ts,
            },
            ttl: h.probe_ttl,
            addr: Some(addr),
            name: h.name,
            rtt_ms: h.rtt_us.map(|us| f64::from(us) / 1000.0),
            reply_ttl: h.reply_ttl,
            icmp_type,
            icmp_code,
            icmp_error: h.icmp.and_then(|(t, c)| IcmpError::from_icmp(addr.is_ipv6(), t, c)),
            ..Default::default()
        });
    }
    // Attributes (PMTUD, last-ditch, doubletree) until an end marker; older files end here.
    while cur.remaining() > 0 {
        let hdr = match cur.u16("trace attribute header") {
            Ok(h) => h,
            Err(e) => {
                problems.push(e.0);
                break;
            }
        };
        if hdr == 0 {
            break;
        }
        let len = usize::from(hdr & 0x0fff);
        if let Err(e) = cur.bytes(len, &format!("trace attribute type {}", hdr >> 12)) {
            problems.push(e.0);
            break;
        }
    }
    let (_, proto) = trace_method(ty);
    Ok(Trace {
        ts_us: ts,
        src_addr: src,
        dst_addr: Some(dst),
        af: Some(af_of(dst)),
        proto,
        stop_reason: Some(stop_code.map_or(StopReason::None, StopReason::from_scamper_code)),
        hop_count: if hop_count == 0 { u16::from(max_ttl) } else { hop_count.max(u16::from(max_ttl)) },
        record_offset: offset,
        hops,
        ..Default::default()
    })
}
