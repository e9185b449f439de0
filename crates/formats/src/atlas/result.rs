//! One RIPE Atlas result (a JSON object) as a [`Trace`] or a [`Ping`].
//!
//! In: a parsed result object. Out: what kind of result it is ([`Kind`]) and, for traceroute
//! and ping results, the struct plus the problems that cost part of it. Every firmware
//! variant is read: the field names of firmware 4400 and older (`addr`, `srcaddr`, `name`,
//! `mode`, `pf`), firmware 1's traceroute kept as the tool's text output, `{"x": "*"}`
//! timeouts, `err` codes (letters or numbers), `late` replies (no RTT), per-hop `error`s, the
//! result-level `error` that Atlas writes as a hop without a number (failed name resolution),
//! hop 255 (Atlas's last try towards the destination after a run of silent hops), IPv4 and
//! IPv6, ICMP/UDP/TCP. Unknown fields are ignored, so newer firmware is read as well.

use crate::traceroute::json::{Obj, addr_field, array_field, f64_field, field, first_key, narrow, str_field, u64_field};
use crate::traceroute::{Hop, IcmpError, Ping, Trace, af_of, infer_stop_reason, rows::reached, ts_from_secs_f64};
use serde_json::Value;
use std::net::IpAddr;

/// What kind of object a result is.
pub enum Kind {
    Traceroute,
    Ping,
    /// A result of another measurement type (dns, http, ...): no rows in our tables.
    Other(String),
}

/// Measurement types Atlas has that are not traceroute or ping.
const OTHER_TYPES: &[&str] = &["dns", "sslcert", "http", "ntp", "wifi", "tls"];

/// Tells what a result is, or why the object is not an Atlas result.
pub fn kind(o: &Obj) -> Result<Kind, String> {
    match str_field(o, "type")? {
        Some("traceroute") => return Ok(Kind::Traceroute),
        Some("ping") => return Ok(Kind::Ping),
        Some(t) if OTHER_TYPES.contains(&t) => return Ok(Kind::Other(t.to_string())),
        Some(t) => return Err(format!("type: unknown result type {t:?}")),
        None => {}
    }
    if !["prb_id", "msm_id", "fw"].iter().any(|k| field(o, k).is_some()) {
        return Err("not a RIPE Atlas result: no type, prb_id, msm_id or fw".into());
    }
    // Results written before "type" existed (firmware 4400 and older).
    if field(o, "result").is_some_and(Value::is_string) {
        return Ok(Kind::Traceroute);
    }
    let hops = array_field(o, "result")?.is_some_and(|r| r.iter().any(|h| h.get("hop").is_some()));
    if hops || str_field(o, "msm_name")? == Some("Traceroute") {
        return Ok(Kind::Traceroute);
    }
    if ["sent", "rcvd", "avg"].iter().any(|k| field(o, k).is_some()) || str_field(o, "msm_name")? == Some("Ping") {
        return Ok(Kind::Ping);
    }
    Err("cannot tell the result type: no type, no hops, no ping counters".into())
}

/// The fields every result shares.
struct Common {
    ts: i64,
    msm_id: Option<u64>,
    probe_id: Option<u64>,
    src: Option<IpAddr>,
    dst: Option<IpAddr>,
    dst_name: Option<String>,
    af: Option<u8>,
    proto: Option<&'static str>,
}

fn proto_name(s: &str) -> Option<&'static str> {
    let s = s.to_ascii_uppercase();
    if s.starts_with("ICMP") {
        Some("ICMP")
    } else if s.starts_with("UDP") {
        Some("UDP")
    } else if s.starts_with("TCP") {
        Some("TCP")
    } else {
        None
    }
}

fn common(o: &Obj) -> Result<Common, String> {
    let ts = match field(o, "timestamp") {
        Some(_) => f64_field(o, "timestamp")?.and_then(ts_from_secs_f64).ok_or("timestamp: out of range")?,
        None => return Err("timestamp missing".into()),
    };
    let dst_key = first_key(o, &["dst_addr", "addr", "address"]).unwrap_or("dst_addr");
    let dst = addr_field(o, dst_key)?;
    let src = addr_field(o, first_key(o, &["src_addr", "srcaddr"]).unwrap_or("src_addr"))?;
    let dst_name = str_field(o, first_key(o, &["dst_name", "name"]).unwrap_or("dst_name"))?.map(str::to_string);
    let mode = str_field(o, "mode")?;
    let af = match first_key(o, &["af", "pf"]) {
        Some(k) => match narrow::<u8>(u64_field(o, k)?, k)? {
            Some(a @ (4 | 6)) => Some(a),
            Some(a) => return Err(format!("{k}: address family {a}")),
            None => None,
        },
        None => None,
    };
    let af = af.or(dst.map(af_of)).or(src.map(af_of)).or(mode.and_then(|m| {
        if m.ends_with('6') {
            Some(6)
        } else if m.ends_with('4') {
            Some(4)
        } else {
            None
        }
    }));
    let proto = match first_key(o, &["proto", "protocol"]) {
        Some(k) => str_field(o, k)?.and_then(proto_name),
        None => mode.and_then(proto_name),
    };
    Ok(Common { ts, msm_id: u64_field(o, "msm_id")?, probe_id: u64_field(o, "prb_id")?, src, dst, dst_name, af, proto })
}

fn reply(r: &Obj, ttl: u8, ts: i64, at: &str, problems: &mut Vec<String>) -> Option<Hop> {
    let mut h = Hop { ts_us: ts, ttl, ..Default::default() };
    if field(r, "x").is_some() {
        h.timeout = true;
        return Some(h);
    }
    if let Some(e) = field(r, "error") {
        h.error = Some(e.as_str().map_or_else(|| e.to_string(), str::to_string));
        return Some(h);
    }
    let mut fail = |e: String| problems.push(format!("{at}: {e} (dropped)"));
    let from = match addr_field(r, "from") {
        Ok(Some(a)) => a,
        Ok(None) => {
            fail("neither from, x nor error".into());
            return None;
        }
        Err(e) => {
            fail(e);
            return None;
        }
    };
    h.addr = Some(from);
    match f64_field(r, "rtt") {
        Ok(rtt) => h.rtt_ms = rtt,
        Err(e) => problems.push(format!("{at}: {e}")),
    }
    match u64_field(r, "ttl").and_then(|v| narrow::<u8>(v, "ttl")) {
        Ok(t) => h.reply_ttl = t,
        Err(e) => problems.push(format!("{at}: {e}")),
    }
    if field(r, "late").is_some() {
        h.late = true;
    }
    match field(r, "err") {
        None => {}
        Some(Value::String(s)) => match IcmpError::from_atlas_letter(s) {
            Some(e) => h.icmp_error = Some(e),
            None => match s.parse::<u16>() {
                Ok(code) => h.icmp_error = Some(IcmpError::Code(code)),
                Err(_) => problems.push(format!("{at}: err: unknown code {s:?}")),
            },
        },
        Some(v) => match v.as_u64().and_then(|n| u16::try_from(n).ok()) {
            Some(code) => h.icmp_error = Some(IcmpError::Code(code)),
            None => problems.push(format!("{at}: err: unknown code {v}")),
        },
    }
    Some(h)
}

/// A traceroute result; problems that cost part of it go to `problems`.
pub fn traceroute(o: &Obj, offset: u64, problems: &mut Vec<String>) -> Result<Trace, String> {
    let c = common(o)?;
    let mut t = Trace {
        ts_us: c.ts,
        end_ts_us: f64_field(o, "endtime")?.and_then(ts_from_secs_f64),
        msm_id: c.msm_id,
        probe_id: c.probe_id,
        src_addr: c.src,
        dst_addr: c.dst,
        dst_name: c.dst_name,
        af: c.af,
        proto: c.proto,
        error: str_field(o, "error").ok().flatten().map(str::to_string),
        record_offset: offset,
        ..Default::default()
    };
    match field(o, "result") {
        Some(Value::String(text)) => {
            // Firmware 1: the output of the traceroute tool.
            if let Some((parsed, mut p)) = crate::tracetext::trace_from_text(text, c.ts) {
                t.hops = parsed.hops;
                t.dst_addr = t.dst_addr.or(parsed.dst_addr);
                t.dst_name = t.dst_name.or(parsed.dst_name);
                t.af = t.af.or(parsed.af);
                problems.append(&mut p);
            } else if t.error.is_none() {
                t.error = Some(text.chars().take(200).collect());
            }
        }
        Some(Value::Array(hops)) => {
            for (i, entry) in hops.iter().enumerate() {
                let Some(e) = entry.as_object() else {
                    problems.push(format!("result[{i}]: not an object (dropped)"));
                    continue;
                };
                hop_entry(e, i, c.ts, &mut t, problems);
            }
        }
        Some(v) => {
            return Err(format!("result: expected the list of hops, got {}", v.to_string().chars().take(40).collect::<String>()));
        }
        None => {
            if t.error.is_none() {
                return Err("result missing".into());
            }
        }
    }
    let mut ttls: Vec<u8> = t.hops.iter().map(|h| h.ttl).collect();
    ttls.sort_unstable();
    ttls.dedup();
    t.hop_count = ttls.len() as u16;
    let reached = reached(&t);
    t.stop_reason = infer_stop_reason(&t, reached, Some(255), None, true);
    Ok(t)
}

fn hop_entry(e: &Obj, i: usize, ts: i64, t: &mut Trace, problems: &mut Vec<String>) {
    let hop = match u64_field(e, "hop") {
        Ok(h) => h,
        Err(err) => {
            problems.push(format!("result[{i}].{err} (dropped)"));
            return;
        }
    };
    let Some(hop) = hop else {
        // Atlas writes an error of the whole measurement as a hop without a number.
        match field(e, "error") {
            Some(err) => {
                let text = err.as_str().map_or_else(|| err.to_string(), str::to_string);
                t.error = Some(match t.error.take() {
                    Some(prev) => format!("{prev}; {text}"),
                    None => text,
                });
            }
            None => problems.push(format!("result[{i}]: neither hop nor error (dropped)")),
        }
        return;
    };
    let Some(ttl) = u8::try_from(hop).ok().filter(|&h| h >= 1) else {
        problems.push(format!("result[{i}].hop: {hop} out of range (dropped)"));
        return;
    };
    let mut any = false;
    if let Some(err) = field(e, "error") {
        let text = err.as_str().map_or_else(|| err.to_string(), str::to_string);
        t.hops.push(Hop { ts_us: ts, ttl, error: Some(text), ..Default::default() });
        any = true;
    }
    match field(e, "result") {
        Some(Value::Array(replies)) => {
            for (j, r) in replies.iter().enumerate() {
                let at = format!("hop {hop} reply {j}");
                match r.as_object() {
                    Some(r) => {
                        if let Some(h) = reply(r, ttl, ts, &at, problems) {
                            t.hops.push(h);
                        }
                    }
                    None => problems.push(format!("{at}: not an object (dropped)")),
                }
            }
        }
        Some(_) => problems.push(format!("hop {hop}: result is not a list (dropped)")),
        None if !any => problems.push(format!("hop {hop}: neither result nor error (dropped)")),
        None => {}
    }
}

/// A ping result.
pub fn ping(o: &Obj, offset: u64) -> Result<Ping, String> {
    let c = common(o)?;
    let mut p = Ping {
        ts_us: c.ts,
        msm_id: c.msm_id,
        probe_id: c.probe_id,
        src_addr: c.src,
        dst_addr: c.dst,
        dst_name: c.dst_name,
        af: c.af,
        proto: c.proto.or(Some("ICMP")),
        record_offset: offset,
        ..Default::default()
    };
    let sent: Option<u32> = narrow(u64_field(o, "sent")?, "sent")?;
    match array_field(o, "result")? {
        Some(results) => {
            for (i, r) in results.iter().enumerate() {
                let Some(r) = r.as_object() else {
                    return Err(format!("result[{i}]: not an object"));
                };
                if field(r, "error").is_some() {
                    p.errors += 1;
                } else if let Some(rtt) = f64_field(r, "rtt").map_err(|e| format!("result[{i}].{e}"))? {
                    p.replies += 1;
                    let dup = field(r, "dup").is_some_and(|d| d.as_bool().unwrap_or(true) && d.as_u64() != Some(0));
                    if !dup {
                        p.dst_replies += 1;
                        p.rtts_ms.push(rtt);
                    }
                }
            }
            p.sent = sent.unwrap_or(results.len() as u32);
        }
        None => {
            // Firmware 1: counters and a summary only.
            p.sent = sent.unwrap_or(0);
            let rcvd: u32 = narrow(u64_field(o, "rcvd")?, "rcvd")?.unwrap_or(0);
            let dup: u32 = narrow(u64_field(o, "dup")?, "dup")?.unwrap_or(0);
            p.dst_replies = rcvd;
            p.replies = rcvd.saturating_add(dup);
            let (min, avg, max) = (f64_field(o, "min")?, f64_field(o, "avg")?, f64_field(o, "max")?);
            if let (Some(min), Some(avg), Some(max)) = (min, avg, max)
                && min >= 0.0
            {
                p.rtt_summary = Some((min, avg, max));
            }
        }
    }
    Ok(p)
}
