//! The warts read loop: records framed by their 8-byte headers, damage skipped.
//!
//! In: a decompressed warts stream. Out: trace and ping rows through
//! [`crate::traceroute::rows`], rejects, and [`ReadStats`].
//!
//! A record is `0x1205`, a 16-bit object type and a 32-bit length, then the body. Bodies are
//! read only up to [`MAX_RECORD`] bytes, and grown as bytes arrive rather than allocated from
//! the length. Where no plausible header starts, the bytes up to the next header that is
//! confirmed by the header after it (or by the end of the stream) are skipped as one reject.
//! A record cut short by the end of the stream is one reject covering its bytes.
//!
//! Accounting: lists, cycle starts/stops, file-wide addresses and the object types that carry
//! no traceroute or ping (dealias, neighbourdisc, tbit, sting, sniff, host, http, udpprobe) are
//! skipped records; traces and pings are rows or one reject each; tracelb objects are one
//! reject each ("tracelb not supported").

use super::params::{Cur, DecodeError, GlobalAddrs, read_params};
use super::{ping::decode_ping, trace::decode_trace};
use crate::compress::Input;
use crate::format::{EXCERPT_BYTES, FileContext, FormatError, ReadStats, Reject, Sink};
use crate::traceroute::rows::TraceOut;
use std::io::{BufRead, Read};

/// The warts magic number.
pub const MAGIC: u16 = 0x1205;
/// Largest record body read.
pub const MAX_RECORD: u32 = 64 << 20;
/// Largest list, cycle or address record (they hold a few names and numbers).
const MAX_SMALL_RECORD: u32 = 1 << 16;

/// The name of an object type.
pub fn type_name(ty: u16) -> &'static str {
    match ty {
        1 => "list",
        2 => "cycle-start",
        3 => "cycle-def",
        4 => "cycle-stop",
        5 => "address",
        6 => "trace",
        7 => "ping",
        8 => "tracelb",
        9 => "dealias",
        10 => "neighbourdisc",
        11 => "tbit",
        12 => "sting",
        13 => "sniff",
        14 => "host",
        15 => "http",
        16 => "udpprobe",
        _ => "unknown",
    }
}

/// The object type and body length of a plausible record header (at least 8 bytes).
pub fn plausible_header(h: &[u8]) -> Option<(u16, u32)> {
    if h.len() < 8 || u16::from_be_bytes([h[0], h[1]]) != MAGIC {
        return None;
    }
    let ty = u16::from_be_bytes([h[2], h[3]]);
    let len = u32::from_be_bytes([h[4], h[5], h[6], h[7]]);
    let max = match ty {
        1..=5 => MAX_SMALL_RECORD,
        6..=16 => MAX_RECORD,
        _ => return None,
    };
    (len >= 1 && len <= max).then_some((ty, len))
}

/// Whether a header at `i` of `win` is confirmed: the next header is plausible too, or lies
/// past what the window shows.
fn confirmed(win: &[u8], i: usize, len: u32) -> bool {
    let next = i + 8 + len as usize;
    match win.get(next..next + 8) {
        Some(h) => plausible_header(h).is_some(),
        None => true,
    }
}

struct Reader<'s> {
    out: TraceOut<'s>,
    global: GlobalAddrs,
    problems: Vec<String>,
}

impl Reader<'_> {
    fn record(&mut self, ty: u16, body: &[u8], at: u64, end: u64, head: &[u8]) -> Result<(), FormatError> {
        let reject = |reason: String| Reject::binary(at, reason, head).with_end(end);
        match ty {
            6 => {
                self.problems.clear();
                match decode_trace(body, &self.global, at, &mut self.problems) {
                    Ok(t) => {
                        self.out.trace(&t)?;
                        let problems = std::mem::take(&mut self.problems);
                        self.out.partial(reject(String::new()), &problems)?;
                    }
                    Err(e) => self.out.reject(reject(format!("trace record: {e}")))?,
                }
            }
            7 => match decode_ping(body, &self.global, at) {
                Ok(p) => self.out.ping(&p)?,
                Err(e) => self.out.reject(reject(format!("ping record: {e}")))?,
            },
            8 => self.out.reject(reject("tracelb not supported".into()))?,
            5 => match self.global.add(body) {
                Ok(()) => self.out.skipped(),
                Err(e) => self.out.reject(reject(e.0))?,
            },
            1..=4 => match check_bookkeeping(ty, body) {
                Ok(()) => self.out.skipped(),
                Err(e) => self.out.reject(reject(format!("{} record: {e}", type_name(ty))))?,
            },
            _ => self.out.skipped(),
        }
        Ok(())
    }

    /// Skips from the current position, where no plausible header starts, to the next
    /// confirmed header or the end; one reject for the range.
    fn resync(&mut self, input: &mut Input<'_>, why: &str) -> Result<(), FormatError> {
        let start = input.offset();
        let head = input.peek(EXCERPT_BYTES).map(<[u8]>::to_vec).unwrap_or_default();
        input.consume(1);
        loop {
            let win = match input.peek(usize::MAX) {
                Ok(w) => w,
                Err(e) => {
                    let at = input.offset();
                    self.out.reject(Reject::binary(start, why, &head).with_end(at))?;
                    return self.out.broke_off(at, &e);
                }
            };
            if win.len() < 8 {
                let n = win.len();
                input.consume(n);
                break;
            }
            let found = (0..=win.len() - 8).find(|&i| {
                win[i] == 0x12 && win[i + 1] == 0x05 && plausible_header(&win[i..]).is_some_and(|(_, len)| confirmed(win, i, len))
            });
            match found {
                Some(i) => {
                    input.consume(i);
                    break;
                }
                None => {
                    let n = win.len() - 7;
                    input.consume(n);
                }
            }
        }
        let end = input.offset();
        let reason = format!("{why}; skipped {} bytes to the next record header", end - start);
        self.out.reject(Reject::binary(start, reason, &head).with_end(end))
    }
}

/// Parses list, cycle-start/def and cycle-stop records, which only carry bookkeeping.
fn check_bookkeeping(ty: u16, body: &[u8]) -> Result<(), DecodeError> {
    let mut c = Cur::new(body);
    match ty {
        1 => {
            c.u32("list id")?;
            c.u32("list number")?;
            c.string("list name")?;
            read_params(&mut c, "list", |id, c| {
                match id {
                    1 => c.string("list description")?,
                    2 => c.string("list monitor")?,
                    _ => return Ok(false),
                };
                Ok(true)
            })
        }
        2 | 3 => {
            c.u32("cycle id")?;
            c.u32("cycle list id")?;
            c.u32("cycle number")?;
            c.u32("cycle start time")?;
            read_params(&mut c, "cycle", |id, c| {
                match id {
                    1 => {
                        c.u32("cycle stop time")?;
                    }
                    2 => {
                        c.string("cycle hostname")?;
                    }
                    _ => return Ok(false),
                }
                Ok(true)
            })
        }
        _ => {
            c.u32("cycle id")?;
            c.u32("cycle stop time")?;
            Ok(())
        }
    }
}

/// Reads a warts stream into `traceroutes`, `traceroute_hops` and `pings`.
pub fn read_warts(input: &mut Input<'_>, ctx: &FileContext, sink: &mut dyn Sink) -> Result<ReadStats, FormatError> {
    let mut r = Reader { out: TraceOut::new(ctx, sink, "warts"), global: GlobalAddrs::default(), problems: Vec::new() };
    let mut body = Vec::new();
    let mut records = 0u64;
    loop {
        let at = input.offset();
        let head = match input.peek(EXCERPT_BYTES) {
            Ok(h) => h,
            Err(e) => {
                r.out.broke_off(at, &e)?;
                break;
            }
        };
        if head.is_empty() {
            break;
        }
        let Some((ty, len)) = plausible_header(head) else {
            let why = if head.len() < 8 {
                format!("{} bytes at the end, too short for a record header", head.len())
            } else {
                format!("no warts record header (bytes {})", hex::encode(&head[..8]))
            };
            r.resync(input, &why)?;
            continue;
        };
        let head = head.to_vec();
        input.consume(8);
        body.clear();
        let read = (&mut *input).take(u64::from(len)).read_to_end(&mut body);
        let end = input.offset();
        match read {
            Err(e) => {
                r.out.reject(Reject::binary(at, format!("{} record cut short", type_name(ty)), &head).with_end(end))?;
                r.out.broke_off(end, &e)?;
                break;
            }
            Ok(n) if n < len as usize => {
                let reason = format!("truncated {} record: header says {len} bytes, {n} present", type_name(ty));
                r.out.reject(Reject::binary(at, reason, &head).with_end(end))?;
                break;
            }
            Ok(_) => r.record(ty, &body, at, end, &head)?,
        }
        records += 1;
        if records % 4096 == 0 {
            r.out.progress(end);
        }
    }
    r.out.progress(input.offset());
    r.out.finish()
}
