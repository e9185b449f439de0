//! Compression: sniffed from magic bytes, never from the file name.
//!
//! In: the first bytes of a file and a reader over it. Out: [`Compression`] and an [`Input`],
//! a buffered reader over the *decompressed* stream that knows how many decompressed bytes
//! have been consumed (the offsets in `ingest_rejects` are offsets in that stream), can show
//! the head of the stream for format sniffing without consuming it, and never holds more than
//! its buffer. Multi-member gzip, multi-stream bzip2 and xz, and multi-frame zstd are read to
//! the end.

use std::fmt;
use std::io::{self, BufRead, Read};

/// The compression of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    None,
    Gzip,
    Bzip2,
    Xz,
    Zstd,
}

impl Compression {
    /// Sniffs the compression from the first bytes of a file (at least 6 bytes are needed to
    /// recognise xz; fewer simply give `None`).
    pub fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.len() >= 4 && head.starts_with(b"BZh") && (b'1'..=b'9').contains(&head[3]) {
            Compression::Bzip2
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
            Compression::Xz
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    /// The name used in the ledger (`ingest_files.compression`).
    pub const fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Bzip2 => "bzip2",
            Compression::Xz => "xz",
            Compression::Zstd => "zstd",
        }
    }

    /// Wraps `raw` (positioned at the start of the file) in the matching decoder.
    pub fn decoder<'a>(self, raw: Box<dyn Read + Send + 'a>) -> io::Result<Box<dyn Read + Send + 'a>> {
        Ok(match self {
            Compression::None => raw,
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(io::BufReader::with_capacity(1 << 16, raw))),
            Compression::Bzip2 => Box::new(crate::bzip2_parallel::ParallelBzDecoder::new(io::BufReader::with_capacity(1 << 16, raw), 0)),
            Compression::Xz => Box::new(liblzma::read::XzDecoder::new_multi_decoder(io::BufReader::with_capacity(1 << 16, raw))),
            Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(raw)?),
        })
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Default cap on the expansion of a compressed file (`--max-ratio`): its decompressed stream
/// is read up to this many times its compressed size.
pub const DEFAULT_MAX_RATIO: u64 = 100;

/// The cap never falls below this many decompressed bytes, so that small files of very
/// repetitive text are read whole.
pub const MIN_DECOMPRESSED_LIMIT: u64 = 1 << 20;

/// The most decompressed bytes read from a compressed file of `compressed` bytes under a ratio
/// cap of `ratio` (`None`: no cap, when `ratio` is 0).
pub fn decompressed_limit(compressed: u64, ratio: u64) -> Option<u64> {
    (ratio > 0).then(|| compressed.saturating_mul(ratio).max(MIN_DECOMPRESSED_LIMIT))
}

/// The decompressed stream outgrew its cap: a possible decompression bomb.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "decompressed stream exceeds {limit} bytes, the cap for a {compressed}-byte file (--max-ratio {ratio}, at least 1 MiB): stopped as a possible decompression bomb (--max-ratio 0 reads it whole)"
)]
pub struct TooLarge {
    pub limit: u64,
    pub compressed: u64,
    pub ratio: u64,
}

/// A reader over a decompressed stream that fails with [`TooLarge`] (an `io::Error` of kind
/// `Other`) once more than `limit` bytes would come out of it. The bytes up to the limit are
/// delivered, so a reader keeps what came before and reports the stop as a broken stream.
pub struct Capped<R> {
    inner: R,
    left: u64,
    err: TooLarge,
}

impl<R: Read> Capped<R> {
    /// Caps `inner`, the decompressed stream of a file of `compressed` bytes, at `limit` bytes.
    pub fn new(inner: R, limit: u64, compressed: u64, ratio: u64) -> Self {
        Capped { inner, left: limit, err: TooLarge { limit, compressed, ratio } }
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            // At the cap: the stream may end exactly here; one more byte means it is larger.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::other(self.err.clone())),
            };
        }
        let n = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let got = self.inner.read(&mut buf[..n])?;
        self.left -= got as u64;
        Ok(got)
    }
}

/// Default buffer size of an [`Input`].
pub const INPUT_BUFFER: usize = 1 << 18;

/// A buffered reader over a decompressed stream that counts consumed bytes.
///
/// `offset()` is the number of decompressed bytes handed out so far (consumed through `read`
/// or `consume`), which is what readers put in `ingest_rejects.offset`.
pub struct Input<'a> {
    inner: Box<dyn Read + Send + 'a>,
    buf: Vec<u8>,
    pos: usize,
    cap: usize,
    consumed: u64,
    eof: bool,
}

impl<'a> Input<'a> {
    /// Wraps a reader (already decompressed).
    pub fn new(inner: Box<dyn Read + Send + 'a>) -> Self {
        Self::with_capacity(inner, INPUT_BUFFER)
    }

    pub fn with_capacity(inner: Box<dyn Read + Send + 'a>, capacity: usize) -> Self {
        Input { inner, buf: vec![0; capacity.max(64)], pos: 0, cap: 0, consumed: 0, eof: false }
    }

    /// An input over bytes in memory (tests, fuzzing).
    pub fn from_bytes(bytes: &'a [u8]) -> Self {
        Self::new(Box::new(bytes))
    }

    /// Decompressed bytes consumed so far.
    pub fn offset(&self) -> u64 {
        self.consumed
    }

    /// Returns up to `n` bytes from the current position without consuming them (fewer only
    /// at the end of the stream). `n` is capped at the buffer size.
    pub fn peek(&mut self, n: usize) -> io::Result<&[u8]> {
        let n = n.min(self.buf.len());
        if self.cap - self.pos < n && !self.eof {
            self.buf.copy_within(self.pos..self.cap, 0);
            self.cap -= self.pos;
            self.pos = 0;
            while self.cap < n {
                match self.inner.read(&mut self.buf[self.cap..]) {
                    Ok(0) => {
                        self.eof = true;
                        break;
                    }
                    Ok(k) => self.cap += k,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        let end = (self.pos + n).min(self.cap);
        Ok(&self.buf[self.pos..end])
    }

    /// Reads and discards everything up to the end, returning how many bytes that was (used to
    /// account for the tail of a stream a reader gave up on).
    pub fn drain(&mut self) -> io::Result<u64> {
        let mut total = 0u64;
        loop {
            let n = self.fill_buf()?.len();
            if n == 0 {
                return Ok(total);
            }
            self.consume(n);
            total += n as u64;
        }
    }
}

impl Read for Input<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.cap && out.len() >= self.buf.len() {
            // Large reads bypass the buffer.
            let n = self.inner.read(out)?;
            self.consumed += n as u64;
            return Ok(n);
        }
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Input<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.cap && !self.eof {
            self.pos = 0;
            self.cap = 0;
            loop {
                match self.inner.read(&mut self.buf) {
                    Ok(0) => {
                        self.eof = true;
                        break;
                    }
                    Ok(k) => {
                        self.cap = k;
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(&self.buf[self.pos..self.cap])
    }

    fn consume(&mut self, amt: usize) {
        let amt = amt.min(self.cap - self.pos);
        self.pos += amt;
        self.consumed += amt as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn sniffs_magic_bytes() {
        assert_eq!(Compression::sniff(&[0x1f, 0x8b, 8, 0]), Compression::Gzip);
        assert_eq!(Compression::sniff(b"BZh91AY&SY"), Compression::Bzip2);
        assert_eq!(Compression::sniff(b"BZhX"), Compression::None);
        assert_eq!(Compression::sniff(&[0xfd, b'7', b'z', b'X', b'Z', 0]), Compression::Xz);
        assert_eq!(Compression::sniff(&[0x28, 0xb5, 0x2f, 0xfd, 0]), Compression::Zstd);
        assert_eq!(Compression::sniff(b""), Compression::None);
    }

    #[test]
    fn multi_member_gzip_is_read_to_the_end() {
        let mut all = Vec::new();
        for part in [b"hello ".as_slice(), b"world"] {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(part).unwrap();
            all.extend(e.finish().unwrap());
        }
        let mut r = Compression::Gzip.decoder(Box::new(io::Cursor::new(all))).unwrap();
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        assert_eq!(s, "hello world");
    }

    #[test]
    fn a_capped_stream_stops_past_its_limit_and_not_at_it() {
        let data = vec![7u8; 1000];
        let mut exact = Capped::new(io::Cursor::new(data.clone()), 1000, 10, 100);
        let mut out = Vec::new();
        assert_eq!(exact.read_to_end(&mut out).unwrap(), 1000);
        let mut over = Capped::new(io::Cursor::new(data), 999, 10, 100);
        let mut out = Vec::new();
        let e = over.read_to_end(&mut out).unwrap_err();
        assert_eq!(out.len(), 999, "the bytes up to the cap are delivered");
        let why = e.get_ref().and_then(|e| e.downcast_ref::<TooLarge>()).unwrap();
        assert_eq!(why.limit, 999);
        assert!(e.to_string().contains("possible decompression bomb"), "{e}");
        assert_eq!(decompressed_limit(10, 0), None);
        assert_eq!(decompressed_limit(10, 100), Some(MIN_DECOMPRESSED_LIMIT));
        assert_eq!(decompressed_limit(1 << 30, 100), Some(100 << 30));
    }

    #[test]
    fn input_counts_offsets_and_peeks_without_consuming() {
        let data: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
        let mut input = Input::with_capacity(Box::new(io::Cursor::new(data.clone())), 64);
        assert_eq!(input.peek(10).unwrap(), &data[..10]);
        assert_eq!(input.offset(), 0);
        let mut b = [0u8; 100];
        input.read_exact(&mut b).unwrap();
        assert_eq!(&b[..], &data[..100]);
        assert_eq!(input.offset(), 100);
        assert_eq!(input.peek(64).unwrap(), &data[100..164]);
        assert_eq!(input.drain().unwrap(), 900);
        assert_eq!(input.offset(), 1000);
    }
}
