//! Lines of a text stream, with their offsets and numbers, and a cap on their length.
//!
//! In: an [`Input`]. Out: one [`Line`] at a time (the bytes without the line break, the byte
//! offset of its first byte in the decompressed stream, its 1-based number). A line longer
//! than the cap is not buffered: its first bytes are kept for the excerpt and the rest is
//! read past, so one absurd line costs no more memory than the cap.

use crate::compress::Input;
use std::io::{self, BufRead};

/// One line of input.
#[derive(Debug)]
pub enum Line<'a> {
    /// A line of at most the cap (without its `\n` or `\r\n`).
    Text { offset: u64, number: u64, bytes: &'a [u8] },
    /// A line longer than the cap: its length and its first bytes.
    TooLong { offset: u64, number: u64, len: u64, head: &'a [u8] },
}

/// Reads lines of at most `cap` bytes.
pub struct LineReader {
    cap: usize,
    buf: Vec<u8>,
    number: u64,
}

/// Bytes of an over-long line kept for its excerpt.
const HEAD: usize = 256;

impl LineReader {
    pub fn new(cap: usize) -> Self {
        LineReader { cap, buf: Vec::new(), number: 0 }
    }

    /// The number of the line returned last.
    pub fn number(&self) -> u64 {
        self.number
    }

    /// The next line, or `None` at the end of the stream.
    pub fn next_line<'a>(&'a mut self, input: &mut Input<'_>) -> io::Result<Option<Line<'a>>> {
        self.buf.clear();
        let offset = input.offset();
        let mut len: u64 = 0;
        let mut too_long = false;
        let mut saw_any = false;
        loop {
            let avail = input.fill_buf()?;
            if avail.is_empty() {
                break;
            }
            saw_any = true;
            let (take, done) = match avail.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (avail.len(), false),
            };
            let chunk = &avail[..take];
            len += take as u64;
            if !too_long {
                if self.buf.len() + chunk.len() <= self.cap.saturating_add(2) {
                    self.buf.extend_from_slice(chunk);
                } else {
                    too_long = true;
                    let room = HEAD.saturating_sub(self.buf.len());
                    self.buf.extend_from_slice(&chunk[..room.min(chunk.len())]);
                    self.buf.truncate(HEAD);
                }
            }
            input.consume(take);
            if done {
                break;
            }
        }
        if !saw_any {
            return Ok(None);
        }
        self.number += 1;
        if !too_long {
            if self.buf.last() == Some(&b'\n') {
                self.buf.pop();
            }
            if self.buf.last() == Some(&b'\r') {
                self.buf.pop();
            }
            if self.buf.len() > self.cap {
                too_long = true;
                self.buf.truncate(HEAD);
            }
        }
        Ok(Some(if too_long {
            Line::TooLong { offset, number: self.number, len, head: &self.buf }
        } else {
            Line::Text { offset, number: self.number, bytes: &self.buf }
        }))
    }
}

/// Whether a line holds nothing but white space.
pub fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| b.is_ascii_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(data: &[u8], cap: usize) -> Vec<(u64, u64, String, bool)> {
        let mut input = Input::with_capacity(Box::new(data), 64);
        let mut r = LineReader::new(cap);
        let mut out = Vec::new();
        while let Some(l) = r.next_line(&mut input).unwrap() {
            out.push(match l {
                Line::Text { offset, number, bytes } => (offset, number, String::from_utf8_lossy(bytes).into_owned(), false),
                Line::TooLong { offset, number, len, .. } => (offset, number, format!("{len}"), true),
            });
        }
        out
    }

    #[test]
    fn offsets_numbers_and_caps() {
        let mut data = b"a\r\nbb\n".to_vec();
        data.extend(vec![b'x'; 300]);
        data.extend(b"\nlast");
        let lines = collect(&data, 100);
        assert_eq!(lines[0], (0, 1, "a".into(), false));
        assert_eq!(lines[1], (3, 2, "bb".into(), false));
        assert_eq!(lines[2], (6, 3, "301".into(), true));
        assert_eq!(lines[3], (307, 4, "last".into(), false));
        assert_eq!(lines.len(), 4);
        assert!(collect(b"", 10).is_empty());
        assert!(!collect(&[b'y'; 10], 10)[0].3);
        assert!(collect(&[b'y'; 11], 10)[0].3);
    }
}
