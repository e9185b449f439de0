//! Decompression off the parsing thread.
//!
//! In: a raw reader over a compressed file and its [`Compression`]. Out: a reader over the
//! decompressed bytes whose decompression runs on other threads: bzip2 block by block on
//! `threads` workers ([`crate::bzip2_parallel`]), gzip, xz and zstd on one thread of their own
//! that reads ahead a few MiB. The parser then uses its core for parsing while decompression
//! goes on next to it. Output bytes and errors are the same as the sequential decoders'.

use crate::bzip2_parallel::ParallelBzDecoder;
use crate::compress::Compression;
use std::io::{self, Read};
use std::sync::mpsc::{Receiver, sync_channel};
use std::thread::JoinHandle;

/// Bytes per chunk handed from the decompressing thread.
const CHUNK: usize = 1 << 20;
/// Chunks in flight.
const DEPTH: usize = 4;

/// A reader whose source is read on another thread.
pub struct ReadAhead {
    rx: Receiver<io::Result<Vec<u8>>>,
    current: Vec<u8>,
    pos: usize,
    done: bool,
    handle: Option<JoinHandle<()>>,
}

impl ReadAhead {
    pub fn new<R: Read + Send + 'static>(mut inner: R) -> Self {
        let (tx, rx) = sync_channel(DEPTH);
        let handle = std::thread::spawn(move || {
            lower_helper_priority();
            loop {
                let mut buf = vec![0u8; CHUNK];
                let mut n = 0;
                let mut err = None;
                while n < CHUNK {
                    match inner.read(&mut buf[n..]) {
                        Ok(0) => break,
                        Ok(k) => n += k,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            err = Some(e);
                            break;
                        }
                    }
                }
                buf.truncate(n);
                let end = n == 0 || err.is_some();
                if n > 0 && tx.send(Ok(buf)).is_err() {
                    return;
                }
                if let Some(e) = err {
                    let _ = tx.send(Err(e));
                    return;
                }
                if end {
                    return;
                }
            }
        });
        ReadAhead { rx, current: Vec::new(), pos: 0, done: false, handle: Some(handle) }
    }
}

impl Read for ReadAhead {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.current.len() {
            if self.done {
                return Ok(0);
            }
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    self.current = chunk;
                    self.pos = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => {
                    self.done = true;
                    return Ok(0);
                }
            }
        }
        let n = out.len().min(self.current.len() - self.pos);
        out[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        // Unblock the reading thread (it stops at its next send), then wait for it.
        let (_, rx) = sync_channel(1);
        let old = std::mem::replace(&mut self.rx, rx);
        drop(old);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// The nice value helper threads add to their own (`LIGHTSOUT_HELPER_NICE`, default 5; 0
/// leaves them alone).
pub const DEFAULT_HELPER_NICE: i32 = 5;

/// Lowers the calling thread's scheduling priority (Linux: nice values are per thread) for
/// the decompression helpers that feed the parsing thread: bzip2 block workers and the
/// read-ahead thread. The parser is the one serial stage; with the helpers a little lower it
/// runs whenever it can and they fill the gaps, instead of all of them sharing two cores
/// evenly (bz2 bench corpus on 2 cores: 8.2 s -> 7.6 s at the same CPU time). A helper never
/// waits on a starved parser for long: when the parser blocks, the helpers run. The Parquet
/// writer threads keep their priority: lowered too, their queues stayed full and peak memory
/// grew by a fifth for no gain.
pub fn lower_helper_priority() {
    let nice = std::env::var("LIGHTSOUT_HELPER_NICE").ok().and_then(|v| v.parse::<i32>().ok()).unwrap_or(DEFAULT_HELPER_NICE);
    if nice <= 0 {
        return;
    }
    #[cfg(target_os = "linux")]
    // SAFETY: getpriority/setpriority on the calling thread (who = 0) only read and change
    // its nice value; errors (a value out of range) leave it as it was.
    unsafe {
        let current = libc::getpriority(libc::PRIO_PROCESS, 0);
        libc::setpriority(libc::PRIO_PROCESS, 0, (current + nice).min(19));
    }
}

/// Files smaller than this are decompressed on the parsing thread (threads cost more than
/// they save on small files).
pub const PARALLEL_MIN_BYTES: u64 = 1 << 20;

/// A decoder for `compression` over `raw` that decompresses on other threads when the file is
/// large enough (`size` compressed bytes) and `threads` > 1.
pub fn parallel_decoder(
    compression: Compression,
    raw: Box<dyn Read + Send + 'static>,
    size: u64,
    threads: usize,
) -> io::Result<Box<dyn Read + Send + 'static>> {
    if size < PARALLEL_MIN_BYTES || threads < 2 {
        return compression.decoder(raw);
    }
    Ok(match compression {
        Compression::None => raw,
        Compression::Bzip2 => Box::new(ParallelBzDecoder::new(io::BufReader::with_capacity(1 << 20, raw), threads)),
        other => Box::new(ReadAhead::new(other.decoder(raw)?)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn read_ahead_gives_the_same_bytes_and_errors() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&data).unwrap();
        let gz = gz.finish().unwrap();
        let mut out = Vec::new();
        parallel_decoder(Compression::Gzip, Box::new(io::Cursor::new(gz.clone())), 10 << 20, 2).unwrap().read_to_end(&mut out).unwrap();
        assert!(out == data);
        let cut = gz[..gz.len() / 2].to_vec();
        let mut out = Vec::new();
        let r = parallel_decoder(Compression::Gzip, Box::new(io::Cursor::new(cut)), 10 << 20, 2).unwrap().read_to_end(&mut out);
        assert!(r.is_err(), "a cut gzip stream is an error");
    }
}
