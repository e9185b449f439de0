//! unbound's query and reply log lines (`log-queries: yes`, `log-replies: yes`).
//!
//! In: the message after unbound's tag (`reply:`/`query:` with `log-tag-queryreply: yes`,
//! `info:` without). Out: a [`LogEvent`], `Ok(None)` for other `info:` messages, or the reason
//! a `reply:`/`query:` line does not read.
//!
//! - reply: `CLIENT QNAME TYPE CLASS RCODE SECONDS CACHED SIZE [DEST@PORT] [TRANSPORT]` (the
//!   last two in newer versions with `log-destaddr`): `response-log`; the line is written when
//!   the reply is sent, so `ts` is the line's time minus SECONDS and `response_ts` the line's
//!   time. FORMERR replies are `CLIENT - - - FORMERR - - -`.
//! - query: `CLIENT QNAME TYPE CLASS`: `query-log`.

use super::LogEvent;
use crate::dns::event::{DnsEvent, MessageType};
use crate::dns::names;
use std::net::IpAddr;

/// `ADDR` or `ADDR@PORT` (or `ADDR#PORT`).
fn addr(tok: &str, field: &str) -> Result<(IpAddr, Option<u16>), String> {
    let (a, p) = match tok.rsplit_once(['@', '#']) {
        Some((a, p)) => (a, Some(p.parse::<u16>().map_err(|_| format!("{field} port: {p:?} is not a port"))?)),
        None => (tok, None),
    };
    let ip = a.parse::<IpAddr>().map_err(|_| format!("{field}: {a:?} is not an IP address"))?;
    Ok((ip, p))
}

fn seconds_us(s: &str) -> Option<i64> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() || int.len() > 9 || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut us: i64 = int.parse::<i64>().ok()? * 1_000_000;
    for (i, b) in frac.bytes().take(6).enumerate() {
        us += i64::from(b - b'0') * 10i64.pow(5 - i as u32);
    }
    Some(us)
}

fn is_class(s: &str) -> bool {
    matches!(s, "IN" | "CH" | "HS" | "ANY" | "NONE") || s.strip_prefix("CLASS").is_some_and(|n| n.parse::<u16>().is_ok())
}

/// Parses the message of an unbound line tagged `tag`.
pub fn parse(tag: &str, msg: &str) -> Result<Option<LogEvent>, String> {
    let toks: Vec<&str> = msg.split_whitespace().collect();
    let strict = tag != "info";
    let mut ev = DnsEvent::new(0, "unbound", MessageType::QueryLog, 0);
    // reply
    let reply_shape = toks.len() >= 8 && (toks[4] == "FORMERR" || (is_class(toks[3]) && seconds_us(toks[5]).is_some()));
    if (tag == "reply" || (tag == "info" && reply_shape)) && toks.len() >= 8 {
        let (ip, port) = addr(toks[0], "client address")?;
        ev.client_addr = Some(ip);
        ev.client_port = port;
        ev.message_type = MessageType::ResponseLog;
        ev.rcode = Some(names::normalize_rcode(toks[4]));
        ev.response_ts = Some(0);
        let mut before_us = 0;
        if toks[1] != "-" {
            if !is_class(toks[3]) {
                return Err(format!("reply class: {:?} is not a DNS class", toks[3]));
            }
            ev.qname = Some(names::normalize_qname(toks[1]));
            ev.qtype = Some(names::normalize_qtype(toks[2]));
            ev.qclass = Some(names::normalize_qclass(toks[3]));
            before_us = seconds_us(toks[5]).ok_or_else(|| format!("reply duration: {:?} is not seconds", toks[5]))?;
            ev.latency_ms = Some(before_us as f64 / 1000.0);
        }
        for t in &toks[8..] {
            if t.contains('@') || t.contains('#') {
                let (ip, port) = addr(t, "destination address")?;
                ev.server_addr = Some(ip);
                ev.server_port = port;
            } else if matches!(*t, "udp" | "tcp" | "dot" | "doh" | "doq" | "tls" | "https" | "quic") {
                ev.proto = Some(match *t {
                    "tls" => "dot".to_string(),
                    "https" => "doh".to_string(),
                    "quic" => "doq".to_string(),
                    t => t.to_string(),
                });
            }
        }
        return Ok(Some(LogEvent { ev, before_us }));
    }
    // query
    let query_shape = toks.len() == 4 && is_class(toks[3]) && addr(toks[0], "client address").is_ok();
    if tag == "query" || query_shape {
        if toks.len() < 4 {
            return Err(format!("query: expected CLIENT NAME TYPE CLASS, got {} fields", toks.len()));
        }
        let (ip, port) = addr(toks[0], "client address")?;
        if !is_class(toks[3]) {
            return Err(format!("query class: {:?} is not a DNS class", toks[3]));
        }
        ev.client_addr = Some(ip);
        ev.client_port = port;
        ev.qname = Some(names::normalize_qname(toks[1]));
        ev.qtype = Some(names::normalize_qtype(toks[2]));
        ev.qclass = Some(names::normalize_qclass(toks[3]));
        return Ok(Some(LogEvent { ev, before_us: 0 }));
    }
    if strict {
        return Err(format!("{tag}: {} fields do not make a reply line", toks.len()));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_and_queries() {
        let l = parse("reply", "127.0.0.1 www.Example.com. A IN NOERROR 0.012500 0 59").unwrap().unwrap();
        assert_eq!(
            (l.ev.message_type, l.ev.rcode.as_deref(), l.ev.qname.as_deref(), l.before_us, l.ev.latency_ms),
            (MessageType::ResponseLog, Some("NOERROR"), Some("www.example.com"), 12_500, Some(12.5))
        );
        let l = parse("info", "192.0.2.7 x.test. AAAA IN SERVFAIL 5.000000 0 40 192.0.2.53@53 udp").unwrap().unwrap();
        assert_eq!((l.ev.server_port, l.ev.proto.as_deref(), l.ev.rcode.as_deref()), (Some(53), Some("udp"), Some("SERVFAIL")));
        let l = parse("reply", "192.0.2.7 - - - FORMERR - - -").unwrap().unwrap();
        assert_eq!((l.ev.rcode.as_deref(), l.ev.qname), (Some("FORMERR"), None));
        let l = parse("query", "127.0.0.1 www.example.com. A IN").unwrap().unwrap();
        assert_eq!(l.ev.message_type, MessageType::QueryLog);
        let l = parse("info", "127.0.0.1 www.example.com. A IN").unwrap().unwrap();
        assert_eq!(l.ev.message_type, MessageType::QueryLog);
        assert_eq!(parse("info", "start of service (unbound 1.17.1).").unwrap(), None);
        assert!(parse("reply", "127.0.0.1 a. A").is_err());
        assert!(parse("reply", "nope a. A IN NOERROR 0.1 0 1").unwrap_err().starts_with("client address"));
    }
}
