//! The text read loop: lines in, traces out.
//!
//! In: a decompressed text stream. Out: one trace per `traceroute to` header (or per run of
//! hop lines without one: a new run starts when the TTL does not grow), one per `tracepath`
//! run (ended by `Resume:` or a new `1?: [LOCALHOST]`), rejects for lines that belong to no
//! trace, and a `partial:` reject for a trace with tokens that could not be read.
//!
//! Records, for the ledger: a trace is one record (its header, hop and trailer lines are its
//! bytes); a tool message (`traceroute: Warning: ...`) is a skipped record; any other
//! non-blank line outside a trace is a rejected record. Blank lines are not records. The
//! file holds no time: rows get `FileContext::default_ts_us`, or the Unix epoch.

use super::parse::{Header, LineKind, Probe, classify};
use crate::compress::Input;
use crate::format::{FileContext, FormatError, ReadStats, Reject, Sink};
use crate::traceroute::lines::{Line, LineReader};
use crate::traceroute::rows::{TraceOut, reached, text_excerpt};
use crate::traceroute::{Hop, StopReason, Trace, af_of, infer_stop_reason};

/// Longest line read (longer ones are rejected without being buffered).
const MAX_LINE: usize = 64 * 1024;

/// Most probes kept per trace (255 TTLs of 16 probes): continuation lines and tracepath runs
/// do not grow a trace without end. Probes past this are dropped, named in a `partial:`
/// reject.
pub const MAX_PROBES: usize = 255 * 16;

/// Most problems listed per trace; the rest are counted.
const MAX_PROBLEMS: usize = 64;

#[derive(PartialEq, Clone, Copy)]
enum Style {
    Traceroute,
    Tracepath,
}

/// A trace being assembled from its lines.
struct Building {
    style: Style,
    offset: u64,
    line: u64,
    first_bytes: Vec<u8>,
    header: Option<Header>,
    hops: Vec<Hop>,
    last_ttl: u16,
    problems: Vec<String>,
    too_many_hops: bool,
    tracepath_reached: bool,
    too_many_probes: bool,
    more_problems: usize,
}

impl Building {
    fn new(style: Style, offset: u64, line: u64, bytes: &[u8]) -> Self {
        Building {
            style,
            offset,
            line,
            first_bytes: text_excerpt(bytes).to_vec(),
            header: None,
            hops: Vec::new(),
            last_ttl: 0,
            problems: Vec::new(),
            too_many_hops: false,
            tracepath_reached: false,
            too_many_probes: false,
            more_problems: 0,
        }
    }

    /// Notes a problem; past [`MAX_PROBLEMS`] they are only counted.
    fn problem(&mut self, p: String) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(p);
        } else {
            self.more_problems += 1;
        }
    }

    fn add(&mut self, ttl: u16, probes: Vec<Probe>, problems: Vec<String>, ts: i64, line: u64) {
        for p in problems {
            self.problem(format!("line {line}: {p}"));
        }
        let Ok(ttl8) = u8::try_from(ttl) else {
            self.problem(format!("line {line}: TTL {ttl} out of range"));
            return;
        };
        self.last_ttl = ttl;
        let room = MAX_PROBES.saturating_sub(self.hops.len());
        if probes.len() > room && !self.too_many_probes {
            self.too_many_probes = true;
            // First, so that it is not among the problems a long reason leaves out.
            self.problems.insert(0, format!("line {line}: more than {MAX_PROBES} probes in one trace; the rest of its probes are dropped"));
        }
        for p in probes.into_iter().take(room) {
            if p.reached {
                self.tracepath_reached = true;
                if let (Some(a), Some(h)) = (p.addr, self.header.as_mut()) {
                    h.dst_addr.get_or_insert(a);
                } else if let Some(a) = p.addr {
                    self.header = Some(Header { dst_addr: Some(a), ..Default::default() });
                }
            }
            self.hops.push(Hop {
                ts_us: ts,
                ttl: ttl8,
                addr: p.addr,
                name: p.name,
                asn: p.asn,
                rtt_ms: p.rtt_ms,
                icmp_error: p.icmp_error,
                timeout: p.timeout,
                ..Default::default()
            });
        }
    }

    fn into_trace(self, ts: i64) -> (Trace, Vec<String>, u64, u64, Vec<u8>) {
        let header = self.header.unwrap_or_default();
        let mut ttls: Vec<u8> = self.hops.iter().map(|h| h.ttl).collect();
        ttls.sort_unstable();
        ttls.dedup();
        let af = header
            .dst_addr
            .or(header.src_addr)
            .or_else(|| self.hops.iter().find_map(|h| h.addr))
            .map(af_of)
            .or(header.v6_tool.then_some(6));
        let mut t = Trace {
            ts_us: ts,
            src_addr: header.src_addr,
            dst_addr: header.dst_addr,
            dst_name: header.dst_name,
            af,
            proto: (self.style == Style::Tracepath).then_some("UDP"),
            hop_count: ttls.len() as u16,
            record_offset: self.offset,
            hops: self.hops,
            ..Default::default()
        };
        let reached = reached(&t);
        t.stop_reason = match self.style {
            Style::Tracepath if self.tracepath_reached || reached => Some(StopReason::Completed),
            Style::Tracepath if self.too_many_hops => Some(StopReason::HopLimit),
            Style::Tracepath => None,
            Style::Traceroute => infer_stop_reason(&t, reached, None, header.max_hops, false),
        };
        let mut problems = self.problems;
        if self.more_problems > 0 {
            problems.push(format!("{} more problems", self.more_problems));
        }
        (t, problems, self.offset, self.line, self.first_bytes)
    }
}

struct Reader<'s> {
    out: TraceOut<'s>,
    cur: Option<Building>,
    ts: i64,
}

impl Reader<'_> {
    fn flush(&mut self) -> Result<(), FormatError> {
        let Some(b) = self.cur.take() else {
            return Ok(());
        };
        self.out.framed();
        let (trace, problems, offset, line, bytes) = b.into_trace(self.ts);
        self.out.trace(&trace)?;
        if !problems.is_empty() {
            self.out.partial(Reject::text(offset, line, "", &bytes), &problems)?;
        }
        Ok(())
    }

    fn line(&mut self, offset: u64, number: u64, bytes: &[u8]) -> Result<(), FormatError> {
        let text = String::from_utf8_lossy(bytes);
        let ts = self.ts;
        match classify(&text) {
            LineKind::Blank => {}
            LineKind::Header(h) => {
                self.flush()?;
                let mut b = Building::new(Style::Traceroute, offset, number, bytes);
                b.header = Some(h);
                self.cur = Some(b);
            }
            LineKind::Hop { ttl, probes, problems } => {
                let continues = matches!(&self.cur, Some(b) if b.style == Style::Traceroute && ttl > b.last_ttl);
                if !continues {
                    // A hop line that does not follow the previous TTL starts a trace of its
                    // own (output pasted without its header).
                    self.flush()?;
                    self.cur = Some(Building::new(Style::Traceroute, offset, number, bytes));
                }
                if let Some(b) = self.cur.as_mut() {
                    b.add(ttl, probes, problems, ts, number);
                }
            }
            LineKind::Continuation { probes, problems } => match self.cur.as_mut() {
                Some(b) if b.style == Style::Traceroute && b.last_ttl > 0 => {
                    let ttl = b.last_ttl;
                    b.add(ttl, probes, problems, ts, number);
                }
                _ => self.stray(offset, number, bytes, "continuation line without a hop line before it")?,
            },
            LineKind::TracepathHop { ttl, local, probes, problems } => {
                let continues = matches!(&self.cur, Some(b) if b.style == Style::Tracepath) && !local;
                if !continues {
                    self.flush()?;
                    self.cur = Some(Building::new(Style::Tracepath, offset, number, bytes));
                }
                if let Some(b) = self.cur.as_mut()
                    && !local
                {
                    b.add(ttl, probes, problems, ts, number);
                }
            }
            LineKind::TracepathTrailer { too_many_hops, done } => match self.cur.as_mut() {
                Some(b) if b.style == Style::Tracepath => {
                    b.too_many_hops |= too_many_hops;
                    if done {
                        self.flush()?;
                    }
                }
                _ => self.stray(offset, number, bytes, "tracepath summary without a tracepath before it")?,
            },
            LineKind::ToolMessage => {
                self.out.framed();
                self.out.skipped();
            }
            LineKind::Other => {
                self.flush()?;
                self.stray(offset, number, bytes, "not a traceroute or tracepath line")?;
            }
        }
        Ok(())
    }

    fn stray(&mut self, offset: u64, number: u64, bytes: &[u8], why: &str) -> Result<(), FormatError> {
        self.out.framed();
        self.out.reject(Reject::text(offset, number, why, bytes))
    }
}

/// Reads traceroute/tracepath text into `traceroutes` and `traceroute_hops`.
pub fn read_tracetext(input: &mut Input<'_>, ctx: &FileContext, sink: &mut dyn Sink) -> Result<ReadStats, FormatError> {
    let mut r = Reader { out: TraceOut::new(ctx, sink, "tracetext"), cur: None, ts: ctx.default_ts_us.unwrap_or(0) };
    let mut lines = LineReader::new(MAX_LINE);
    loop {
        let at = input.offset();
        let line = match lines.next_line(input) {
            Ok(Some(l)) => l,
            Ok(None) => break,
            Err(e) => {
                r.flush()?;
                r.out.broke_off(at, &e)?;
                break;
            }
        };
        match line {
            Line::Text { offset, number, bytes } => r.line(offset, number, bytes)?,
            Line::TooLong { offset, number, len, head } => {
                r.flush()?;
                let why = format!("line of {len} bytes is longer than {MAX_LINE}");
                r.out.framed();
                r.out.reject(Reject::text(offset, number, why, head))?;
            }
        }
    }
    r.flush()?;
    r.out.progress(input.offset());
    r.out.finish()
}

/// The first traceroute printed in `text` (RIPE Atlas firmware 1 keeps the tool's output in
/// its `result` string), with the problems met, or `None` when `text` holds no hop line.
pub fn trace_from_text(text: &str, ts: i64) -> Option<(Trace, Vec<String>)> {
    let mut b: Option<Building> = None;
    for (i, line) in text.lines().enumerate() {
        let number = i as u64 + 1;
        match classify(line) {
            LineKind::Header(h) => {
                if b.is_some() {
                    break;
                }
                let mut n = Building::new(Style::Traceroute, 0, number, line.as_bytes());
                n.header = Some(h);
                b = Some(n);
            }
            LineKind::Hop { ttl, probes, problems } => {
                let cur = b.get_or_insert_with(|| Building::new(Style::Traceroute, 0, number, line.as_bytes()));
                if ttl <= cur.last_ttl {
                    break;
                }
                cur.add(ttl, probes, problems, ts, number);
            }
            LineKind::Continuation { probes, problems } => {
                if let Some(cur) = b.as_mut().filter(|c| c.last_ttl > 0) {
                    let ttl = cur.last_ttl;
                    cur.add(ttl, probes, problems, ts, number);
                }
            }
            _ => {}
        }
    }
    let b = b.filter(|b| !b.hops.is_empty())?;
    let (t, problems, ..) = b.into_trace(ts);
    Some((t, problems))
}
