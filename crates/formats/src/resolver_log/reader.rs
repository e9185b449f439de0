//! The resolver-log read loop: lines in, rows and rejects out.
//!
//! In: a decompressed log. Out: one row per DNS event line, rejects with line numbers, and
//! [`ReadStats`]. Accounting: every line is one record. Empty lines and `#` comments are
//! skipped; so are log lines that are not DNS events (a recognised header, BIND time, program,
//! category or unbound tag, with a message that is not a client query event). A DNS event line
//! without a usable time, or with a field that does not read, is a reject; so is a line with
//! no recognisable log shape at all.

use super::{LogEvent, bind, prefix, unbound};
use crate::compress::Input;
use crate::dns::lines::{Line, Lines, MAX_LINE};
use crate::dns::rows::Emitter;
use crate::format::{FileContext, FormatError, ReadStats, Reject, Sink};

/// What a line is.
#[derive(Debug, PartialEq)]
pub(crate) enum Parsed<'a> {
    /// A DNS event, with the line's prefix.
    Event(Box<LogEvent>, prefix::Prefix<'a>),
    /// A log line that is not a DNS event.
    Other,
}

/// The unbound tag of a line, and its message, when the line is unbound's.
fn unbound_tag<'a>(p: &prefix::Prefix<'a>) -> Option<(&'a str, &'a str)> {
    let mut msg = p.message;
    let mut labels = p.labels.clone();
    if p.program == Some("unbound") && msg.starts_with('[') {
        // syslog: `unbound: [5542:0] reply: ...`
        let (_, rest) = msg.split_once("] ")?;
        let (tag, rest) = rest.split_once(": ")?;
        labels.push(tag);
        msg = rest;
    }
    if p.program != Some("unbound") && !p.epoch_brackets {
        return None;
    }
    let tag = labels.iter().rev().find(|l| matches!(**l, "reply" | "query" | "info"))?;
    Some((tag, msg))
}

/// Parses one non-empty, non-comment line. `Ok(None)`: no recognisable log shape.
pub(crate) fn parse_line(line: &str, year: Option<i32>) -> Result<Option<Parsed<'_>>, String> {
    let p = prefix::split(line, year);
    let parsed = if p.message.starts_with("client ") {
        bind::parse(p.message)?
    } else if let Some((tag, msg)) = unbound_tag(&p) {
        unbound::parse(tag, msg)?
    } else {
        None
    };
    match parsed {
        Some(e) => Ok(Some(Parsed::Event(Box::new(e), p))),
        None if p.recognized => Ok(Some(Parsed::Other)),
        None => Ok(None),
    }
}

/// Reads a resolver log into rows and rejects; `year` dates yearless syslog timestamps.
pub fn read_resolver_log(
    input: &mut Input<'_>,
    ctx: &FileContext,
    sink: &mut dyn Sink,
    year: Option<i32>,
) -> Result<ReadStats, FormatError> {
    let mut out = Emitter::new(ctx, sink);
    let mut lines = Lines::new(input);
    let mut line = Line::default();
    loop {
        match lines.next_line(&mut line) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let reason = format!("reading the stream: {e}");
                out.framed();
                // From the start of the line it broke in: its bytes so far are lost too.
                out.reject(Reject::text(line.offset, line.number + 1, reason.clone(), &line.bytes).with_end(lines.offset()))?;
                out.stats.stopped = Some(reason);
                break;
            }
        }
        out.framed();
        if line.number % 65536 == 0 {
            out.progress(line.offset);
        }
        let reject = |reason: String, line: &Line| Reject::text(line.offset, line.number, reason, &line.bytes);
        if line.too_long {
            out.reject(reject(format!("line longer than {MAX_LINE} bytes"), &line))?;
            continue;
        }
        let text = line.text();
        let t = text.trim();
        if t.is_empty() || t.starts_with('#') {
            out.stats.records_skipped += 1;
            continue;
        }
        match parse_line(t, year) {
            Ok(Some(Parsed::Event(le, p))) => {
                let Some(line_ts) = p.ts else {
                    let why = p.ts_problem.unwrap_or_else(|| "ts: the line has no timestamp".into());
                    out.reject(reject(why, &line))?;
                    continue;
                };
                let LogEvent { ev, before_us } = *le;
                let mut ev = ev;
                ev.ts = line_ts.saturating_sub(before_us);
                if ev.response_ts.is_some() {
                    ev.response_ts = Some(line_ts);
                }
                ev.record_offset = line.offset;
                ev.server_id = p.host.map(str::to_string);
                out.stats.records_ok += 1;
                out.row(&ev)?;
            }
            Ok(Some(Parsed::Other)) => out.stats.records_skipped += 1,
            Ok(None) => {
                let head: String = t.chars().take(40).collect();
                out.reject(reject(format!("unknown line shape: not a BIND or unbound log line ({head:?})"), &line))?;
            }
            Err(reason) => out.reject(reject(reason, &line))?,
        }
    }
    out.progress(lines.offset());
    out.finish()
}
