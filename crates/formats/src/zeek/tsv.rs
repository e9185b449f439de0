//! Zeek's tab-separated log format (the ASCII writer's default).
//!
//! In: lines of a `dns.log`. Out: header updates, or the fields of a data line as a
//! [`ZeekDns`]. A log starts with `#separator \x09`, then `#set_separator`, `#empty_field`,
//! `#unset_field`, `#path`, `#open`, `#fields` (the column names) and `#types`; it ends with
//! `#close`. Several logs can follow each other in one file (rotated logs concatenated, or
//! `zcat *.log.gz`): a new `#separator` starts a new header. Values equal to the unset marker
//! (`-`) are unset, the empty marker (`(empty)`) is an empty set; containers are split on the
//! set separator; `\xHH` escapes are kept for [`crate::dns::names::normalize_qname`].

use super::record::{Ts, ZeekDns, decimal_us};

/// The header of the log being read.
#[derive(Debug, Clone)]
pub struct Header {
    pub separator: String,
    pub set_separator: String,
    pub empty: String,
    pub unset: String,
    pub path: Option<String>,
    pub fields: Option<Vec<String>>,
}

impl Default for Header {
    fn default() -> Self {
        Header { separator: "\t".into(), set_separator: ",".into(), empty: "(empty)".into(), unset: "-".into(), path: None, fields: None }
    }
}

/// Turns `\xHH` escapes into characters (used for header values).
fn unescape_header(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && b[i + 1] == b'x' {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 2]), hex(b[i + 3])) {
                out.push((h * 16 + l) as u8);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What a `#` line was.
#[derive(Debug, PartialEq, Eq)]
pub enum HeaderLine {
    /// A header directive that was applied.
    Directive,
    /// A comment (a btest banner, `#close`, anything unknown).
    Comment,
}

impl Header {
    /// Applies a line starting with `#`.
    pub fn apply(&mut self, line: &str) -> HeaderLine {
        if let Some(rest) = line.strip_prefix("#separator") {
            // The separator line itself is always space-separated.
            *self = Header { separator: unescape_header(rest.trim_start_matches(' ')), ..Header::default() };
            if self.separator.is_empty() {
                self.separator = "\t".into();
            }
            return HeaderLine::Directive;
        }
        let Some(body) = line.strip_prefix('#') else {
            return HeaderLine::Comment;
        };
        let (key, value) = body.split_once(self.separator.as_str()).unwrap_or((body, ""));
        match key {
            "set_separator" => self.set_separator = unescape_header(value),
            "empty_field" => self.empty = value.to_string(),
            "unset_field" => self.unset = value.to_string(),
            "path" => self.path = Some(value.to_string()),
            "fields" => self.fields = Some(value.split(self.separator.as_str()).map(str::to_string).collect()),
            "types" | "open" | "close" => {}
            _ => return HeaderLine::Comment,
        }
        HeaderLine::Directive
    }

    /// Whether the current log is a DNS log (`#path dns`, or no `#path`).
    pub fn is_dns(&self) -> bool {
        self.path.as_deref().is_none_or(|p| p == "dns")
    }

    /// The fields of a data line, or the reason it cannot be read.
    pub fn parse(&self, line: &str) -> Result<ZeekDns, String> {
        let fields = self.fields.as_ref().ok_or("data line before any #fields header")?;
        let values: Vec<&str> = line.split(self.separator.as_str()).collect();
        if values.len() != fields.len() {
            return Err(format!("{} values for {} #fields", values.len(), fields.len()));
        }
        let mut r = ZeekDns::default();
        for (name, raw) in fields.iter().zip(values) {
            if raw == self.unset {
                continue;
            }
            // The empty marker is an empty string in a string field (the root name, for `query`).
            let s = || Some(if raw == self.empty { String::new() } else { raw.to_string() });
            let count = |f: &str| raw.parse::<u64>().map(Some).map_err(|_| format!("{f}: {raw:?} is not a count"));
            let boolean = |f: &str| match raw {
                "T" => Ok(Some(true)),
                "F" => Ok(Some(false)),
                _ => Err(format!("{f}: {raw:?} is not T or F")),
            };
            match name.as_str() {
                "ts" => {
                    r.ts = Some(if raw.bytes().all(|b| b == b'X' || b == b'.') {
                        Ts::Masked
                    } else {
                        Ts::Micros(decimal_us(raw).ok_or_else(|| format!("ts: {raw:?} is not a time"))?)
                    })
                }
                "id.orig_h" => r.orig_h = s(),
                "id.orig_p" => r.orig_p = count(name)?,
                "id.resp_h" => r.resp_h = s(),
                "id.resp_p" => r.resp_p = count(name)?,
                "proto" => r.proto = s(),
                "trans_id" => r.trans_id = count(name)?,
                "rtt" => r.rtt_us = Some(decimal_us(raw).ok_or_else(|| format!("rtt: {raw:?} is not an interval"))?),
                "query" => r.query = s(),
                "qclass" => r.qclass = count(name)?,
                "qclass_name" => r.qclass_name = s(),
                "qtype" => r.qtype = count(name)?,
                "qtype_name" => r.qtype_name = s(),
                "rcode" => r.rcode = count(name)?,
                "rcode_name" => r.rcode_name = s(),
                "TC" => r.tc = boolean(name)?,
                "rejected" => r.rejected = boolean(name)?,
                "opcode" => r.opcode = count(name)?,
                "opcode_name" => r.opcode_name = s(),
                "answers" => {
                    r.answers = Some(if raw == self.empty || raw.is_empty() { 0 } else { raw.split(self.set_separator.as_str()).count() })
                }
                _ => {}
            }
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n#fields\tts\tid.orig_h\tquery\trcode\tanswers\n#types\ttime\taddr\tstring\tcount\tvector[string]";

    fn header() -> Header {
        let mut h = Header::default();
        for l in HEAD.lines() {
            assert_eq!(h.apply(l), HeaderLine::Directive, "{l}");
        }
        h
    }

    #[test]
    fn header_and_values() {
        let h = header();
        assert_eq!(h.separator, "\t");
        assert!(h.is_dns());
        let r = h.parse("1.5\t10.0.0.1\tA.Test\t3\tx,y,z").unwrap();
        assert_eq!(r.ts, Some(Ts::Micros(1_500_000)));
        assert_eq!(r.query.as_deref(), Some("A.Test"));
        assert_eq!((r.rcode, r.answers), (Some(3), Some(3)));
        let r = h.parse("1.5\t-\t-\t-\t(empty)").unwrap();
        assert_eq!((r.orig_h, r.rcode, r.answers), (None, None, Some(0)));
        assert!(h.parse("1.5\t10.0.0.1").unwrap_err().contains("2 values for 5"));
        assert!(h.parse("1.5\t10.0.0.1\tq\tbad\t-").unwrap_err().starts_with("rcode"));
        assert_eq!(h.parse("XXXXXXXXXX.XXXXXX\t-\t-\t-\t-").unwrap().ts, Some(Ts::Masked));
    }

    #[test]
    fn a_new_separator_line_starts_a_new_log() {
        let mut h = header();
        assert_eq!(h.apply("### BTest baseline data generated by btest-diff."), HeaderLine::Comment);
        h.apply("#separator \\x09");
        assert!(h.fields.is_none());
        h.apply("#path\tconn");
        assert!(!h.is_dns());
    }
}
