//! Lines of a text log, read with a bounded buffer.
//!
//! In: a decompressed stream. Out: one [`Line`] at a time with its byte offset and 1-based
//! number; `\n` and a preceding `\r` are stripped. A line longer than [`MAX_LINE`] bytes is
//! returned cut at that length with `too_long` set, and the rest of it is skipped, so a file
//! without newlines never makes the reader hold more than [`MAX_LINE`] bytes.

use crate::compress::Input;
use std::io::{self, BufRead};

/// Longest line kept, in bytes.
pub const MAX_LINE: usize = 1 << 20;

/// One line of input.
#[derive(Debug, Default)]
pub struct Line {
    /// The line's bytes, without the line end.
    pub bytes: Vec<u8>,
    /// Offset of the line's first byte in the decompressed stream.
    pub offset: u64,
    /// 1-based line number.
    pub number: u64,
    /// The line was longer than [`MAX_LINE`] and was cut.
    pub too_long: bool,
}

impl Line {
    /// The line as text (invalid UTF-8 replaced).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.bytes)
    }
}

/// Reads lines from an [`Input`].
pub struct Lines<'a, 'b> {
    input: &'a mut Input<'b>,
    number: u64,
    max: usize,
}

impl<'a, 'b> Lines<'a, 'b> {
    pub fn new(input: &'a mut Input<'b>) -> Self {
        Lines { input, number: 0, max: MAX_LINE }
    }

    #[cfg(test)]
    pub fn with_max(input: &'a mut Input<'b>, max: usize) -> Self {
        Lines { input, number: 0, max }
    }

    /// Offset of the next byte to read.
    pub fn offset(&self) -> u64 {
        self.input.offset()
    }

    /// Reads the next line into `line`; `Ok(false)` at the end of the stream.
    pub fn next_line(&mut self, line: &mut Line) -> io::Result<bool> {
        line.bytes.clear();
        line.too_long = false;
        line.offset = self.input.offset();
        let mut saw_any = false;
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                break;
            }
            saw_any = true;
            let (chunk, used, done) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (&buf[..i], i + 1, true),
                None => (buf, buf.len(), false),
            };
            let room = self.max.saturating_sub(line.bytes.len());
            if chunk.len() > room {
                line.too_long = true;
            }
            line.bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
            self.input.consume(used);
            if done {
                break;
            }
        }
        if !saw_any {
            return Ok(false);
        }
        if line.bytes.last() == Some(&b'\r') {
            line.bytes.pop();
        }
        self.number += 1;
        line.number = self.number;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_offsets_numbers_and_caps() {
        let data = b"ab\r\ncdefgh\n\nlast";
        let mut input = Input::from_bytes(data);
        let mut lines = Lines::with_max(&mut input, 4);
        let mut l = Line::default();
        let mut got = Vec::new();
        while lines.next_line(&mut l).unwrap() {
            got.push((l.bytes.clone(), l.offset, l.number, l.too_long));
        }
        assert_eq!(
            got,
            vec![
                (b"ab".to_vec(), 0, 1, false),
                (b"cdef".to_vec(), 4, 2, true),
                (b"".to_vec(), 11, 3, false),
                (b"last".to_vec(), 12, 4, false)
            ]
        );
    }
}
