//! BIND 9 (and Infoblox NIOS) messages about client queries.
//!
//! In: the message of a line (after [`super::prefix`]), starting with `client `. Out: a
//! [`LogEvent`], `Ok(None)` for other `client` messages (zone transfers started, notifies,
//! updates, RPZ rewrites...), or the reason the message does not read.
//!
//! Messages read (`client [@0x...] ADDR#PORT [(NAME)][:] [view VIEW:] ...`):
//! - `query: NAME CLASS TYPE FLAGS [(SERVER)]` (category `queries`): `query-log`, no rcode.
//!   FLAGS: `+`/`-` recursion desired, `T` TCP (else UDP), `E(n)` EDNS, `S`, `D`, `C`, `V`, `K`;
//! - `UDP: query: NAME CLASS TYPE response: RCODE FLAGS [RRs;...]` (the Infoblox/BIND response
//!   log): `response-log`, rcode, answers = RRs listed;
//! - `query failed (CAUSE) for NAME/CLASS/TYPE at FILE:LINE` (category `query-errors`):
//!   `query-error`; rcode SERVFAIL unless CAUSE is itself a response code (`REFUSED`), error
//!   = CAUSE (`timed out`, `SERVFAIL`, `failure`...);
//! - `query [(cache)] 'NAME/TYPE/CLASS' denied [(why)]` and `zone transfer 'NAME/AXFR/CLASS'
//!   denied` (category `security`): `query-denied`, rcode REFUSED, error `denied` and why.

use super::LogEvent;
use crate::dns::event::{DnsEvent, MessageType};
use crate::dns::names;
use std::net::IpAddr;

const RCODES: [&str; 11] =
    ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"];

fn is_class(s: &str) -> bool {
    matches!(s, "IN" | "CH" | "HS" | "ANY" | "NONE" | "CHAOS" | "HESIOD")
        || s.strip_prefix("CLASS").is_some_and(|n| n.parse::<u16>().is_ok())
}

fn class_name(s: &str) -> String {
    match s {
        "CHAOS" => "CH".into(),
        "HESIOD" => "HS".into(),
        s => names::normalize_qclass(s),
    }
}

/// `ADDR#PORT`, with an optional `%zone` and a trailing `:`.
fn addr_port(tok: &str) -> Result<(IpAddr, u16), String> {
    let t = tok.strip_suffix(':').unwrap_or(tok);
    let (a, p) = t.rsplit_once('#').ok_or_else(|| format!("client address: {t:?} is not ADDR#PORT"))?;
    let a = a.split('%').next().unwrap_or(a);
    let ip = a.parse::<IpAddr>().map_err(|_| format!("client address: {a:?} is not an IP address"))?;
    let port = p.parse::<u16>().map_err(|_| format!("client port: {p:?} is not a port"))?;
    Ok((ip, port))
}

/// `NAME/A/IN` (`tc` = type then class) or `NAME/IN/A`, split from the right.
fn name_type_class(s: &str, type_first: bool) -> Result<(String, String, String), String> {
    let mut it = s.rsplitn(3, '/');
    let (last, mid, name) = match (it.next(), it.next(), it.next()) {
        (Some(l), Some(m), Some(n)) => (l, m, n),
        _ => return Err(format!("query: {s:?} is not NAME/TYPE/CLASS")),
    };
    let (ty, class) = if type_first { (mid, last) } else { (last, mid) };
    if !is_class(class) {
        return Err(format!("query class: {class:?} is not a DNS class"));
    }
    Ok((names::normalize_qname(name), names::normalize_qtype(ty), class_name(class)))
}

/// Parses a `client ...` message.
pub fn parse(msg: &str) -> Result<Option<LogEvent>, String> {
    let Some(mut rest) = msg.strip_prefix("client ") else {
        return Ok(None);
    };
    rest = rest.trim_start();
    if rest.starts_with("@0x") {
        rest = rest.split_once(' ').map_or("", |(_, r)| r).trim_start();
    }
    let (tok, after) = rest.split_once(' ').unwrap_or((rest, ""));
    let (ip, port) = addr_port(tok)?;
    rest = after.trim_start();
    if rest.starts_with('(') {
        rest = rest.split_once(')').map_or("", |(_, r)| r);
        rest = rest.strip_prefix(':').unwrap_or(rest).trim_start();
    }
    if let Some(v) = rest.strip_prefix("view ") {
        rest = v.split_once(": ").map_or("", |(_, r)| r).trim_start();
    }
    let mut proto = None;
    for (prefix, p) in [("UDP: ", "udp"), ("TCP: ", "tcp")] {
        if let Some(r) = rest.strip_prefix(prefix) {
            proto = Some(p);
            rest = r.trim_start();
        }
    }
    let mut ev = DnsEvent::new(0, "bind", MessageType::QueryLog, 0);
    ev.client_addr = Some(ip);
    ev.client_port = Some(port);
    ev.proto = proto.map(str::to_string);
    if let Some(q) = rest.strip_prefix("query: ") {
        let (question, response) = match q.split_once(" response: ") {
            Some((a, b)) => (a, Some(b)),
            None => (q, None),
        };
        let toks: Vec<&str> = question.split_whitespace().collect();
        if toks.len() < 3 || !is_class(toks[1]) {
            return Err(format!("query: {question:?} is not NAME CLASS TYPE"));
        }
        ev.qname = Some(names::normalize_qname(toks[0]));
        ev.qclass = Some(class_name(toks[1]));
        ev.qtype = Some(names::normalize_qtype(toks[2]));
        ev.opcode = Some("QUERY".into());
        if let Some(r) = response {
            let mut rt = r.split_whitespace();
            let rcode = rt.next().ok_or("response: missing response code")?;
            ev.message_type = MessageType::ResponseLog;
            ev.rcode = Some(names::normalize_rcode(rcode));
            ev.response_ts = Some(0);
            ev.answers = Some(u16::try_from(r.matches(';').count()).unwrap_or(u16::MAX));
        } else {
            if let Some(flags) = toks.get(3).filter(|f| f.starts_with('+') || f.starts_with('-'))
                && ev.proto.is_none()
            {
                ev.proto = Some(if flags.contains('T') { "tcp" } else { "udp" }.into());
            }
            if let Some(server) = toks.iter().skip(3).find_map(|t| t.strip_prefix('(').and_then(|t| t.strip_suffix(')'))) {
                let server = server.split('%').next().unwrap_or(server);
                ev.server_addr = Some(server.parse().map_err(|_| format!("server address: {server:?} is not an IP address"))?);
            }
        }
        return Ok(Some(LogEvent { ev, before_us: 0 }));
    }
    if let Some(q) = rest.strip_prefix("query failed (") {
        let (cause, after) = q.split_once(')').ok_or("query failed: no closing parenthesis after the cause")?;
        let what = after.trim_start().strip_prefix("for ").ok_or("query failed: no 'for NAME/CLASS/TYPE'")?;
        let what = what.split(" at ").next().unwrap_or(what).trim();
        let (name, ty, class) = name_type_class(what, false)?;
        ev.message_type = MessageType::QueryError;
        ev.qname = Some(name);
        ev.qtype = Some(ty);
        ev.qclass = Some(class);
        ev.rcode = Some(if RCODES.contains(&cause) { cause.to_string() } else { "SERVFAIL".into() });
        ev.error = Some(cause.to_string());
        ev.response_ts = Some(0);
        return Ok(Some(LogEvent { ev, before_us: 0 }));
    }
    let denied =
        rest.strip_prefix("query (cache) ").or_else(|| rest.strip_prefix("query ")).or_else(|| rest.strip_prefix("zone transfer "));
    if let Some(d) = denied.filter(|d| d.starts_with('\'') && d.contains("' denied")) {
        let (quoted, after) = d[1..].split_once("' denied").ok_or("denied: no closing quote")?;
        let (name, ty, class) = name_type_class(quoted, true)?;
        ev.message_type = MessageType::QueryDenied;
        ev.qname = Some(name);
        ev.qtype = Some(ty);
        ev.qclass = Some(class);
        ev.rcode = Some("REFUSED".into());
        let why = after.trim();
        ev.error = Some(if why.is_empty() { "denied".into() } else { format!("denied {why}") });
        ev.response_ts = Some(0);
        return Ok(Some(LogEvent { ev, before_us: 0 }));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(msg: &str) -> DnsEvent {
        parse(msg).unwrap().unwrap().ev
    }

    #[test]
    fn query_log_lines() {
        let e = ev("client @0x7fe33dd52098 198.19.230.138#52391 (www.target.test): query: www.target.test IN A +E(0)K (198.19.230.138)");
        assert_eq!(e.message_type, MessageType::QueryLog);
        assert_eq!((e.client_addr.unwrap().to_string(), e.client_port), ("198.19.230.138".into(), Some(52391)));
        assert_eq!((e.qname.as_deref(), e.qtype.as_deref(), e.qclass.as_deref()), (Some("www.target.test"), Some("A"), Some("IN")));
        assert_eq!((e.proto.as_deref(), e.rcode.as_deref()), (Some("udp"), None));
        assert_eq!(e.server_addr.unwrap().to_string(), "198.19.230.138");
        let e = ev("client @0x7f 2001:db8:300:ff::10#52781 (x.test): view internal: query: X.test IN AAAA -E(0)TDCK (2001:db8:10:1::53)");
        assert_eq!((e.qname.as_deref(), e.proto.as_deref()), (Some("x.test"), Some("tcp")));
        let e = ev("client 10.4.71.204#40026 (version.bind): query: version.bind CH TXT +T (192.168.0.1)");
        assert_eq!(e.qclass.as_deref(), Some("CH"));
        let e = ev("client 1.2.3.4#5: query: old.example IN MX +");
        assert_eq!(e.server_addr, None);
    }

    #[test]
    fn response_error_and_denied_lines() {
        let e = ev(
            "client 192.168.0.1#57398 UDP: query: a1.foo.com IN A response: NOERROR +ED a1.foo.com 28800 IN A foo.com; a1.foo.com 28800 IN A 0.0.0.0;",
        );
        assert_eq!(
            (e.message_type, e.rcode.as_deref(), e.answers, e.proto.as_deref()),
            (MessageType::ResponseLog, Some("NOERROR"), Some(2), Some("udp"))
        );
        let e = ev("client 89.160.20.128#59605: view 12: UDP: query: settings-win.data.microsoft.com IN TXT response: NOERROR + x;");
        assert_eq!(e.qtype.as_deref(), Some("TXT"));
        let e = ev(
            "client @0x7fe33dd52098 198.19.230.138#35736 (www.target.test): query failed (timed out) for www.target.test/IN/A at query.c:7916",
        );
        assert_eq!(
            (e.message_type, e.rcode.as_deref(), e.error.as_deref()),
            (MessageType::QueryError, Some("SERVFAIL"), Some("timed out"))
        );
        let e = ev(
            "client @0x7f1dd4114af0 192.168.0.1#59735 (config.nos-avg.cz): query failed (REFUSED) for config.nos-avg.cz/IN/TXT at query.c:10288",
        );
        assert_eq!(e.rcode.as_deref(), Some("REFUSED"));
        let e = ev(
            "client @0x7f7c95c76968 192.0.2.3#60683 (example.com): query (cache) 'example.com/A/IN' denied (allow-query-cache did not match)",
        );
        assert_eq!(
            (e.message_type, e.qtype.as_deref(), e.error.as_deref()),
            (MessageType::QueryDenied, Some("A"), Some("denied (allow-query-cache did not match)"))
        );
        let e = ev("client 62.109.4.89#9334: view external: query (cache) './NS/IN' denied");
        assert_eq!(e.qname.as_deref(), Some("."));
        let e = ev("client 1.2.3.4#52115: zone transfer 'domain.com/AXFR/IN' denied");
        assert_eq!(e.qtype.as_deref(), Some("AXFR"));
    }

    #[test]
    fn other_client_messages_and_damage() {
        assert_eq!(parse("client @0x7f 192.168.0.1#50460 (test.com): rewriting query name 'test.com' to 'x', type A").unwrap(), None);
        assert_eq!(parse("zone local_7.com/IN: notify from 192.168.0.1#46982").unwrap(), None);
        assert!(parse("client 1.2.3.400#5: query: a IN A +").unwrap_err().starts_with("client address"));
        assert!(parse("client 1.2.3.4#x: query: a IN A +").unwrap_err().starts_with("client port"));
        assert!(parse("client 1.2.3.4#5: query: a").unwrap_err().starts_with("query"));
        assert!(parse("client 1.2.3.4#5: query failed (timed out) for a/XX/A at q.c:1").unwrap_err().starts_with("query class"));
    }
}
