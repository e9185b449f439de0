//! The front of a DNS server log line: syslog header, timestamps, program, category.
//!
//! In: one line. Out: [`Prefix`]: the line's time (UTC microseconds), the syslog host and
//! program, BIND's category and severity or unbound's tag, and the message after them.
//!
//! Shapes read, in any sensible combination:
//! - `<30>` syslog priority;
//! - RFC 5424 `1 2026-11-29T04:02:10.784Z host app procid msgid - message`;
//! - RFC 3164 `Mar  9 23:59:59 host [host2] named[17742]: message` (no year: see below);
//! - BIND's own times, `29-Nov-2026 04:08:54.828` (default `print-time`) and ISO 8601
//!   (`print-time iso8601` / `iso8601-utc`), also after a syslog header (Infoblox);
//! - unbound's `[1605264393] unbound[5542:0] reply: ...` and `log-time-ascii` times;
//! - BIND categories and severities (`queries: info:`, `query-errors: info:`, `security:`,
//!   `error:`...) and unbound tags (`reply:`, `query:`, `info:`).
//!
//! Times without a zone are taken as UTC (BIND and syslog write the server's local time; run
//! servers in UTC or use `print-time iso8601-utc`). A syslog RFC 3164 time has no year: the
//! line's time is then the BIND time that follows it if there is one, else the configured year
//! ([`super::ResolverLog::with_year`]); without either the line has no usable time.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const SEVERITIES: [&str; 7] = ["critical", "error", "warning", "notice", "info", "debug", "dynamic"];
/// BIND logging categories (and Infoblox's): never taken for a syslog program name.
const CATEGORIES: [&str; 34] = [
    "client",
    "cname",
    "config",
    "database",
    "default",
    "delegation-only",
    "dispatch",
    "dnssec",
    "dnstap",
    "edns-disabled",
    "general",
    "lame-servers",
    "network",
    "notify",
    "nsid",
    "queries",
    "query-errors",
    "rate-limit",
    "resolver",
    "rpz",
    "rpz-passthru",
    "security",
    "serve-stale",
    "spill",
    "sslkeylog",
    "trust-anchor-telemetry",
    "unmatched",
    "update",
    "update-security",
    "xfer-in",
    "xfer-out",
    "zoneload",
    "responses",
    "infoblox-responses",
];

/// The parts in front of a log message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prefix<'a> {
    /// The line's time, UTC microseconds.
    pub ts: Option<i64>,
    /// Why the line has no time although it has a timestamp.
    pub ts_problem: Option<String>,
    pub host: Option<&'a str>,
    /// Program name without its `[pid]` (`named`, `unbound`).
    pub program: Option<&'a str>,
    /// `word:` labels between the header and the message (category, severity, unbound tag).
    pub labels: Vec<&'a str>,
    /// Whether any part of a log header was found (priority, time, program or label).
    pub recognized: bool,
    /// Whether the time was unbound's `[epoch]`.
    pub epoch_brackets: bool,
    pub message: &'a str,
}

fn month(s: &str) -> Option<u32> {
    MONTHS.iter().position(|m| *m == s).map(|i| i as u32 + 1)
}

/// Splits off the first whitespace-separated token.
fn token(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start();
    if s.is_empty() {
        return None;
    }
    Some(match s.find([' ', '\t']) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    })
}

/// `HH:MM:SS` with an optional fraction, as microseconds of the day.
fn time_of_day(s: &str) -> Option<i64> {
    let (hms, frac) = s.split_once('.').unwrap_or((s, ""));
    let mut it = hms.split(':');
    let h: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next()?.parse().ok()?;
    let sec: i64 = it.next()?.parse().ok()?;
    if it.next().is_some() || h > 23 || m > 59 || sec > 60 || !frac.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 9 {
        return None;
    }
    let mut us = 0i64;
    for (i, b) in frac.bytes().take(6).enumerate() {
        us += i64::from(b - b'0') * 10i64.pow(5 - i as u32);
    }
    Some(((h * 60 + m) * 60 + sec) * 1_000_000 + us)
}

fn date_us(y: i32, mo: u32, d: u32) -> Option<i64> {
    let date = NaiveDate::from_ymd_opt(y, mo, d)?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros())
}

/// An ISO 8601 timestamp token (`2026-11-29T04:02:10.784Z`, with `+01:00`, `+0100` or no zone).
pub fn iso8601(tok: &str) -> Option<i64> {
    if tok.len() < 19 || tok.as_bytes().get(10) != Some(&b'T') || tok.as_bytes().get(4) != Some(&b'-') {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(tok) {
        return Some(t.timestamp_micros());
    }
    if let Ok(t) = DateTime::parse_from_str(tok, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(t.timestamp_micros());
    }
    NaiveDateTime::parse_from_str(tok, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|t| t.and_utc().timestamp_micros())
}

/// BIND's `29-Nov-2026` `04:08:54.828`.
fn bind_time(date: &str, time: &str) -> Option<i64> {
    let mut it = date.split('-');
    let d: u32 = it.next()?.parse().ok()?;
    let mo = month(it.next()?)?;
    let y: i32 = it.next()?.parse().ok()?;
    if it.next().is_some() {
        return None;
    }
    date_us(y, mo, d)?.checked_add(time_of_day(time)?)
}

/// A program token: `named[123]:`, `unbound[5542:0]:`, or (`plain` allowed) `named:`;
/// unbound's own log file writes `unbound[5542:0]` without the colon.
fn program(tok: &str, plain: bool) -> Option<&str> {
    let body = match tok.strip_suffix(':') {
        Some(b) => b,
        None if tok.ends_with(']') => tok,
        None => return None,
    };
    let name = match body.split_once('[') {
        Some((name, pid)) => {
            let pid = pid.strip_suffix(']')?;
            if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit() || b == b':') {
                return None;
            }
            name
        }
        None if plain && !CATEGORIES.contains(&body) && !SEVERITIES.contains(&body) => body,
        None => return None,
    };
    (!name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/'))).then_some(name)
}

/// A `word:` label (BIND category or severity, unbound tag).
fn label(tok: &str) -> Option<&str> {
    let w = tok.strip_suffix(':')?;
    (!w.is_empty() && w.len() <= 32 && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'))
        .then_some(w)
}

/// Splits a line into its prefix and message. `year` is used for syslog times without one.
pub fn split(line: &str, year: Option<i32>) -> Prefix<'_> {
    let mut p = Prefix { message: line.trim(), ..Default::default() };
    let mut rest = line.trim();
    // <PRI>
    if let Some(r) = rest.strip_prefix('<')
        && let Some((pri, after)) = r.split_once('>')
        && !pri.is_empty()
        && pri.len() <= 3
        && pri.bytes().all(|b| b.is_ascii_digit())
    {
        p.recognized = true;
        rest = after;
    }
    let mut syslog_header = false;
    // RFC 5424: version 1, ISO time, host, app, procid, msgid, structured data.
    if let Some(r) = rest.strip_prefix("1 ")
        && let Some((t, after)) = token(r)
        && let Some(ts) = iso8601(t)
    {
        p.ts = Some(ts);
        p.recognized = true;
        let mut r = after;
        let mut fields = Vec::new();
        for _ in 0..4 {
            if let Some((tok, a)) = token(r) {
                fields.push(tok);
                r = a;
            }
        }
        p.host = fields.first().copied().filter(|h| *h != "-");
        p.program = fields.get(1).copied().filter(|a| *a != "-");
        let r = r.trim_start();
        rest = if r.starts_with('[') { r.find("] ").map_or("", |i| &r[i + 2..]) } else { r.strip_prefix("- ").unwrap_or(r) };
        p.message = rest.trim();
    }
    if p.ts.is_none()
        && let Some((t, after)) = token(rest)
    {
        if let Some(e) = t
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .filter(|e| !e.is_empty() && e.len() <= 12 && e.bytes().all(|b| b.is_ascii_digit()))
        {
            // unbound's [epoch]
            p.ts = e.parse::<i64>().ok().map(|s| s * 1_000_000);
            p.epoch_brackets = true;
            p.recognized = true;
            rest = after;
        } else if let Some(ts) = iso8601(t) {
            p.ts = Some(ts);
            p.recognized = true;
            rest = after;
        } else if let Some((t2, after2)) = token(after) {
            if let Some(ts) = bind_time(t, t2) {
                p.ts = Some(ts);
                p.recognized = true;
                rest = after2;
            } else if let (Some(mo), Ok(d), Some((t3, after3))) = (month(t), t2.parse::<u32>(), token(after2))
                && let Some(tod) = time_of_day(t3)
            {
                p.recognized = true;
                syslog_header = true;
                rest = after3;
                match year.and_then(|y| date_us(y, mo, d)) {
                    Some(day) => p.ts = day.checked_add(tod),
                    None => {
                        p.ts_problem =
                            Some("ts: syslog timestamp without a year (give the year to the reader, or log with BIND's print-time)".into())
                    }
                }
            }
        }
    }
    // Host(s) and program: after a syslog time, `host [host2] prog[pid]:` or `prog:`; otherwise
    // only the unambiguous `prog[pid]:` form, possibly after one host.
    if p.program.is_none() {
        let mut r = rest;
        let mut hosts = Vec::new();
        for _ in 0..3 {
            let Some((tok, after)) = token(r) else { break };
            if let Some(name) = program(tok, syslog_header) {
                p.program = Some(name);
                p.host = hosts.first().copied();
                p.recognized = true;
                rest = after;
                break;
            }
            if tok.ends_with(':') {
                break;
            }
            hosts.push(tok);
            r = after;
        }
    }
    // BIND's own time after a syslog header (Infoblox, `print-time yes` under syslog), and the
    // category, severity or tag labels, in either order.
    for _ in 0..5 {
        let Some((t, after)) = token(rest) else { break };
        if let Some(ts) = iso8601(t) {
            p.ts = Some(ts);
            p.ts_problem = None;
            rest = after;
            continue;
        }
        if let Some((t2, after2)) = token(after)
            && let Some(ts) = bind_time(t, t2)
        {
            p.ts = Some(ts);
            p.ts_problem = None;
            p.recognized = true;
            rest = after2;
            continue;
        }
        let Some(l) = label(t) else { break };
        p.labels.push(l);
        p.recognized = true;
        rest = after;
        // `debug 3:` severity
        if l == "debug"
            && let Some((lvl, a)) = token(rest)
            && lvl.trim_end_matches(':').bytes().all(|b| b.is_ascii_digit())
        {
            rest = a;
        }
    }
    p.message = rest.trim();
    p
}

/// Whether a label is a BIND severity.
pub fn is_severity(l: &str) -> bool {
    SEVERITIES.contains(&l)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_795_924_930_784_000; // 2026-11-29T04:02:10.784Z

    #[test]
    fn bind_iso_and_default_times() {
        let p = split("2026-11-29T04:02:10.784Z queries: info: client @0x7f 1.2.3.4#5 (a): query: a IN A +", None);
        assert_eq!(p.ts, Some(T0));
        assert_eq!(p.labels, vec!["queries", "info"]);
        assert!(p.message.starts_with("client @0x7f"));
        let p = split("29-Nov-2026 04:02:10.784 client 1.2.3.4#5: query: a IN A +", None);
        assert_eq!(p.ts, Some(T0));
        assert!(p.message.starts_with("client 1.2.3.4"));
    }

    #[test]
    fn syslog_headers_hosts_programs_and_inner_times() {
        let p = split("<30>Mar 11 23:51:31 infoblox.localdomain named[11042]: 07-Apr-2022 08:08:10.043 client x", None);
        assert_eq!((p.host, p.program), (Some("infoblox.localdomain"), Some("named")));
        assert_eq!(p.ts, Some(1_649_318_890_043_000));
        assert_eq!(p.ts_problem, None);
        assert_eq!(p.message, "client x");
        let p = split("<30>Apr 14 16:17:20 10.50.1.227 named[2588]: infoblox-responses: 14-Apr-2022 16:17:20.046 client q", None);
        assert_eq!((p.labels.clone(), p.ts, p.message), (vec!["infoblox-responses"], Some(1_649_953_040_046_000), "client q"));
        let p = split("<30>Oct 4 10:18:07 a1.foo.com 89.160.20.112 named[10750]: client y", None);
        assert_eq!((p.host, p.program, p.ts), (Some("a1.foo.com"), Some("named"), None));
        assert!(p.ts_problem.is_some());
        let p = split("Jul 24 14:16:55 raid5 named[3935]: client z", Some(2005));
        assert_eq!(p.ts, Some(1_122_214_615_000_000));
        let p = split("atom named[1806]: client w", None);
        assert_eq!((p.host, p.program, p.ts), (Some("atom"), Some("named"), None));
        let p = split("Oct 23 02:06:39 security: info: client v", Some(2020));
        assert_eq!((p.program, p.labels.clone()), (None, vec!["security", "info"]));
    }

    #[test]
    fn unbound_and_rfc5424() {
        let p = split("[1605264393] unbound[5542:0] reply: 127.0.0.1 a. A IN NOERROR 0.000000 0 59", None);
        assert_eq!((p.ts, p.program, p.epoch_brackets), (Some(1_605_264_393_000_000), Some("unbound"), true));
        assert_eq!(p.labels, vec!["reply"]);
        let p = split("<30>1 2026-11-29T04:02:10.784Z ns1 named 123 - - client u", None);
        assert_eq!((p.ts, p.host, p.program, p.message), (Some(T0), Some("ns1"), Some("named"), "client u"));
    }

    #[test]
    fn unknown_text_is_not_recognized() {
        let p = split("hello world", None);
        assert!(!p.recognized);
        assert_eq!(p.message, "hello world");
    }
}
