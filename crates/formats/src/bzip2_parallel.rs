//! bzip2 decompression on several cores, block by block (as lbzip2 does).
//!
//! In: a reader over a bzip2 file (one or more streams). Out: a reader over the decompressed
//! bytes, the same bytes a sequential decoder gives, in order.
//!
//! A bzip2 stream is a header (`BZh1`..`BZh9`), blocks that each start with the 48-bit magic
//! 0x314159265359 (not byte-aligned) and carry their own CRC, and an end-of-stream magic
//! 0x177245385090 with the stream CRC. Each block decompresses on its own: it is cut out of
//! the bit stream and handed to a worker thread (or, with no workers, decompressed on the
//! reading thread), which decodes it with [`crate::bzip2_block`] (about twice libbzip2's
//! speed). A block that decoder refuses is wrapped as a one-block stream (`BZh9`, the block,
//! the end magic, the block CRC as the stream CRC) for libbzip2, whose verdict stands. The
//! reader keeps a bounded number of blocks in flight and serves their output in order. A block that does not decompress
//! (damage, a truncated file, or a false magic inside compressed data) is decompressed again
//! joined with the next block; if that fails too, the reader returns the error after the
//! output of every block before it, as a sequential decoder would.

use std::collections::BTreeMap;

use crate::bzip2_block::BlockDecoder;
use std::io::{self, Read};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

const BLOCK_MAGIC: u64 = 0x3141_5926_5359;
const EOS_MAGIC: u64 = 0x1772_4538_5090;
const MASK48: u64 = (1 << 48) - 1;
/// Compressed bytes read at a time.
const CHUNK: usize = 4 << 20;
/// Largest compressed block accepted (a bzip2 block is at most 900 kB before compression and
/// rarely grows; anything much larger means the boundaries are wrong).
const MAX_BLOCK_BYTES: usize = 4 << 20;

/// A segment of the bit stream: a block from its magic to the next magic.
struct Job {
    seq: u64,
    bits: BitBuf,
}

struct Done {
    seq: u64,
    out: Result<Vec<u8>, (String, BitBuf)>,
}

/// Bits copied out of the compressed stream, starting at bit 0 of `bytes`.
#[derive(Clone)]
struct BitBuf {
    bytes: Vec<u8>,
    nbits: u64,
}

impl BitBuf {
    fn append(&mut self, other: &BitBuf) {
        let mut w = BitWriter { out: std::mem::take(&mut self.bytes), nbits: self.nbits };
        w.copy_bits(&other.bytes, 0, other.nbits);
        self.bytes = w.out;
        self.nbits = w.nbits;
    }
}

struct BitWriter {
    out: Vec<u8>,
    nbits: u64,
}

impl BitWriter {
    fn push(&mut self, value: u64, n: u32) {
        for i in (0..n).rev() {
            let bit = (value >> i) & 1;
            if self.nbits.is_multiple_of(8) {
                self.out.push(0);
            }
            if bit == 1 {
                let last = self.out.len() - 1;
                self.out[last] |= 0x80 >> (self.nbits % 8);
            }
            self.nbits += 1;
        }
    }

    /// Appends bits `[from, from + n)` of `src`.
    fn copy_bits(&mut self, src: &[u8], from: u64, n: u64) {
        let mut i = 0;
        if self.nbits.is_multiple_of(8) {
            // Whole bytes: each output byte is two source bytes shifted.
            let shift = (from % 8) as u32;
            let first = (from / 8) as usize;
            let whole = (n / 8) as usize;
            self.out.reserve(whole + 1);
            for k in 0..whole {
                let hi = src.get(first + k).copied().unwrap_or(0) as u16;
                let lo = src.get(first + k + 1).copied().unwrap_or(0) as u16;
                self.out.push((((hi << 8) | lo) << shift >> 8) as u8);
            }
            self.nbits += whole as u64 * 8;
            i = whole as u64 * 8;
        }
        while i < n {
            let pos = from + i;
            let take = (n - i).min(8) as u32;
            let byte_idx = (pos / 8) as usize;
            let shift = pos % 8;
            let word = ((src.get(byte_idx).copied().unwrap_or(0) as u16) << 8) | src.get(byte_idx + 1).copied().unwrap_or(0) as u16;
            let bits = ((word << shift) >> (16 - take)) as u64 & ((1u64 << take) - 1);
            self.push(bits, take);
            i += take as u64;
        }
    }
}

/// Wraps a segment as a one-block stream.
fn as_stream(seg: &BitBuf) -> Vec<u8> {
    let mut w = BitWriter { out: b"BZh9".to_vec(), nbits: 32 };
    w.copy_bits(&seg.bytes, 0, seg.nbits);
    // The block CRC follows the 48-bit block magic; one block: stream CRC = block CRC.
    let crc = read_bits(&seg.bytes, 48, 32);
    w.push(EOS_MAGIC, 48);
    w.push(crc, 32);
    w.out
}

fn read_bits(src: &[u8], from: u64, n: u32) -> u64 {
    let mut v = 0u64;
    for i in 0..n as u64 {
        let p = from + i;
        let bit = src.get((p / 8) as usize).map(|b| (b >> (7 - (p % 8))) & 1).unwrap_or(0);
        v = (v << 1) | bit as u64;
    }
    v
}

thread_local! {
    static BLOCK_DECODER: std::cell::RefCell<BlockDecoder> = std::cell::RefCell::new(BlockDecoder::new());
}

/// Decompresses a segment with the fast block decoder; a segment it refuses (damage, a block
/// cut by a false magic, a randomised block) goes to libbzip2, whose verdict stands.
fn decompress_segment(seg: &BitBuf) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(1 << 20);
    let fast = BLOCK_DECODER.with(|d| d.borrow_mut().decode(&seg.bytes, seg.nbits, &mut out));
    // The block must fill its segment: bits left over mean a cut stream or damage.
    if fast.is_ok_and(|used| used == seg.nbits) {
        return Ok(out);
    }
    decompress_segment_libbz2(seg)
}

/// Decompresses the block whose magic starts at bit 0 of `bytes` (`nbits` long) with
/// libbzip2, the reference the fast decoder is checked against (tests, fuzzing).
pub fn decode_block_with_libbz2(bytes: &[u8], nbits: u64) -> Result<Vec<u8>, String> {
    decompress_segment_libbz2(&BitBuf { bytes: bytes.to_vec(), nbits })
}

fn decompress_segment_libbz2(seg: &BitBuf) -> Result<Vec<u8>, String> {
    let stream = as_stream(seg);
    let mut out = Vec::with_capacity(1 << 20);
    bzip2::read::BzDecoder::new(&stream[..]).read_to_end(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// The values the byte after a magic's first (partial) byte can take.
static SECOND_BYTE: std::sync::LazyLock<[bool; 256]> = std::sync::LazyLock::new(|| {
    let mut t = [false; 256];
    for magic in [BLOCK_MAGIC, EOS_MAGIC] {
        for shift in 0..8u32 {
            // The magic starts `shift` bits into byte k; byte k + 1 holds its bits
            // 8 - shift .. 16 - shift.
            t[((magic >> (48 - 16 + shift)) & 0xff) as usize] = true;
        }
    }
    t
});

/// Finds the bit offsets of block and end-of-stream magics in `buf` that start at or after
/// bit `from`.
fn magics(buf: &[u8], from: u64) -> Vec<(u64, bool)> {
    let mut found = Vec::new();
    let start_byte = (from / 8) as usize;
    if buf.len() < start_byte + 7 {
        return found;
    }
    // A 64-bit window over bytes k..k+8 holds every 48-bit string starting in byte k.
    for k in start_byte..=buf.len() - 7 {
        // Byte k + 1 lies inside a magic starting anywhere in byte k: 16 of its 256 values
        // can (two magics, eight shifts).
        if !SECOND_BYTE[buf[k + 1] as usize] {
            continue;
        }
        let mut w = [0u8; 8];
        let avail = (buf.len() - k).min(8);
        w[..avail].copy_from_slice(&buf[k..k + avail]);
        let word = u64::from_be_bytes(w);
        // Quick filter: both magics start with 0x31 or 0x17 somewhere in the first 15 bits.
        for shift in 0..8u32 {
            if avail * 8 < shift as usize + 48 {
                break;
            }
            let v = (word >> (16 - shift)) & MASK48;
            let bit = k as u64 * 8 + shift as u64;
            if bit < from {
                continue;
            }
            if v == BLOCK_MAGIC {
                found.push((bit, true));
            } else if v == EOS_MAGIC {
                found.push((bit, false));
            }
        }
    }
    found
}

/// A bzip2 decoder that decompresses blocks on `workers` threads.
pub struct ParallelBzDecoder<R: Read> {
    /// No worker threads: segments are decompressed as they are cut.
    inline: bool,
    input: R,
    /// Compressed bytes not yet cut into segments; bit 0 of `pending` is `pending_start`.
    pending: Vec<u8>,
    /// Bit offset (within `pending`) where the current segment starts, if inside a block.
    seg_start: Option<u64>,
    /// Bit offset from which to keep scanning for magics.
    scan_from: u64,
    input_done: bool,
    next_seq: u64,
    next_out: u64,
    in_flight: usize,
    max_in_flight: usize,
    jobs: Option<SyncSender<Job>>,
    results: Receiver<Done>,
    ready: BTreeMap<u64, Result<Vec<u8>, (String, BitBuf)>>,
    current: Vec<u8>,
    pos: usize,
    failed: Option<String>,
    /// A failed segment waiting to be joined with the next one.
    carry: Option<BitBuf>,
    /// Segments cut from the input, not yet handed to a worker.
    queued: std::collections::VecDeque<BitBuf>,
    workers: Vec<JoinHandle<()>>,
}

impl<R: Read> ParallelBzDecoder<R> {
    /// A decoder with `workers` threads; with 0, blocks are decompressed on the reading thread
    /// (for small files, and for runs that parallelise across files instead).
    pub fn new(input: R, workers: usize) -> Self {
        let inline = workers == 0;
        let max_in_flight = workers.max(1) * 3;
        // Both channels hold every job in flight: no send ever blocks, so the reader (which
        // sends jobs and receives results on one thread) and the workers cannot wait on each
        // other.
        let (job_tx, job_rx) = sync_channel::<Job>(max_in_flight);
        let (done_tx, done_rx) = sync_channel::<Done>(max_in_flight);
        let job_rx = Arc::new(Mutex::new(job_rx));
        let handles = (0..workers)
            .map(|_| {
                let rx = job_rx.clone();
                let tx = done_tx.clone();
                std::thread::spawn(move || {
                    crate::readahead::lower_helper_priority();
                    loop {
                        let job = match rx.lock() {
                            Ok(r) => r.recv(),
                            Err(_) => return,
                        };
                        let Ok(job) = job else { return };
                        let out = decompress_segment(&job.bits).map_err(|e| (e, job.bits));
                        if tx.send(Done { seq: job.seq, out }).is_err() {
                            return;
                        }
                    }
                })
            })
            .collect();
        ParallelBzDecoder {
            inline,
            input,
            pending: Vec::new(),
            seg_start: None,
            scan_from: 0,
            input_done: false,
            next_seq: 0,
            next_out: 0,
            in_flight: 0,
            max_in_flight,
            queued: std::collections::VecDeque::new(),
            jobs: Some(job_tx),
            results: done_rx,
            ready: BTreeMap::new(),
            current: Vec::new(),
            pos: 0,
            failed: None,
            carry: None,
            workers: handles,
        }
    }

    /// Queues a segment; [`Self::pump`] hands it to a worker when one is free.
    fn submit(&mut self, bits: BitBuf) -> io::Result<()> {
        self.queued.push_back(bits);
        Ok(())
    }

    /// Hands queued segments to the workers while fewer than `max_in_flight` are out.
    fn pump(&mut self) -> io::Result<()> {
        if self.inline {
            while let Some(bits) = self.queued.pop_front() {
                let seq = self.next_seq;
                self.next_seq += 1;
                let out = decompress_segment(&bits).map_err(|e| (e, bits));
                self.ready.insert(seq, out);
            }
            return Ok(());
        }
        while self.in_flight < self.max_in_flight {
            let Some(bits) = self.queued.pop_front() else { break };
            let seq = self.next_seq;
            self.next_seq += 1;
            self.in_flight += 1;
            let tx = self.jobs.as_ref().ok_or_else(|| io::Error::other("bzip2 workers stopped"))?;
            tx.send(Job { seq, bits }).map_err(|_| io::Error::other("bzip2 workers stopped"))?;
        }
        if self.input_done && self.queued.is_empty() {
            self.jobs = None; // let the workers finish
        }
        Ok(())
    }

    /// Reads compressed input and submits complete segments until enough are in flight.
    fn feed(&mut self) -> io::Result<()> {
        while self.queued.len() < self.max_in_flight && !self.input_done {
            // Read straight onto the end of `pending` (no zeroed chunk per read).
            let old = self.pending.len();
            self.pending.resize(old + CHUNK, 0);
            let n = read_full(&mut self.input, &mut self.pending[old..])?;
            self.pending.truncate(old + n);
            if n == 0 {
                self.input_done = true;
            }
            let found = magics(&self.pending, self.scan_from);
            let total_bits = self.pending.len() as u64 * 8;
            for (bit, is_block) in found {
                if let Some(start) = self.seg_start.take() {
                    let bits = extract(&self.pending, start, bit);
                    self.submit(bits)?;
                }
                if is_block {
                    self.seg_start = Some(bit);
                }
            }
            // Rescan the last 47 bits next time: a magic may straddle the chunk boundary.
            self.scan_from = total_bits.saturating_sub(47);
            // Drop bytes nobody needs any more.
            let keep_from_bit = self.seg_start.unwrap_or(self.scan_from).min(self.scan_from);
            let drop = (keep_from_bit / 8) as usize;
            if drop > 0 {
                self.pending.drain(..drop);
                let d = drop as u64 * 8;
                self.scan_from -= d;
                self.seg_start = self.seg_start.map(|s| s - d);
            }
            if self.seg_start.is_some_and(|s| (self.pending.len() as u64 * 8 - s) / 8 > MAX_BLOCK_BYTES as u64) && !self.input_done {
                // No end in sight: give this one to a worker as it is; it fails and is joined.
                let start = self.seg_start.take().unwrap_or(0);
                let bits = extract(&self.pending, start, self.pending.len() as u64 * 8);
                self.submit(bits)?;
                self.pending.clear();
                self.scan_from = 0;
            }
            if self.input_done
                && let Some(start) = self.seg_start.take()
            {
                // A last block without end magic: a truncated file, or damage.
                let bits = extract(&self.pending, start, self.pending.len() as u64 * 8);
                self.submit(bits)?;
            }
        }
        self.pump()
    }

    /// Makes the next block's output current; false at the end.
    fn next_block(&mut self) -> io::Result<bool> {
        loop {
            if let Some(e) = &self.failed {
                return Err(io::Error::new(io::ErrorKind::InvalidData, e.clone()));
            }
            if let Some(res) = self.ready.remove(&self.next_out) {
                self.next_out += 1;
                let last = self.input_done && self.queued.is_empty() && self.next_out == self.next_seq;
                match (self.carry.take(), res) {
                    (None, Ok(bytes)) => {
                        self.current = bytes;
                        self.pos = 0;
                        return Ok(true);
                    }
                    (None, Err((e, bits))) => {
                        if last {
                            self.failed = Some(format!("bzip2 block does not decompress (damaged or truncated): {e}"));
                        } else {
                            // Maybe a false magic split a block: try it joined with the next.
                            self.carry = Some(bits);
                        }
                    }
                    (Some(_), Ok(_)) => {
                        // The next segment is a block of its own: the failed one was damaged.
                        self.failed = Some("bzip2 block does not decompress (damaged)".into());
                    }
                    (Some(mut prev), Err((e, bits))) => {
                        prev.append(&bits);
                        match decompress_segment(&prev) {
                            Ok(bytes) => {
                                self.current = bytes;
                                self.pos = 0;
                                return Ok(true);
                            }
                            Err(_) => self.failed = Some(format!("bzip2 block does not decompress (damaged): {e}")),
                        }
                    }
                }
                continue;
            }
            if self.input_done && self.queued.is_empty() && self.next_out == self.next_seq && self.in_flight == 0 {
                if self.carry.take().is_some() {
                    self.failed = Some("bzip2 stream ends inside a block (truncated file)".into());
                    continue;
                }
                return Ok(false);
            }
            self.feed()?;
            if self.ready.contains_key(&self.next_out) {
                continue;
            }
            if self.in_flight > 0 {
                let done = self.results.recv().map_err(|_| io::Error::other("bzip2 workers stopped"))?;
                self.in_flight -= 1;
                self.ready.insert(done.seq, done.out);
            }
        }
    }
}

fn extract(buf: &[u8], from: u64, to: u64) -> BitBuf {
    let mut w = BitWriter { out: Vec::with_capacity(((to - from) / 8 + 1) as usize), nbits: 0 };
    w.copy_bits(buf, from, to - from);
    BitBuf { bytes: w.out, nbits: w.nbits }
}

fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

impl<R: Read> Read for ParallelBzDecoder<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.current.len() {
            if !self.next_block()? {
                return Ok(0);
            }
        }
        let n = out.len().min(self.current.len() - self.pos);
        out[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl<R: Read> Drop for ParallelBzDecoder<R> {
    fn drop(&mut self) {
        self.jobs = None;
        // Drain results so that no worker blocks on a full channel, then join.
        while self.in_flight > 0 {
            if self.results.recv().is_err() {
                break;
            }
            self.in_flight -= 1;
        }
        for h in self.workers.drain(..) {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bzip2_block::tests::bz;

    fn sample(n: usize) -> Vec<u8> {
        let mut x: u64 = 7;
        (0..n)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                if i % 3 == 0 { (x % 7) as u8 } else { (i / 977) as u8 }
            })
            .collect()
    }

    #[test]
    fn same_bytes_as_the_sequential_decoder_multi_block_and_multi_stream() {
        let a = sample(700_000);
        let b = sample(1_300_000);
        let mut file = bz(&a, 1); // 100 kB blocks: several blocks
        file.extend(bz(&b, 2));
        let mut par = Vec::new();
        ParallelBzDecoder::new(&file[..], 2).read_to_end(&mut par).unwrap();
        let mut expect = a.clone();
        expect.extend(&b);
        assert_eq!(par.len(), expect.len());
        assert!(par == expect);
    }

    #[test]
    fn a_truncated_file_gives_its_complete_blocks_then_an_error() {
        let a = sample(900_000);
        let file = bz(&a, 1);
        let cut = &file[..file.len() * 2 / 3];
        let mut out = Vec::new();
        let mut dec = ParallelBzDecoder::new(cut, 2);
        let mut buf = [0u8; 65536];
        let err = loop {
            match dec.read(&mut buf) {
                Ok(0) => break None,
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => break Some(e),
            }
        };
        assert!(err.is_some(), "a cut stream must not end cleanly");
        assert!(!out.is_empty() && out.len() < a.len());
        assert!(a.starts_with(&out), "what came out is a prefix of the original");
    }

    #[test]
    fn many_blocks_in_one_chunk_do_not_deadlock() {
        // 4 MB at level 1: about 40 blocks in the first chunk read, many more than the jobs
        // in flight (an earlier version blocked sending jobs while workers blocked sending
        // results).
        let a = sample(4_000_000);
        let file = bz(&a, 1);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut out = Vec::new();
            let r = ParallelBzDecoder::new(&file[..], 2).read_to_end(&mut out).map(|_| out);
            let _ = tx.send(r);
        });
        let out = rx.recv_timeout(std::time::Duration::from_secs(120)).expect("decoder hung").unwrap();
        assert!(out == a);
    }

    #[test]
    fn empty_and_tiny_streams() {
        let mut out = Vec::new();
        ParallelBzDecoder::new(&bz(b"", 9)[..], 2).read_to_end(&mut out).unwrap();
        assert!(out.is_empty());
        ParallelBzDecoder::new(&bz(b"hello", 9)[..], 2).read_to_end(&mut out).unwrap();
        assert_eq!(out, b"hello");
    }
}
