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
/// Largest record body a header may announce (larger is damage, not a record).
pub const MAX_RECORD: u32 = 64 << 20;
/// Largest trace or ping body decoded (65535 hops of about 40 bytes is 2.6 MB); a longer one is
/// read past without being buffered and rejected. Bodies of the object types that are only
/// counted are never buffered.
pub const MAX_DECODED: u32 = 16 << 20;
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
        self.out.framed();
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
        r.out.framed();
        input.consume(8);
        body.clear();
        let decoded = matches!(ty, 1..=7) && len <= MAX_DECODED;
        let mut take = (&mut *input).take(u64::from(len));
        let read = if decoded { take.read_to_end(&mut body) } else { std::io::copy(&mut take, &mut std::io::sink()).map(|n| n as usize) };
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
            Ok(_) if !decoded && matches!(ty, 6 | 7) => {
                let reason = format!("{} record of {len} bytes is longer than the {MAX_DECODED}-byte cap", type_name(ty));
                r.out.reject(Reject::binary(at, reason, &head).with_end(end))?;
            }
            Ok(_) => r.record(ty, &body, at, end, &head)?,
        }
        records += 1;
        if records.is_multiple_of(4096) {
            r.out.progress(end);
        }
    }
    r.out.progress(input.offset());
    r.out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::MemorySink;
    use crate::table::Table;
    use arrow_array::Array;
    use arrow_array::cast::AsArray;

    /// A flags/parameters block from (flag id, bytes), ids increasing.
    fn params(fields: &[(u32, Vec<u8>)]) -> Vec<u8> {
        let Some(max) = fields.last().map(|f| f.0) else {
            return vec![0];
        };
        let n = max.div_ceil(7) as usize;
        let mut flags = vec![0u8; n];
        for (id, _) in fields {
            flags[((id - 1) / 7) as usize] |= 1 << ((id - 1) % 7);
        }
        for f in flags.iter_mut().take(n - 1) {
            *f |= 0x80;
        }
        let body: Vec<u8> = fields.iter().flat_map(|f| f.1.clone()).collect();
        let mut out = flags;
        out.extend((body.len() as u16).to_be_bytes());
        out.extend(body);
        out
    }

    fn record(ty: u16, body: &[u8]) -> Vec<u8> {
        let mut r = MAGIC.to_be_bytes().to_vec();
        r.extend(ty.to_be_bytes());
        r.extend((body.len() as u32).to_be_bytes());
        r.extend(body);
        r
    }

    fn v4(a: [u8; 4]) -> Vec<u8> {
        let mut v = vec![4, 1];
        v.extend(a);
        v
    }

    fn tv(sec: u32, usec: u32) -> Vec<u8> {
        let mut v = sec.to_be_bytes().to_vec();
        v.extend(usec.to_be_bytes());
        v
    }

    fn hop(ttl: u8, addr: Vec<u8>, rtt_us: u32, icmp: [u8; 2]) -> Vec<u8> {
        params(&[(2, vec![ttl]), (3, vec![60]), (6, rtt_us.to_be_bytes().to_vec()), (7, icmp.to_vec()), (18, addr)])
    }

    /// A new-style trace: addresses inline, then referenced by index within the object.
    fn trace(start: u32, dst: [u8; 4], hops: &[Vec<u8>]) -> Vec<u8> {
        let mut body = params(&[
            (5, tv(start, 250_000)),
            (6, vec![1]),
            (11, vec![4]),
            (19, (hops.len() as u16).to_be_bytes().to_vec()),
            (26, v4([10, 0, 0, 2])),
            (27, v4(dst)),
        ]);
        body.extend((hops.len() as u16).to_be_bytes());
        for h in hops {
            body.extend(h);
        }
        body.extend([0, 0]);
        record(6, &body)
    }

    fn new_style_file() -> Vec<u8> {
        let mut f = Vec::new();
        let mut list = 1u32.to_be_bytes().to_vec();
        list.extend(0u32.to_be_bytes());
        list.extend(b"default\0");
        list.extend(params(&[(2, b"vp1\0".to_vec())]));
        f.extend(record(1, &list));
        let mut cycle = [1u32, 1, 0, 1_700_000_000].iter().flat_map(|v| v.to_be_bytes()).collect::<Vec<u8>>();
        cycle.extend(params(&[(2, b"vm\0".to_vec())]));
        f.extend(record(2, &cycle));
        // Hop 2 refers to the destination (index 1 of the object's table: src=0, dst=1).
        let reference = vec![0, 0, 0, 0, 1];
        f.extend(trace(1_700_000_001, [192, 0, 2, 9], &[hop(1, v4([10, 0, 0, 1]), 1500, [11, 0]), hop(2, reference, 2500, [3, 3])]));
        f.extend(trace(
            1_700_000_002,
            [198, 18, 1, 1],
            &[hop(1, v4([10, 0, 0, 1]), 1400, [11, 0]), hop(2, v4([10, 9, 9, 9]), 2000, [3, 0])],
        ));
        let mut stop = 1u32.to_be_bytes().to_vec();
        stop.extend(1_700_000_100u32.to_be_bytes());
        stop.push(0);
        f.extend(record(4, &stop));
        f
    }

    fn read(data: &[u8]) -> (MemorySink, ReadStats) {
        let mut input = Input::from_bytes(data);
        let mut sink = MemorySink::default();
        let stats = read_warts(&mut input, &FileContext::new("abcdefabcdefabcd", "t"), &mut sink).unwrap();
        assert_eq!(input.offset(), data.len() as u64);
        (sink, stats)
    }

    fn strs(sink: &MemorySink, t: Table, col: &str) -> Vec<Option<String>> {
        let b = sink.concat(t);
        let a = b.column_by_name(col).unwrap().as_string::<i32>();
        (0..a.len()).map(|i| (!a.is_null(i)).then(|| a.value(i).to_string())).collect()
    }

    #[test]
    fn new_style_objects_with_referenced_addresses() {
        let (sink, stats) = read(&new_style_file());
        assert_eq!((stats.records_ok, stats.records_rejected, stats.records_skipped), (2, 0, 3), "{:?}", sink.rejects);
        assert_eq!(strs(&sink, Table::TracerouteHops, "addr")[1].as_deref(), Some("192.0.2.9"));
        assert_eq!(strs(&sink, Table::Traceroutes, "stop_reason")[0].as_deref(), Some("COMPLETED"));
        let reached = sink.concat(Table::Traceroutes);
        let reached = reached.column_by_name("reached").unwrap().as_boolean();
        assert!(reached.value(0) && !reached.value(1));
        assert_eq!(strs(&sink, Table::TracerouteHops, "icmp_error")[3].as_deref(), Some("net-unreach"));
        assert_eq!(stats.ts_min, Some(1_700_000_001_250_000));
    }

    #[test]
    fn old_style_file_wide_addresses() {
        let mut f = Vec::new();
        f.extend(record(5, &[1, 1, 10, 0, 0, 2])); // id 1: source
        f.extend(record(5, &[2, 1, 192, 0, 2, 1])); // id 2: destination
        f.extend(record(5, &[3, 1, 10, 0, 0, 1])); // id 3: first hop
        let mut body =
            params(&[(3, 1u32.to_be_bytes().to_vec()), (4, 2u32.to_be_bytes().to_vec()), (5, tv(1_000_000_000, 0)), (6, vec![1])]);
        body.extend(2u16.to_be_bytes());
        body.extend(params(&[(1, 3u32.to_be_bytes().to_vec()), (2, vec![1]), (6, 800u32.to_be_bytes().to_vec())]));
        body.extend(params(&[(1, 2u32.to_be_bytes().to_vec()), (2, vec![2]), (6, 900u32.to_be_bytes().to_vec())]));
        // An old file: no attribute list after the hops.
        f.extend(record(6, &body));
        let (sink, stats) = read(&f);
        assert_eq!((stats.records_ok, stats.records_rejected, stats.records_skipped), (1, 0, 3), "{:?}", sink.rejects);
        assert_eq!(strs(&sink, Table::Traceroutes, "src_addr")[0].as_deref(), Some("10.0.0.2"));
        assert_eq!(strs(&sink, Table::TracerouteHops, "addr"), vec![Some("10.0.0.1".into()), Some("192.0.2.1".into())]);
        // A reference to an address that was never defined rejects the trace, naming it.
        let mut bad = f.clone();
        let mut body2 = params(&[(4, 9u32.to_be_bytes().to_vec())]);
        body2.extend(0u16.to_be_bytes());
        bad.extend(record(6, &body2));
        let (sink, stats) = read(&bad);
        assert_eq!(stats.records_rejected, 1);
        assert!(sink.rejects[0].reason.contains("file-wide address id 9"), "{}", sink.rejects[0].reason);
    }

    #[test]
    fn truncation_garbage_and_other_objects() {
        let good = new_style_file();
        // Truncated in the middle of the last trace: the earlier records are kept.
        let second =
            good.len() - 17 - trace(0, [0; 4], &[hop(1, v4([10, 0, 0, 1]), 0, [0, 0]), hop(2, v4([10, 9, 9, 9]), 0, [0, 0])]).len();
        let (sink, stats) = read(&good[..second + 20]);
        assert_eq!((stats.records_ok, stats.records_rejected), (1, 1));
        assert_eq!(sink.rejects[0].offset, second as u64);
        assert!(sink.rejects[0].reason.starts_with("truncated trace record"), "{}", sink.rejects[0].reason);
        // Garbage between records is one reject with its range; reading resumes after it.
        let split = good.len() - 17;
        let mut g = good[..split].to_vec();
        g.extend(b"\x00\x01garbage\x12\x05\xff");
        g.extend(&good[split..]);
        let (sink, stats) = read(&g);
        assert_eq!((stats.records_ok, stats.records_rejected, stats.records_skipped), (2, 1, 3));
        assert_eq!((sink.rejects[0].offset, sink.rejects[0].end_offset), (split as u64, Some(split as u64 + 12)));
        // tracelb is rejected, dealias skipped.
        let mut o = good.clone();
        o.extend(record(8, &[0; 10]));
        o.extend(record(9, &[0; 10]));
        let (sink, stats) = read(&o);
        assert_eq!((stats.records_ok, stats.records_rejected, stats.records_skipped), (2, 1, 4));
        assert_eq!(sink.rejects[0].reason, "tracelb not supported");
        // A header announcing more than the cap is damage, not an allocation.
        let mut huge = MAGIC.to_be_bytes().to_vec();
        huge.extend(6u16.to_be_bytes());
        huge.extend(u32::MAX.to_be_bytes());
        let (_, stats) = read(&huge);
        assert_eq!(stats.records_rejected, 1);
    }

    #[test]
    fn a_trace_over_the_decoding_cap_is_rejected_and_skipped_objects_are_not_buffered() {
        let mut f = record(6, &vec![0u8; MAX_DECODED as usize + 1]);
        f.extend(record(13, &vec![7u8; 3 << 20])); // sniff: counted, never decoded
        f.extend(new_style_file());
        let (sink, stats) = read(&f);
        assert_eq!((stats.records_ok, stats.records_rejected, stats.records_skipped), (2, 1, 4), "{:?}", sink.rejects);
        assert!(sink.rejects[0].reason.ends_with("longer than the 16777216-byte cap"), "{}", sink.rejects[0].reason);
        assert_eq!(sink.rejects[0].end_offset, Some(8 + u64::from(MAX_DECODED) + 1));
    }

    #[test]
    fn pings_count_only_the_destination_echo_replies() {
        let dst = [192, 0, 2, 9];
        let mut body = params(&[(5, tv(1_700_000_000, 0)), (15, 3u16.to_be_bytes().to_vec()), (20, v4([10, 0, 0, 2])), (21, v4(dst))]);
        body.extend(3u16.to_be_bytes());
        let reply = |addr: Vec<u8>, icmp: [u8; 2], seq: u16| {
            params(&[(5, icmp.to_vec()), (6, 1000u32.to_be_bytes().to_vec()), (7, seq.to_be_bytes().to_vec()), (12, addr)])
        };
        body.extend(reply(vec![0, 0, 0, 0, 1], [0, 0], 0)); // echo reply from dst (by reference)
        body.extend(reply(vec![0, 0, 0, 0, 1], [0, 0], 0)); // duplicate
        body.extend(reply(v4([10, 0, 0, 1]), [3, 1], 1)); // host unreachable from a router
        let (sink, stats) = read(&record(7, &body));
        assert_eq!(stats.records_ok, 1, "{:?}", sink.rejects);
        let p = sink.concat(Table::Pings);
        let col = |c: &str| p.column_by_name(c).unwrap().as_primitive::<arrow_array::types::UInt32Type>().value(0);
        assert_eq!((col("sent"), col("replies"), col("dst_replies"), col("errors")), (3, 3, 1, 1));
    }
}
