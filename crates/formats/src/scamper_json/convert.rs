//! One scamper JSON object (as `sc_warts2json` writes it) as a [`Trace`] or [`Ping`].
//!
//! In: a parsed JSON object of type `trace` or `ping`. Out: the same structs the warts reader
//! fills from the binary objects, so that a warts file and its `sc_warts2json` output give the
//! same rows; problems that cost part of a trace (a hop without a usable address or TTL) are
//! listed for a `partial:` reject.

use crate::traceroute::json::{Obj, addr_field, array_field, f64_field, narrow, sec_usec_field, str_field, u64_field};
use crate::traceroute::{Hop, IcmpError, Ping, StopReason, Trace, af_of};
use crate::warts::ping::{ReplyKind, tally};

/// The probe protocol of a scamper method name.
pub fn method_proto(method: &str) -> Option<&'static str> {
    if method.starts_with("icmp") {
        Some("ICMP")
    } else if method.starts_with("udp") {
        Some("UDP")
    } else if method.starts_with("tcp") {
        Some("TCP")
    } else {
        None
    }
}

fn hop(o: &Obj, trace_ts: i64) -> Result<Hop, String> {
    let addr = addr_field(o, "addr")?.ok_or("addr missing")?;
    let ttl: u8 = narrow(u64_field(o, "probe_ttl")?, "probe_ttl")?.ok_or("probe_ttl missing")?;
    if ttl == 0 {
        return Err("probe_ttl 0".into());
    }
    let icmp_type: Option<u8> = narrow(u64_field(o, "icmp_type")?, "icmp_type")?;
    let icmp_code: Option<u8> = narrow(u64_field(o, "icmp_code")?, "icmp_code")?;
    Ok(Hop {
        ts_us: sec_usec_field(o, "tx")?.filter(|&t| t >= 1_000_000).unwrap_or(trace_ts),
        ttl,
        addr: Some(addr),
        name: str_field(o, "name")?.map(str::to_string),
        rtt_ms: f64_field(o, "rtt")?,
        reply_ttl: narrow(u64_field(o, "reply_ttl")?, "reply_ttl")?,
        icmp_type,
        icmp_code,
        icmp_error: match (icmp_type, icmp_code) {
            (Some(t), Some(c)) => IcmpError::from_icmp(addr.is_ipv6(), t, c),
            _ => None,
        },
        ..Default::default()
    })
}

/// A `trace` object.
pub fn trace(o: &Obj, offset: u64, problems: &mut Vec<String>) -> Result<Trace, String> {
    let dst = addr_field(o, "dst")?.ok_or("dst missing")?;
    let ts = sec_usec_field(o, "start")?.ok_or("start missing")?;
    let stop = str_field(o, "stop_reason")?.map(|s| StopReason::from_scamper_name(s).unwrap_or(StopReason::Unknown));
    let mut hops = Vec::new();
    let mut max_ttl = 0u8;
    for (i, h) in array_field(o, "hops")?.map(Vec::as_slice).unwrap_or_default().iter().enumerate() {
        let parsed = h.as_object().ok_or_else(|| "not an object".to_string()).and_then(|h| hop(h, ts));
        match parsed {
            Ok(h) => {
                max_ttl = max_ttl.max(h.ttl);
                hops.push(h);
            }
            Err(e) => problems.push(format!("hops[{i}]: {e} (dropped)")),
        }
    }
    let hop_count: Option<u16> = narrow(u64_field(o, "hop_count")?, "hop_count")?;
    Ok(Trace {
        ts_us: ts,
        src_addr: addr_field(o, "src")?,
        dst_addr: Some(dst),
        af: Some(af_of(dst)),
        proto: str_field(o, "method")?.and_then(method_proto),
        stop_reason: stop,
        hop_count: hop_count.unwrap_or(0).max(u16::from(max_ttl)),
        record_offset: offset,
        hops,
        ..Default::default()
    })
}

/// A `ping` object.
pub fn ping(o: &Obj, offset: u64) -> Result<Ping, String> {
    let dst = addr_field(o, "dst")?.ok_or("dst missing")?;
    let ts = sec_usec_field(o, "start")?.ok_or("start missing")?;
    let method = str_field(o, "method")?.unwrap_or("icmp-echo");
    let mut replies = Vec::new();
    for (i, r) in array_field(o, "responses")?.map(Vec::as_slice).unwrap_or_default().iter().enumerate() {
        let r = r.as_object().ok_or_else(|| format!("responses[{i}]: not an object"))?;
        let at = |e: String| format!("responses[{i}].{e}");
        let from = addr_field(r, "from").map_err(at)?.ok_or_else(|| format!("responses[{i}].from missing"))?;
        let proto = match str_field(r, "reply_proto").map_err(at)? {
            Some("tcp") => 6,
            Some("udp") => 17,
            _ if dst.is_ipv6() => 58,
            _ => 1,
        };
        let icmp_type: Option<u8> = narrow(u64_field(r, "icmp_type").map_err(at)?, "icmp_type").map_err(at)?;
        let icmp_code: Option<u8> = narrow(u64_field(r, "icmp_code").map_err(at)?, "icmp_code").map_err(at)?;
        let icmp = icmp_type.map(|t| (t, icmp_code.unwrap_or(0)));
        let seq: u16 = narrow(u64_field(r, "seq").map_err(at)?, "seq").map_err(at)?.unwrap_or(0);
        replies.push((from, ReplyKind { proto, icmp }, seq, f64_field(r, "rtt").map_err(at)?));
    }
    let (n, dst_replies, errors, rtts_ms) = tally(method, dst, &replies);
    Ok(Ping {
        ts_us: ts,
        src_addr: addr_field(o, "src")?,
        dst_addr: Some(dst),
        af: Some(af_of(dst)),
        proto: method_proto(method),
        sent: narrow(u64_field(o, "ping_sent")?, "ping_sent")?.unwrap_or(0),
        replies: n,
        dst_replies,
        errors,
        rtts_ms,
        record_offset: offset,
        ..Default::default()
    })
}
