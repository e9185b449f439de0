//! The RIPE Atlas read loop: framing results in every way Atlas data is stored.
//!
//! In: a decompressed stream of Atlas results. Out: rows and rejects through
//! [`crate::traceroute::rows`]. Two framings:
//! - **lines** (daily dumps, the streaming API, `?format=txt`): one JSON value per line. A
//!   line that is not JSON is one reject and the next line is read as usual.
//! - **structural** (the API's JSON array, one object per file, pretty-printed JSON, the
//!   `{"results": [...], ...}` wrapper of the pierky samples): the scanner walks the top-level
//!   values; arrays (and a wrapper's `results` array) are read element by element, so memory
//!   holds one result at a time whatever the file size. A syntax error here cannot be skipped:
//!   the rest of the stream is one reject and `stopped` is set.
//!
//! The framing is chosen from the head of the stream: lines when the first line (or one of
//! the next few, in case the first is damaged) holds a complete JSON object. Every value is
//! capped at [`MAX_VALUE`] bytes; a longer one is read past and rejected with its offset. A
//! line over [`MAX_VALUE`] (a wrapper or array of many results on one line) is read
//! structurally, element by element; damage inside it is a reject for the rest of that line.
//! A line over [`MAX_LINE`] is one reject.
//!
//! Records, for the ledger: each result is one record; a wrapper object is not a record
//! (its elements are); results of other measurement types are skipped records.

use super::result::{self, Kind};
use super::scan::{Capture, Scanner};
use crate::compress::Input;
use crate::format::{FileContext, FormatError, ReadStats, Reject, SNIFF_BYTES, Sink};
use crate::traceroute::json::{Obj, field};
use crate::traceroute::lines::{Line, LineReader, is_blank};
use crate::traceroute::rows::{TraceOut, text_excerpt};
use serde_json::Value;
use std::io::{BufRead, Read};

/// Longest JSON value (one result) parsed. A result of 255 hops is about 100 KiB; a value is
/// parsed into a JSON tree, which takes up to about 50 times its size for pathological
/// content (`[{},{},...]`), so the cap bounds memory: about 100 MiB per reader at worst.
pub const MAX_VALUE: usize = 2 << 20;

/// Longest line buffered in line framing. A line longer than [`MAX_VALUE`] is not parsed
/// whole: it is read again element by element (each result capped at [`MAX_VALUE`]). (A file
/// whose first line does not end within the sniffed head is read structurally, streamed,
/// whatever its size: this cap only concerns long lines after short ones.)
pub const MAX_LINE: usize = 16 << 20;

/// How the results of a stream are framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    Lines,
    Structural,
}

/// Whether `line` holds one JSON object that ends on it.
fn complete_object(line: &[u8]) -> bool {
    let line = line.trim_ascii();
    if line.len() < 2 || line[0] != b'{' {
        return false;
    }
    let (mut depth, mut in_string, mut escape) = (0u32, false, false);
    for (i, &b) in line.iter().enumerate() {
        if in_string {
            match (escape, b) {
                (true, _) => escape = false,
                (false, b'\\') => escape = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return line[i + 1..].trim_ascii().is_empty();
                }
            }
            _ => {}
        }
    }
    false
}

/// Chooses the framing from the head of the stream.
pub fn framing(head: &[u8]) -> Framing {
    let whole = head.len() < SNIFF_BYTES;
    let head = head.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len());
    let head = &head[start..];
    if !head.starts_with(b"{") {
        return Framing::Structural;
    }
    let mut lines = head.split(|&b| b == b'\n').peekable();
    let mut seen = 0;
    while let Some(line) = lines.next() {
        let complete_line = lines.peek().is_some() || whole;
        if line.trim_ascii().is_empty() {
            continue;
        }
        if complete_line && complete_object(line) {
            return Framing::Lines;
        }
        seen += 1;
        if seen == 4 {
            break;
        }
    }
    Framing::Structural
}

struct Reader<'s> {
    out: TraceOut<'s>,
    problems: Vec<String>,
    /// Offset and line, in the stream, of the first byte the scanner reads: (0, 1), or the
    /// line's while a line holding several results is re-read for its elements' offsets.
    base: (u64, u64),
    /// A line is being re-read structurally: damage ends the line, not the stream.
    in_line: bool,
}

impl Reader<'_> {
    /// Offset and line of the scanner's position in the stream.
    fn pos(&self, sc: &Scanner<'_, '_>) -> (u64, u64) {
        (self.base.0 + sc.offset(), self.base.1 + sc.line() - 1)
    }

    /// One result object.
    fn result(&mut self, o: &Obj, offset: u64, line: u64, excerpt: &[u8]) -> Result<(), FormatError> {
        self.out.framed();
        let reject = |why: String| Reject::text(offset, line, why, excerpt);
        match result::kind(o) {
            Err(e) => self.out.reject(reject(e)),
            Ok(Kind::Other(_)) => {
                self.out.skipped();
                Ok(())
            }
            Ok(Kind::Traceroute) => {
                self.problems.clear();
                match result::traceroute(o, offset, &mut self.problems) {
                    Ok(t) => {
                        self.out.trace(&t)?;
                        let problems = std::mem::take(&mut self.problems);
                        self.out.partial(reject(String::new()), &problems)
                    }
                    Err(e) => self.out.reject(reject(format!("traceroute: {e}"))),
                }
            }
            Ok(Kind::Ping) => match result::ping(o, offset) {
                Ok(p) => self.out.ping(&p),
                Err(e) => self.out.reject(reject(format!("ping: {e}"))),
            },
        }
    }

    /// One element of an array of results.
    fn element(&mut self, v: &Value, offset: u64, line: u64, excerpt: &[u8]) -> Result<(), FormatError> {
        match v {
            Value::Object(o) => self.result(o, offset, line, excerpt),
            other => {
                self.out.framed();
                let why = format!("not an Atlas result: a JSON {}", kind_of(other));
                self.out.reject(Reject::text(offset, line, why, excerpt))
            }
        }
    }

    /// One JSON value of a line: a result, an array of results or a wrapper.
    fn value(&mut self, v: Value, offset: u64, line: u64, excerpt: &[u8]) -> Result<(), FormatError> {
        match v {
            Value::Object(o) if is_wrapper(&o) => {
                if let Some(Value::Array(results)) = o.get("results") {
                    for r in results {
                        self.element(r, offset, line, excerpt)?;
                    }
                }
                Ok(())
            }
            Value::Array(items) => {
                for r in &items {
                    self.element(r, offset, line, excerpt)?;
                }
                Ok(())
            }
            other => self.element(&other, offset, line, excerpt),
        }
    }

    fn lines(&mut self, input: &mut Input<'_>) -> Result<(), FormatError> {
        let mut lines = LineReader::new(MAX_LINE);
        loop {
            let at = input.offset();
            match lines.next_line(input) {
                Ok(None) => return Ok(()),
                Ok(Some(Line::Text { offset, number, bytes })) => {
                    if is_blank(bytes) {
                        continue;
                    }
                    if bytes.len() > MAX_VALUE {
                        // Too long to parse whole: results one by one (a long single result
                        // is then one too-long reject).
                        self.reread_line(bytes, offset, number)?;
                        continue;
                    }
                    match serde_json::from_slice::<Value>(bytes) {
                        Ok(v) if several_results(&v) => {
                            // Re-read the line element by element for their own offsets.
                            drop(v);
                            self.reread_line(bytes, offset, number)?;
                        }
                        Ok(v) => self.value(v, offset, number, text_excerpt(bytes))?,
                        Err(e) => {
                            self.out.framed();
                            self.out.reject(Reject::text(offset, number, format!("not JSON: {e}"), bytes))?;
                        }
                    }
                }
                Ok(Some(Line::TooLong { offset, number, len, head })) => {
                    let why = format!("line of {len} bytes is longer than the {MAX_LINE}-byte cap");
                    self.out.framed();
                    self.out.reject(Reject::text(offset, number, why, head))?;
                }
                Err(e) => return self.out.broke_off(at, &e),
            }
            if lines.number().is_multiple_of(4096) {
                self.out.progress(input.offset());
            }
        }
    }

    /// One line of line framing read structurally, its elements at their own offsets.
    fn reread_line(&mut self, bytes: &[u8], offset: u64, number: u64) -> Result<(), FormatError> {
        self.base = (offset, number);
        self.in_line = true;
        let r = self.structural(&mut Input::from_bytes(bytes));
        self.base = (0, 1);
        self.in_line = false;
        r
    }

    /// Damage that cannot be skipped in structural framing: the rest of the stream (or of the
    /// line, when a line is re-read).
    fn damage(&mut self, sc: &mut Scanner<'_, '_>, from: u64, line: u64, why: &str, excerpt: &[u8]) -> Result<bool, FormatError> {
        let input = sc.input();
        let drained = input.drain();
        let end = self.base.0 + input.offset();
        let what = if self.in_line { "line" } else { "stream" };
        let reason = format!("{why}; rest of the {what} ({} bytes) skipped", end.saturating_sub(from));
        self.out.framed();
        self.out.reject(Reject::text(from, line, reason.clone(), excerpt).with_end(end))?;
        if !self.in_line {
            self.out.stats.stopped = Some(reason);
        }
        if let Err(e) = drained {
            self.out.broke_off(end, &e)?;
        }
        Ok(false)
    }

    fn structural(&mut self, input: &mut Input<'_>) -> Result<(), FormatError> {
        let mut sc = Scanner::new(input, 1, MAX_VALUE);
        let mut buf = Vec::new();
        loop {
            if let Err(e) = sc.skip_ws() {
                return self.out.broke_off(sc.offset(), &e);
            }
            let (at, line) = self.pos(&sc);
            let next = match sc.peek() {
                Ok(n) => n,
                Err(e) => return self.out.broke_off(at, &e),
            };
            let go_on = match next {
                None => return Ok(()),
                Some(b'[') => self.array(&mut sc, &mut buf)?,
                Some(b'{') => self.object(&mut sc, &mut buf)?,
                Some(_) => match sc.capture(&mut buf) {
                    Ok(Capture::Complete) => {
                        let why = "not an Atlas result: a JSON value that is not an object or array".to_string();
                        self.out.framed();
                        self.out.reject(Reject::text(at, line, why, &buf))?;
                        true
                    }
                    Ok(_) => {
                        let head = sc.input().peek(96).map(<[u8]>::to_vec).unwrap_or_default();
                        self.damage(&mut sc, at, line, "not JSON", &head)?
                    }
                    Err(e) => return self.out.broke_off(sc.offset(), &e),
                },
            };
            if !go_on {
                return Ok(());
            }
            self.out.progress(self.base.0 + sc.offset());
        }
    }

    /// Skips white space and peeks, turning I/O errors into a broken-off stream.
    fn next_byte(&mut self, sc: &mut Scanner<'_, '_>) -> Result<Result<Option<u8>, ()>, FormatError> {
        let r = sc.skip_ws().and_then(|()| sc.peek());
        match r {
            Ok(b) => Ok(Ok(b)),
            Err(e) => {
                self.out.broke_off(sc.offset(), &e)?;
                Ok(Err(()))
            }
        }
    }

    /// An array of results, element by element. Returns whether reading can go on.
    fn array(&mut self, sc: &mut Scanner<'_, '_>, buf: &mut Vec<u8>) -> Result<bool, FormatError> {
        if let Err(e) = sc.bump() {
            self.out.broke_off(sc.offset(), &e)?;
            return Ok(false);
        }
        let mut first = true;
        loop {
            let Ok(next) = self.next_byte(sc)? else {
                return Ok(false);
            };
            let (at, line) = self.pos(sc);
            match next {
                None => {
                    // From where the array broke off, not its start: its elements before
                    // are rows or rejects of their own.
                    return self.damage(sc, at, line, "the stream ends inside an array of results", b"[");
                }
                Some(b']') if first => {
                    let _ = sc.bump();
                    return Ok(true);
                }
                _ => {}
            }
            first = false;
            match sc.capture(buf) {
                Ok(Capture::Complete) => match serde_json::from_slice::<Value>(buf) {
                    Ok(v) => self.element(&v, at, line, text_excerpt(buf))?,
                    Err(e) => {
                        self.out.framed();
                        self.out.reject(Reject::text(at, line, format!("not JSON: {e}"), buf))?;
                    }
                },
                Ok(Capture::TooLong { len }) => {
                    let why = format!("result of {len} bytes is longer than the {MAX_VALUE}-byte cap");
                    self.out.framed();
                    self.out.reject(Reject::text(at, line, why, buf).with_end(self.base.0 + sc.offset()))?;
                }
                Ok(Capture::Truncated) => {
                    let excerpt = buf.clone();
                    return self.damage(sc, at, line, "the stream ends inside a result", &excerpt);
                }
                Ok(Capture::Invalid(why)) => {
                    let excerpt = buf.clone();
                    return self.damage(sc, at, line, &format!("not JSON: {why}"), &excerpt);
                }
                Err(e) => {
                    self.out.broke_off(sc.offset(), &e)?;
                    return Ok(false);
                }
            }
            let Ok(next) = self.next_byte(sc)? else {
                return Ok(false);
            };
            let (at, line) = self.pos(sc);
            match next {
                Some(b',') => {
                    let _ = sc.bump();
                }
                Some(b']') => {
                    let _ = sc.bump();
                    return Ok(true);
                }
                _ => return self.damage(sc, at, line, "expected ',' or ']' after a result", b""),
            }
        }
    }

    /// A top-level object: one result, or a wrapper whose `results` array is streamed.
    fn object(&mut self, sc: &mut Scanner<'_, '_>, buf: &mut Vec<u8>) -> Result<bool, FormatError> {
        let (start, start_line) = self.pos(sc);
        let mut excerpt = b"{".to_vec();
        if let Err(e) = sc.bump() {
            self.out.broke_off(sc.offset(), &e)?;
            return Ok(false);
        }
        let mut map = Obj::new();
        let mut wrapper = false;
        let mut size = 0u64;
        let mut too_long = false;
        let mut bad: Option<String> = None;
        let mut first = true;
        loop {
            let Ok(next) = self.next_byte(sc)? else {
                return Ok(false);
            };
            let (at, line) = self.pos(sc);
            match next {
                Some(b'}') if first => {
                    let _ = sc.bump();
                    break;
                }
                Some(b'"') => {}
                _ => return self.damage(sc, at, line, "expected a key", &excerpt),
            }
            first = false;
            let key = match sc.capture(buf) {
                Ok(Capture::Complete) => serde_json::from_slice::<String>(buf).ok(),
                Err(e) => {
                    self.out.broke_off(sc.offset(), &e)?;
                    return Ok(false);
                }
                Ok(_) => None,
            };
            let Some(key) = key else {
                return self.damage(sc, at, line, "a key that is not a JSON string", &excerpt);
            };
            if excerpt.len() < 96 {
                excerpt.extend_from_slice(buf);
                excerpt.push(b':');
            }
            let Ok(next) = self.next_byte(sc)? else {
                return Ok(false);
            };
            if next != Some(b':') {
                let (at, line) = self.pos(sc);
                return self.damage(sc, at, line, &format!("expected ':' after key {key:?}"), &excerpt);
            }
            let _ = sc.bump();
            let Ok(next) = self.next_byte(sc)? else {
                return Ok(false);
            };
            let (at, line) = self.pos(sc);
            if key == "results" && next == Some(b'[') && !looks_like_result(&map) {
                wrapper = true;
                if !self.array(sc, buf)? {
                    return Ok(false);
                }
            } else {
                match sc.capture(buf) {
                    Ok(Capture::Complete) => {
                        size += buf.len() as u64;
                        if excerpt.len() < 96 {
                            excerpt.extend_from_slice(&buf[..buf.len().min(96)]);
                        }
                        if size > MAX_VALUE as u64 {
                            too_long = true;
                            map.clear();
                        } else if !too_long {
                            match serde_json::from_slice::<Value>(buf) {
                                Ok(v) => {
                                    map.insert(key, v);
                                }
                                Err(e) => bad = bad.or(Some(format!("{key}: not JSON: {e}"))),
                            }
                        }
                    }
                    Ok(Capture::TooLong { len }) => {
                        size += len;
                        too_long = true;
                        map.clear();
                    }
                    Ok(Capture::Truncated) => {
                        return self.damage(sc, at, line, "the stream ends inside a value", &excerpt);
                    }
                    Ok(Capture::Invalid(why)) => {
                        return self.damage(sc, at, line, &format!("not JSON: {why}"), &excerpt);
                    }
                    Err(e) => {
                        self.out.broke_off(sc.offset(), &e)?;
                        return Ok(false);
                    }
                }
            }
            let Ok(next) = self.next_byte(sc)? else {
                return Ok(false);
            };
            let (at, line) = self.pos(sc);
            match next {
                Some(b',') => {
                    let _ = sc.bump();
                }
                Some(b'}') => {
                    let _ = sc.bump();
                    break;
                }
                _ => return self.damage(sc, at, line, "expected ',' or '}'", &excerpt),
            }
        }
        if wrapper {
            return Ok(true);
        }
        let excerpt = text_excerpt(&excerpt).to_vec();
        if too_long {
            let why = format!("result of {size} bytes is longer than the {MAX_VALUE}-byte cap");
            self.out.framed();
            self.out.reject(Reject::text(start, start_line, why, &excerpt).with_end(self.base.0 + sc.offset()))?;
        } else if let Some(why) = bad {
            self.out.framed();
            self.out.reject(Reject::text(start, start_line, why, &excerpt))?;
        } else {
            self.result(&map, start, start_line, &excerpt)?;
        }
        Ok(true)
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn looks_like_result(o: &Obj) -> bool {
    ["type", "prb_id", "fw", "result", "timestamp"].iter().any(|k| field(o, k).is_some())
}

/// An array or a wrapper: a value that holds several results.
fn several_results(v: &Value) -> bool {
    match v {
        Value::Array(_) => true,
        Value::Object(o) => is_wrapper(o),
        _ => false,
    }
}

/// A `{"results": [...], ...}` wrapper rather than a result.
fn is_wrapper(o: &Obj) -> bool {
    matches!(o.get("results"), Some(Value::Array(_))) && !looks_like_result(o)
}

/// Reads RIPE Atlas traceroute and ping results (from the start of the stream).
pub fn read_atlas(input: &mut Input<'_>, ctx: &FileContext, sink: &mut dyn Sink) -> Result<ReadStats, FormatError> {
    let mut r = Reader { out: TraceOut::new(ctx, sink, "atlas"), problems: Vec::new(), base: (0, 1), in_line: false };
    // The framing is chosen from the first SNIFF_BYTES, read here (the input's own buffer may
    // be smaller) and put back in front of the rest of the stream.
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    if let Err(e) = (&mut *input).take(SNIFF_BYTES as u64).read_to_end(&mut head) {
        let at = input.offset();
        r.out.broke_off(at, &e)?;
        return r.out.finish();
    }
    let framing = framing(&head);
    let mut joined = Input::new(Box::new(std::io::Cursor::new(head).chain(&mut *input)));
    match framing {
        Framing::Lines => r.lines(&mut joined)?,
        Framing::Structural => r.structural(&mut joined)?,
    }
    r.out.progress(joined.offset());
    // Nothing may be left unread: structural framing drains after damage, lines reads all.
    debug_assert!(joined.fill_buf().map(|b| b.is_empty()).unwrap_or(true));
    r.out.finish()
}
