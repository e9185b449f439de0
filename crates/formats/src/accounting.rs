//! The accounting contract of [`Format::read`], checked from the outside.
//!
//! In: a format and the bytes of a decompressed stream. Out: what the reader wrote (a
//! [`MemorySink`]) and its [`ReadStats`], or a [`Violation`] saying which promise was broken.
//! The fuzz targets (`fuzz/`), the property tests over damaged inputs and the damaged-archive
//! tests all go through [`read_checked`], so that "the accounting closes" means one thing.
//!
//! What is checked:
//! - the reader returns `Ok` (a [`MemorySink`] never fails, so `Err` is a reader bug) and reads
//!   the stream to its end;
//! - records framed = ok + rejected + skipped, and every reject is counted once (rejected, or
//!   the `partial:` reject of an ok record), see [`ReadStats::accounting_error`];
//! - what was emitted matches the counters: one `traceroutes` or `pings` row per ok traceroute
//!   record; one `dns_events` row per ok DNS record (a joined query and response is one row of
//!   two records); one distinct `record_offset` in the BGP tables per ok MRT record;
//! - rejects carry offsets inside the stream (`offset <= end_offset <= length`), a one-line
//!   reason, and no reject is written twice; a reader that stopped early left a reject; the
//!   readers that go through the stream in order write their rejects in offset order;
//! - rows carry the file's id, a `record_offset` inside the stream, and times inside
//!   `ts_min..=ts_max`; hop rows join a trace of the file;
//! - batches have the table's declared schema, and the output does not depend on the batch
//!   size (read again with other batches, one row each by default: the same rows, rejects
//!   and counters), so a flush never writes a row twice or loses one.

use crate::compress::Input;
use crate::format::{FileContext, Format, MemorySink, ReadStats};
use crate::table::Table;
use arrow_array::cast::AsArray;
use arrow_array::types::{TimestampMicrosecondType, UInt64Type};
use arrow_array::{Array, RecordBatch};
use std::collections::{BTreeSet, HashSet};

/// A broken promise of the accounting contract.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{format}: {what}")]
pub struct Violation {
    pub format: &'static str,
    pub what: String,
}

/// What a checked read produced.
#[derive(Debug)]
pub struct Checked {
    pub sink: MemorySink,
    pub stats: ReadStats,
}

/// The `file_id` given to checked reads.
pub const FILE_ID: &str = "0123456789abcdef";

/// Options of a checked read.
#[derive(Debug, Clone, Copy)]
pub struct CheckOptions {
    /// Buffer size of the [`Input`] (small sizes exercise refills).
    pub input_buffer: usize,
    /// Rows per batch of the first read.
    pub batch_rows: usize,
    /// Read a second time with this many rows per batch (0 counts as 1) and compare (None:
    /// read once).
    pub second_batch_rows: Option<usize>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions { input_buffer: 4096, batch_rows: 64, second_batch_rows: Some(1) }
    }
}

/// Reads `data` with `format` and checks the accounting contract.
pub fn read_checked(format: &dyn Format, data: &[u8], opts: CheckOptions) -> Result<Checked, Violation> {
    let fail = |what: String| Violation { format: format.name(), what };
    let first = read_once(format, data, opts.input_buffer, opts.batch_rows).map_err(fail)?;
    check(format, data, &first.sink, &first.stats).map_err(fail)?;
    if let Some(rows) = opts.second_batch_rows.map(|r| r.max(1)) {
        let second = read_once(format, data, opts.input_buffer, rows).map_err(fail)?;
        if second.stats != first.stats {
            return Err(fail(format!("counters differ with {rows} rows per batch: {:?} vs {:?}", second.stats, first.stats)));
        }
        if second.sink.rejects != first.sink.rejects {
            return Err(fail(format!("rejects differ with {rows} rows per batch")));
        }
        for t in format.tables() {
            if second.sink.concat(*t) != first.sink.concat(*t) {
                return Err(fail(format!("{t} rows differ with {rows} rows per batch")));
            }
        }
    }
    Ok(first)
}

fn read_once(format: &dyn Format, data: &[u8], buffer: usize, batch_rows: usize) -> Result<Checked, String> {
    let mut input = Input::with_capacity(Box::new(data), buffer);
    let mut sink = MemorySink::default();
    let mut ctx = FileContext::new(FILE_ID, "check");
    ctx.batch_rows = batch_rows;
    let stats = format.read(&mut input, &ctx, &mut sink).map_err(|e| format!("read returned an error: {e}"))?;
    if input.offset() != data.len() as u64 {
        return Err(format!("stopped reading at offset {} of {}", input.offset(), data.len()));
    }
    Ok(Checked { sink, stats })
}

fn check(format: &dyn Format, data: &[u8], sink: &MemorySink, stats: &ReadStats) -> Result<(), String> {
    let len = data.len() as u64;
    if let Some(e) = stats.accounting_error(sink.rejects.len() as u64) {
        return Err(e);
    }
    // Rejects.
    let mut seen = HashSet::new();
    let mut partial = 0;
    for r in &sink.rejects {
        if r.offset > len || r.end_offset.is_some_and(|e| e < r.offset || e > len) {
            return Err(format!("reject outside the stream of {len} bytes: {r:?}"));
        }
        if r.reason.trim().is_empty() || r.reason.contains('\n') {
            return Err(format!("reject without a one-line reason: {r:?}"));
        }
        if r.reason.starts_with("partial:") {
            partial += 1;
        }
        if !seen.insert(r) {
            return Err(format!("reject written twice: {r:?}"));
        }
    }
    // Readers that emit in stream order: a reject never goes back before an earlier one (a
    // wrong base offset after a resynchronisation would).
    if matches!(format.name(), "mrt" | "warts" | "zeek" | "resolver_log" | "scamper_json" | "atlas")
        && let Some(w) = sink.rejects.windows(2).find(|w| w[1].offset < w[0].offset)
    {
        return Err(format!("rejects out of stream order: {:?} after {:?}", w[1], w[0]));
    }
    if partial != stats.records_partial {
        return Err(format!("{partial} partial rejects, {} partial records", stats.records_partial));
    }
    if stats.stopped.is_some() && sink.rejects.is_empty() {
        return Err(format!("stopped ({:?}) without a reject", stats.stopped));
    }
    // Batches.
    for (t, b) in &sink.batches {
        if !format.tables().contains(t) {
            return Err(format!("wrote {t}, which is not one of its tables"));
        }
        if b.schema() != t.schema() {
            return Err(format!("a {t} batch does not have the declared schema"));
        }
        if b.num_rows() == 0 {
            return Err(format!("an empty {t} batch"));
        }
    }
    // Rows against counters.
    let rows = |t: Table| sink.rows(t) as u64;
    let ok = stats.records_ok;
    let tables = format.tables();
    if tables.contains(&Table::BgpUpdates) {
        let mut offsets = BTreeSet::new();
        for t in [Table::BgpUpdates, Table::BgpRib, Table::BgpPeerState] {
            offsets.extend(u64_col(&sink.concat(t), "record_offset"));
        }
        if offsets.len() as u64 != ok {
            return Err(format!("{ok} ok records, but rows from {} distinct record offsets", offsets.len()));
        }
    } else if tables.contains(&Table::Traceroutes) {
        if rows(Table::Traceroutes) + rows(Table::Pings) != ok {
            return Err(format!("{ok} ok records, {} traceroutes + {} pings", rows(Table::Traceroutes), rows(Table::Pings)));
        }
        let traces = sink.concat(Table::Traceroutes);
        let ids: HashSet<&str> = str_col(&traces, "trace_id").collect();
        let hops = sink.concat(Table::TracerouteHops);
        if let Some(id) = str_col(&hops, "trace_id").find(|id| !ids.contains(id)) {
            return Err(format!("a hop of trace {id}, which has no traceroutes row"));
        }
    } else if tables.contains(&Table::DnsEvents) {
        let ev = sink.concat(Table::DnsEvents);
        let joined = if matches!(format.name(), "dnstap" | "pcap") {
            str_col(&ev, "message_type").filter(|m| *m == "query-response").count() as u64
        } else {
            0
        };
        if ev.num_rows() as u64 + joined != ok {
            return Err(format!("{ok} ok records, {} dns_events rows of which {joined} join two records", ev.num_rows()));
        }
    }
    if (sink.total_rows() > 0) != (ok > 0) {
        return Err(format!("{} rows from {ok} ok records", sink.total_rows()));
    }
    for t in tables {
        let b = sink.concat(*t);
        if b.num_rows() == 0 {
            continue;
        }
        if let Some(id) = str_col(&b, "file_id").find(|id| *id != FILE_ID) {
            return Err(format!("{t}: a row with file_id {id}"));
        }
        if let Some(o) = u64_col(&b, "record_offset").find(|o| *o >= len) {
            return Err(format!("{t}: record_offset {o} is past the end of the stream ({len} bytes)"));
        }
        let time = t.time_column().filter(|_| *t != Table::TracerouteHops);
        if let Some(ts) = time.and_then(|c| b.column_by_name(c)) {
            let (Some(lo), Some(hi)) = (stats.ts_min, stats.ts_max) else {
                return Err(format!("{t} rows, but no time range"));
            };
            let ts = ts.as_primitive::<TimestampMicrosecondType>();
            if let Some(v) = ts.iter().flatten().find(|v| *v < lo || *v > hi) {
                return Err(format!("{t}: time {v} outside ts_min..ts_max {lo}..{hi}"));
            }
        }
    }
    Ok(())
}

fn u64_col<'a>(b: &'a RecordBatch, name: &str) -> impl Iterator<Item = u64> + 'a {
    let col = b.column_by_name(name).map(|c| c.as_primitive::<UInt64Type>());
    col.into_iter().flat_map(|c| c.iter().flatten())
}

fn str_col<'a>(b: &'a RecordBatch, name: &str) -> impl Iterator<Item = &'a str> + 'a {
    let col = b.column_by_name(name).and_then(|c| c.as_string_opt::<i32>());
    col.into_iter().flat_map(|c| (0..c.len()).filter(move |i| c.is_valid(*i)).map(move |i| c.value(i)))
}
