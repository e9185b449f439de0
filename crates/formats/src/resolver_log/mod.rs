//! DNS server text logs: BIND 9 query logs, query-errors and security lines, the
//! BIND/Infoblox response log, and unbound's `log-queries`/`log-replies` lines, plain or
//! wrapped in syslog.
//!
//! In: a decompressed log. Out: one `dns_events` row per DNS event line: `query-log` (a query
//! the server received; no rcode, which does not mean unanswered), `response-log`,
//! `query-error` (rcode as the client saw it, the cause in `error`) and `query-denied`.
//! [`prefix`] reads the syslog header, timestamps, program and category; [`bind`] and
//! [`unbound`] the messages; [`reader`] is the loop and its accounting: lines of the log that
//! are not DNS events (startup, zone loading, notifies, transfers...) are skipped, lines of an
//! unknown shape and DNS event lines that do not read are rejects with their line number.

pub mod bind;
pub mod prefix;
mod reader;
pub mod unbound;

pub use reader::read_resolver_log;

use crate::compress::Input;
use crate::dns::event::DnsEvent;
use crate::format::{FileContext, Format, FormatError, ReadStats, Sink};
use crate::table::Table;

/// A DNS event read from a log line, before the line's time is applied.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEvent {
    /// The event; `ts` is set from the line, and `response_ts` (when `Some`) becomes the
    /// line's time.
    pub ev: DnsEvent,
    /// How long before the line's time the query arrived (unbound's reply duration).
    pub before_us: i64,
}

/// The resolver-log format. `year` dates syslog (RFC 3164) timestamps, which carry none.
#[derive(Debug, Default, Clone, Copy)]
pub struct ResolverLog {
    pub year: Option<i32>,
}

impl ResolverLog {
    /// A reader that dates yearless syslog timestamps in `year`.
    pub fn with_year(year: i32) -> Self {
        ResolverLog { year: Some(year) }
    }
}

/// Whether `head` holds a line that reads as a BIND or unbound DNS event (among its first 64
/// non-empty lines), and no NUL byte.
pub fn looks_like_resolver_log(head: &[u8]) -> bool {
    let head = &head[..head.len().min(64 * 1024)];
    if !crate::format::looks_like_text(head) {
        return false;
    }
    let text = String::from_utf8_lossy(head);
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .take(64)
        .any(|l| matches!(reader::parse_line(l, Some(2000)), Ok(Some(reader::Parsed::Event(..)))))
}

impl Format for ResolverLog {
    fn name(&self) -> &'static str {
        "resolver_log"
    }
    fn description(&self) -> &'static str {
        "BIND query/query-errors/security logs, BIND/Infoblox response logs, unbound log-queries/log-replies (plain or syslog)"
    }
    fn tables(&self) -> &'static [Table] {
        &[Table::DnsEvents]
    }
    fn sniff(&self, head: &[u8]) -> bool {
        looks_like_resolver_log(head)
    }
    fn read(&self, input: &mut Input<'_>, ctx: &FileContext, sink: &mut dyn Sink) -> Result<ReadStats, FormatError> {
        read_resolver_log(input, ctx, sink, self.year)
    }
}

#[cfg(test)]
mod tests;
