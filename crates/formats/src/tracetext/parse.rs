//! One line of traceroute or tracepath text: what kind of line it is and what it holds.
//!
//! In: a line (bytes, lossy UTF-8). Out: a [`LineKind`]: a `traceroute to ...` header, a hop
//! line (`traceroute`'s ` 7  name (addr)  1.2 ms !H ...` or `tracepath`'s ` 3:  addr  1.2ms`),
//! a continuation line (another address answering for the same TTL), a tracepath trailer
//! (`Resume:`, `Too many hops:`), a tool message (`traceroute: Warning: ...`), or something
//! else. Hop tokens are read left to right: `*` is a timeout, `NAME (ADDR)` or a bare address
//! starts a responder, `[AS123]` tags it, `1.234 ms` or `1.234ms` is one reply from it, and
//! `!H`-style annotations mark the reply before them.

use crate::traceroute::{IcmpError, parse_addr};
use std::net::IpAddr;

/// A parsed `traceroute to` / `traceroute6 to` header.
#[derive(Debug, Default, PartialEq)]
pub struct Header {
    pub v6_tool: bool,
    pub dst_name: Option<String>,
    pub dst_addr: Option<IpAddr>,
    pub src_addr: Option<IpAddr>,
    pub max_hops: Option<u16>,
}

/// One probe row read from a hop line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Probe {
    pub addr: Option<IpAddr>,
    pub name: Option<String>,
    pub asn: Option<u32>,
    pub rtt_ms: Option<f64>,
    pub timeout: bool,
    pub icmp_error: Option<IcmpError>,
    /// tracepath's `reached`.
    pub reached: bool,
}

/// What a line is.
#[derive(Debug, PartialEq)]
pub enum LineKind {
    Blank,
    Header(Header),
    /// `traceroute` hop: TTL, rows, problems with tokens that could not be read.
    Hop {
        ttl: u16,
        probes: Vec<Probe>,
        problems: Vec<String>,
    },
    /// A line without TTL continuing the previous `traceroute` hop.
    Continuation {
        probes: Vec<Probe>,
        problems: Vec<String>,
    },
    /// `tracepath` hop line; `local` for the `1?: [LOCALHOST] pmtu N` line.
    TracepathHop {
        ttl: u16,
        local: bool,
        probes: Vec<Probe>,
        problems: Vec<String>,
    },
    /// `tracepath` summary: `Resume: ...` (`done`) or `Too many hops: ...`.
    TracepathTrailer {
        too_many_hops: bool,
        done: bool,
    },
    /// `traceroute: Warning: ...` and other messages of the tool itself.
    ToolMessage,
    Other,
}

fn is_tool_name(s: &str) -> bool {
    matches!(s, "traceroute" | "traceroute6" | "tracepath" | "tracepath6")
}

/// Classifies one line.
pub fn classify(line: &str) -> LineKind {
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return LineKind::Blank;
    }
    let tokens: Vec<&str> = trimmed.split_whitespace().collect();
    let first = tokens[0];
    if is_tool_name(first) && tokens.get(1) == Some(&"to") {
        return LineKind::Header(header(first, &tokens));
    }
    if first.strip_suffix(':').is_some_and(is_tool_name) {
        return LineKind::ToolMessage;
    }
    if first == "Resume:" {
        return LineKind::TracepathTrailer { too_many_hops: false, done: true };
    }
    if first == "Too" && tokens.get(1) == Some(&"many") {
        return LineKind::TracepathTrailer { too_many_hops: true, done: false };
    }
    // tracepath: "1:", "1?:", "10:".
    if let Some(num) = first.strip_suffix(':') {
        let (num, guess) = match num.strip_suffix('?') {
            Some(n) => (n, true),
            None => (num, false),
        };
        if let Ok(ttl) = num.parse::<u16>()
            && (1..=255).contains(&ttl)
        {
            let rest = &tokens[1..];
            if rest.first() == Some(&"[LOCALHOST]") {
                return LineKind::TracepathHop { ttl, local: true, probes: Vec::new(), problems: Vec::new() };
            }
            let _ = guess;
            let (probes, problems) = tracepath_probes(rest);
            return LineKind::TracepathHop { ttl, local: false, probes, problems };
        }
    }
    if let Ok(ttl) = first.parse::<u16>() {
        if tokens.len() < 2 || !(1..=255).contains(&ttl) {
            return LineKind::Other;
        }
        let (probes, problems) = hop_probes(&tokens[1..]);
        if probes.is_empty() {
            return LineKind::Other;
        }
        return LineKind::Hop { ttl, probes, problems };
    }
    if line.starts_with([' ', '\t']) {
        let (probes, problems) = hop_probes(&tokens);
        if !probes.is_empty() {
            return LineKind::Continuation { probes, problems };
        }
    }
    LineKind::Other
}

fn header(tool: &str, tokens: &[&str]) -> Header {
    let mut h = Header { v6_tool: tool.ends_with('6'), ..Default::default() };
    if let Some(name) = tokens.get(2) {
        let name = name.trim_end_matches(',');
        if let Some(a) = parse_addr(name) {
            h.dst_addr = Some(a);
        }
        h.dst_name = Some(name.to_string());
    }
    for (i, t) in tokens.iter().enumerate().skip(3) {
        let t = t.trim_end_matches(',');
        if let Some(inner) = t.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
            if let Some(a) = parse_addr(inner) {
                h.dst_addr = Some(a);
            }
        } else if t == "from" {
            h.src_addr = tokens.get(i + 1).and_then(|s| parse_addr(s.trim_end_matches(',')));
        } else if t == "hops" && tokens.get(i + 1).is_some_and(|m| m.starts_with("max")) {
            h.max_hops = tokens.get(i - 1).and_then(|n| n.parse().ok());
        }
    }
    h
}

fn parse_rtt(tok: &str) -> Option<f64> {
    let v: f64 = tok.parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some(v)
}

fn parse_asn(tok: &str) -> Option<Option<u32>> {
    let inner = tok.strip_prefix('[')?.strip_suffix(']')?;
    if inner == "*" {
        return Some(None);
    }
    let first = inner.split(['/', ',']).next().unwrap_or(inner);
    let digits = first.strip_prefix("AS").unwrap_or(first);
    Some(digits.parse::<u32>().ok())
}

/// The responder that the next replies belong to.
#[derive(Default, Clone)]
struct Responder {
    addr: Option<IpAddr>,
    name: Option<String>,
    asn: Option<u32>,
    /// Whether replies were read since the responder was named (an `[AS]` after replies
    /// belongs to the next responder).
    answered: bool,
}

fn start_responder(tok: &str, pending_asn: &mut Option<Option<u32>>) -> Responder {
    let mut r = Responder::default();
    match parse_addr(tok) {
        Some(a) => r.addr = Some(a),
        None => r.name = Some(tok.to_string()),
    }
    if let Some(asn) = pending_asn.take() {
        r.asn = asn;
    }
    r
}

fn reply(r: &Responder, rtt: f64) -> Probe {
    Probe { addr: r.addr, name: r.name.clone(), asn: r.asn, rtt_ms: Some(rtt), ..Default::default() }
}

/// Reads the tokens of a `traceroute` hop line after its TTL.
fn hop_probes(tokens: &[&str]) -> (Vec<Probe>, Vec<String>) {
    let mut probes = Vec::new();
    let mut problems = Vec::new();
    let mut cur: Option<Responder> = None;
    let mut pending_asn: Option<Option<u32>> = None;
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i];
        if t == "*" {
            probes.push(Probe { timeout: true, ..Default::default() });
        } else if let Some(a) = t.strip_prefix('!').map(|_| t) {
            match probes.last_mut() {
                Some(p) if !p.timeout => {
                    if let Some(e) = IcmpError::from_annotation(a) {
                        p.icmp_error = Some(e);
                    }
                }
                _ => problems.push(format!("annotation {a} without a reply before it")),
            }
        } else if let Some(asn) = parse_asn(t) {
            match cur.as_mut() {
                Some(r) if !r.answered && r.asn.is_none() => r.asn = asn,
                _ => pending_asn = Some(asn),
            }
        } else if let Some(inner) = t.strip_prefix('(').and_then(|x| x.strip_suffix(')').or(Some(x))) {
            let inner = inner.trim_end_matches([')', ',']);
            match cur.as_mut() {
                Some(r) if !r.answered => {
                    let addr = parse_addr(inner);
                    if addr.is_none() && r.name.is_none() && r.addr.is_some() {
                        problems.push(format!("({inner}) is not an address"));
                    }
                    // "name (addr)": the name printed is the address itself with -n off and
                    // no reverse DNS; keep names that are real names only.
                    if let Some(name) = r.name.take() {
                        r.name = (parse_addr(&name).is_none()).then_some(name);
                    }
                    r.addr = addr;
                }
                _ => problems.push(format!("address ({inner}) without a name before it")),
            }
        } else if t.starts_with('<') {
            // Linux traceroute -e extensions such as <MPLS:L=24000,E=0,S=1,T=1>.
        } else if let Some(rtt) = parse_rtt(t).filter(|_| tokens.get(i + 1) == Some(&"ms")) {
            match cur.as_mut() {
                Some(r) => {
                    probes.push(reply(r, rtt));
                    r.answered = true;
                }
                None => problems.push(format!("time {t} ms without a responder")),
            }
            i += 1;
        } else if let Some(rtt) = t.strip_suffix("ms").and_then(parse_rtt) {
            match cur.as_mut() {
                Some(r) => {
                    probes.push(reply(r, rtt));
                    r.answered = true;
                }
                None => problems.push(format!("time {t} without a responder")),
            }
        } else if t == "ms" {
            problems.push("'ms' without a time".into());
        } else {
            if let Some(r) = &cur
                && !r.answered
            {
                problems
                    .push(format!("responder {} without replies", r.name.clone().or(r.addr.map(|a| a.to_string())).unwrap_or_default()));
            }
            cur = Some(start_responder(t, &mut pending_asn));
        }
        i += 1;
    }
    if let Some(r) = &cur
        && !r.answered
    {
        problems.push(format!("responder {} without replies", r.name.clone().or(r.addr.map(|a| a.to_string())).unwrap_or_default()));
    }
    (probes, problems)
}

/// Reads the tokens of a `tracepath` hop line after `N:`.
fn tracepath_probes(tokens: &[&str]) -> (Vec<Probe>, Vec<String>) {
    let mut problems = Vec::new();
    if tokens.first() == Some(&"no") && tokens.get(1) == Some(&"reply") {
        return (vec![Probe { timeout: true, ..Default::default() }], problems);
    }
    let Some(host) = tokens.first() else {
        return (Vec::new(), vec!["empty tracepath hop".into()]);
    };
    let mut probe = Probe::default();
    match parse_addr(host) {
        Some(a) => probe.addr = Some(a),
        None => probe.name = Some(host.to_string()),
    }
    let mut i = 1;
    while i < tokens.len() {
        let t = tokens[i];
        match t {
            "asymm" | "pmtu" => i += 1,
            "reached" => probe.reached = true,
            _ => {
                if let Some(inner) = t.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
                    if let Some(a) = parse_addr(inner) {
                        probe.addr = Some(a);
                        if probe.name.as_deref().and_then(parse_addr).is_some() {
                            probe.name = None;
                        }
                    }
                } else if let Some(rtt) = t.strip_suffix("ms").and_then(parse_rtt) {
                    probe.rtt_ms = Some(rtt);
                } else {
                    problems.push(format!("unexpected token {t:?}"));
                }
            }
        }
        i += 1;
    }
    if probe.rtt_ms.is_none() {
        problems.push(format!("no time for {host}"));
    }
    (vec![probe], problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hop(line: &str) -> (u16, Vec<Probe>, Vec<String>) {
        match classify(line) {
            LineKind::Hop { ttl, probes, problems } => (ttl, probes, problems),
            other => panic!("{line:?} gave {other:?}"),
        }
    }

    fn addrs(p: &[Probe]) -> Vec<String> {
        p.iter().map(|p| p.addr.map(|a| a.to_string()).unwrap_or("*".into())).collect()
    }

    #[test]
    fn headers_of_every_flavour() {
        let LineKind::Header(h) = classify("traceroute to www.cnn.com (151.101.197.67), 30 hops max, 60 byte packets") else { panic!() };
        assert_eq!(h.dst_addr.unwrap().to_string(), "151.101.197.67");
        assert_eq!(h.dst_name.as_deref(), Some("www.cnn.com"));
        assert_eq!(h.max_hops, Some(30));
        let LineKind::Header(h) = classify(
            "traceroute6 to turner-tls.map.fastly.net (2a04:4e42::323) from 2600:1700:bab0:d40:250:56ff:fe26:c5b4, 64 hops max, 20 byte packets",
        ) else {
            panic!()
        };
        assert!(h.v6_tool);
        assert_eq!(h.src_addr.unwrap().to_string(), "2600:1700:bab0:d40:250:56ff:fe26:c5b4");
        assert_eq!(h.max_hops, Some(64));
        let LineKind::Header(h) = classify("traceroute to http://google.es  (173.207.22.152), 30 hops max, 60 byte packets") else {
            panic!()
        };
        assert_eq!(h.dst_addr.unwrap().to_string(), "173.207.22.152");
        assert_eq!(classify("traceroute: Warning: cnn.com has multiple addresses; using 151.101.129.67"), LineKind::ToolMessage);
    }

    #[test]
    fn hop_lines_with_names_numbers_asns_and_annotations() {
        let (ttl, p, problems) = hop(" 1  131.240.100.12 (131.240.100.12) [AS1739]  0.676 ms !P 0.763 ms ! 0.910 ms !<500>");
        assert_eq!(ttl, 1);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].asn, Some(1739));
        assert_eq!(p[0].icmp_error, Some(IcmpError::ProtoUnreach));
        assert_eq!(p[1].icmp_error, None);
        assert_eq!(p[2].icmp_error, Some(IcmpError::Code(500)));
        assert_eq!(p[0].name, None);

        let (_, p, problems) = hop(" 4  192.171.61.61  23.072 ms 206.248.155.109  17.073 ms 192.171.63.17  23.308 ms");
        assert!(problems.is_empty());
        assert_eq!(addrs(&p), vec!["192.171.61.61", "206.248.155.109", "192.171.63.17"]);

        let (_, p, _) = hop(" 8  * 108.170.243.1 (108.170.243.1)  29.376 ms *");
        assert_eq!(addrs(&p), vec!["*", "108.170.243.1", "*"]);

        let (_, p, problems) = hop(" 6  [AS0] 94.142.122.45 (94.142.122.45)  42.790 ms  46.352 ms");
        assert!(problems.is_empty());
        assert_eq!(p[1].asn, Some(0));

        let (_, p, _) = hop(
            "12  http://as15169-10g-sk1.sthix.net  (192.121.80.47) [*]  10.010 ms 72.14.196.42 (72.14.196.42) [AS15169]  9.182 ms  44.983 ms",
        );
        assert_eq!(addrs(&p), vec!["192.121.80.47", "72.14.196.42", "72.14.196.42"]);
        assert_eq!(p[0].name.as_deref(), Some("http://as15169-10g-sk1.sthix.net"));
        assert_eq!(p[0].asn, None);
        assert_eq!(p[2].asn, Some(15169));

        let (_, p, problems) = hop(" 2  Internal (Internal)  0.894 ms  0.890 ms  0.876 ms");
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].addr, None);
        assert_eq!(p[0].name.as_deref(), Some("Internal"));
        assert!(problems.is_empty(), "{problems:?}");

        let (_, p, _) = hop(" 3  * *");
        assert_eq!(p.len(), 2);
        let (_, p, _) = hop(" 5  10.0.0.1  2.345 ms !H");
        assert_eq!(p[0].icmp_error, Some(IcmpError::HostUnreach));
    }

    #[test]
    fn continuation_and_tracepath_lines() {
        let LineKind::Continuation { probes, .. } = classify("    12.255.10.224 (12.255.10.224)  24.011 ms  25.322 ms") else { panic!() };
        assert_eq!(probes.len(), 2);
        let LineKind::TracepathHop { ttl, local, .. } = classify(" 1?: [LOCALHOST]                      pmtu 1500") else { panic!() };
        assert!(local && ttl == 1);
        let LineKind::TracepathHop { probes, problems, .. } = classify(" 2:  dust.inr.ac.ru        asymm  1   0.390ms pmtu 1480") else {
            panic!()
        };
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(probes[0].name.as_deref(), Some("dust.inr.ac.ru"));
        assert_eq!(probes[0].rtt_ms, Some(0.390));
        let LineKind::TracepathHop { probes, .. } = classify(" 2:  3ffe:2400:0:109::2               463.514ms reached") else { panic!() };
        assert!(probes[0].reached);
        let LineKind::TracepathHop { probes, .. } = classify("10:  no reply") else { panic!() };
        assert!(probes[0].timeout);
        assert_eq!(classify("     Resume: pmtu 1480 hops 2 back 2"), LineKind::TracepathTrailer { too_many_hops: false, done: true });
        assert_eq!(classify("     Too many hops: pmtu 1500"), LineKind::TracepathTrailer { too_many_hops: true, done: false });
        assert_eq!(classify("$ traceroute 8.8.8.8"), LineKind::Other);
        assert_eq!(classify("   "), LineKind::Blank);
        assert_eq!(classify("12345 foo"), LineKind::Other);
    }
}
