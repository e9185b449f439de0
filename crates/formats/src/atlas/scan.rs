//! A streaming scanner that finds where one JSON value ends, without parsing it.
//!
//! In: an [`Input`] positioned on (or before white space before) a JSON value. Out: the bytes
//! of that one value, for `serde_json` to parse, or how it failed: longer than the cap (its
//! bytes are read past, not kept), cut off by the end of the stream, or not JSON at all. It
//! tracks strings and escapes so brackets inside strings do not count, and counts lines so
//! that rejects of multi-line JSON carry line numbers. Memory is bounded by the cap however
//! large the file: a JSON array of a million results is read element by element.

use crate::compress::Input;
use std::io::{self, BufRead};

/// Deepest nesting followed (Atlas results nest 5 levels; serde_json itself stops at 128).
const MAX_DEPTH: usize = 1024;

/// How capturing one value ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Capture {
    /// The value's bytes are in the output buffer.
    Complete,
    /// The value is longer than the cap; its first bytes are in the output buffer.
    TooLong { len: u64 },
    /// The stream ended inside the value.
    Truncated,
    /// The bytes are not a JSON value (or nest deeper than the scanner follows).
    Invalid(String),
}

/// Reads JSON values and the structure between them from an [`Input`].
pub struct Scanner<'i, 'b> {
    input: &'i mut Input<'b>,
    line: u64,
    cap: usize,
}

/// Bytes kept of a value longer than the cap, for its excerpt.
const KEEP: usize = 256;

impl<'i, 'b> Scanner<'i, 'b> {
    /// `line` is the 1-based number of the line the input is positioned on.
    pub fn new(input: &'i mut Input<'b>, line: u64, cap: usize) -> Self {
        Scanner { input, line, cap }
    }

    pub fn offset(&self) -> u64 {
        self.input.offset()
    }

    pub fn line(&self) -> u64 {
        self.line
    }

    /// The underlying input (to hand the rest of the stream to another reader).
    pub fn input(&mut self) -> &mut Input<'b> {
        self.input
    }

    /// The next byte, not consumed; `None` at the end of the stream.
    pub fn peek(&mut self) -> io::Result<Option<u8>> {
        Ok(self.input.fill_buf()?.first().copied())
    }

    /// Consumes one byte.
    pub fn bump(&mut self) -> io::Result<()> {
        if self.peek()? == Some(b'\n') {
            self.line += 1;
        }
        self.input.consume(1);
        Ok(())
    }

    /// Consumes white space (and a UTF-8 byte order mark).
    pub fn skip_ws(&mut self) -> io::Result<()> {
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                return Ok(());
            }
            if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
                self.input.consume(3);
                continue;
            }
            let n = buf.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(buf.len());
            self.line += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
            self.input.consume(n);
            if n == 0 || self.input.fill_buf()?.first().is_some_and(|b| !b.is_ascii_whitespace()) {
                return Ok(());
            }
        }
    }

    /// Reads past the rest of the current line (up to and including its `\n`).
    pub fn skip_line(&mut self) -> io::Result<()> {
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                return Ok(());
            }
            match buf.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    self.input.consume(i + 1);
                    self.line += 1;
                    return Ok(());
                }
                None => {
                    let n = buf.len();
                    self.input.consume(n);
                }
            }
        }
    }

    /// Reads one JSON value starting at the current byte (white space must be skipped
    /// first) into `out` (cleared first).
    pub fn capture(&mut self, out: &mut Vec<u8>) -> io::Result<Capture> {
        out.clear();
        let Some(first) = self.peek()? else {
            return Ok(Capture::Truncated);
        };
        let scalar = match first {
            b'{' | b'[' | b'"' => false,
            b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => true,
            b => {
                return Ok(Capture::Invalid(format!("byte {:?} cannot start a JSON value", char::from(b))));
            }
        };
        // Closing brackets expected, innermost last.
        let mut stack: Vec<u8> = Vec::new();
        let mut in_string = false;
        let mut escape = false;
        let mut started = false;
        let mut total: u64 = 0;
        let mut too_long = false;
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                return Ok(if scalar && total > 0 && !too_long { Capture::Complete } else { Capture::Truncated });
            }
            let mut end: Option<usize> = None;
            for (i, &b) in buf.iter().enumerate() {
                if scalar {
                    if !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.')) {
                        end = Some(i);
                        break;
                    }
                    continue;
                }
                if in_string {
                    if escape {
                        escape = false;
                    } else if b == b'\\' {
                        escape = true;
                    } else if b == b'"' {
                        in_string = false;
                        if stack.is_empty() {
                            end = Some(i + 1);
                            break;
                        }
                    }
                    continue;
                }
                match b {
                    b'"' => {
                        in_string = true;
                        started = true;
                    }
                    b'{' | b'[' => {
                        stack.push(if b == b'{' { b'}' } else { b']' });
                        started = true;
                        if stack.len() > MAX_DEPTH {
                            return Ok(Capture::Invalid(format!("nested deeper than {MAX_DEPTH} levels")));
                        }
                    }
                    b'}' | b']' => {
                        if stack.pop() != Some(b) {
                            return Ok(Capture::Invalid(format!("unexpected {:?}", char::from(b))));
                        }
                        if stack.is_empty() {
                            end = Some(i + 1);
                            break;
                        }
                    }
                    _ => {}
                }
                debug_assert!(started);
            }
            let n = end.unwrap_or(buf.len());
            let chunk = &buf[..n];
            self.line += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
            total += n as u64;
            if !too_long {
                if out.len() + n <= self.cap {
                    out.extend_from_slice(chunk);
                } else {
                    too_long = true;
                    let room = KEEP.saturating_sub(out.len());
                    out.extend_from_slice(&chunk[..room.min(n)]);
                    out.truncate(KEEP);
                }
            }
            self.input.consume(n);
            if end.is_some() {
                return Ok(if too_long { Capture::TooLong { len: total } } else { Capture::Complete });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(data: &[u8], cap: usize) -> Vec<(u64, u64, Capture, String)> {
        let mut input = Input::with_capacity(Box::new(data), 64);
        let mut s = Scanner::new(&mut input, 1, cap);
        let mut out = Vec::new();
        let mut v = Vec::new();
        loop {
            s.skip_ws().unwrap();
            if s.peek().unwrap().is_none() {
                break;
            }
            let (off, line) = (s.offset(), s.line());
            let c = s.capture(&mut out).unwrap();
            let stop = !matches!(c, Capture::Complete | Capture::TooLong { .. });
            v.push((off, line, c, String::from_utf8_lossy(&out).into_owned()));
            if stop {
                break;
            }
            s.skip_ws().unwrap();
            if s.peek().unwrap() == Some(b',') {
                s.bump().unwrap();
            }
        }
        v
    }

    #[test]
    fn values_end_where_json_says() {
        let data = b"{\"a\": \"}]\\\"\", \"b\": [1, {\"c\": 2}]}\n\n [3,4] , \"s\\\"x\" ,-12.5e3 ,true";
        let v = values(data, 1000);
        let texts: Vec<_> = v.iter().map(|x| x.3.as_str()).collect();
        assert_eq!(texts, vec!["{\"a\": \"}]\\\"\", \"b\": [1, {\"c\": 2}]}", "[3,4]", "\"s\\\"x\"", "-12.5e3", "true"]);
        assert_eq!(v[1].1, 3, "line of the second value");
        assert_eq!(v[1].0, 36);
        for x in &v {
            assert_eq!(x.2, Capture::Complete);
        }
    }

    #[test]
    fn long_truncated_and_invalid_values() {
        let mut data = b"[".to_vec();
        data.extend(std::iter::repeat_n(b'1', 500).flat_map(|b| [b, b',']));
        data.extend(b"1] {\"x\": 1");
        let v = values(&data, 100);
        assert_eq!(v[0].2, Capture::TooLong { len: 1003 });
        assert!(v[0].3.len() <= KEEP);
        assert_eq!(v[1].2, Capture::Truncated);
        assert!(matches!(values(b"}", 10)[0].2, Capture::Invalid(_)));
        assert!(matches!(values(b"@", 10)[0].2, Capture::Invalid(_)));
        let deep = vec![b'['; 2000];
        assert!(matches!(values(&deep, 1 << 20)[0].2, Capture::Invalid(_)));
    }
}
