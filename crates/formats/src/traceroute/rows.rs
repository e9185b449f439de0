//! Flattening traces and pings into rows: the only place where [`Trace`], [`Hop`] and
//! [`Ping`] become columns of `traceroutes`, `traceroute_hops` and `pings`.
//!
//! In: the structs every traceroute reader fills. Out: Arrow batches handed to the sink, and
//! the [`ReadStats`] of the file. The derived columns are computed here and nowhere else:
//! `trace_id` (`<file_id>:<ordinal>`, the 0-based position of the trace among the file's
//! traces), `reached` (a reply came from the destination address itself), the last responsive
//! hop, the order of hop rows (by TTL, then file order), `probe` (0-based position of a row
//! among the rows of its TTL) and a ping's `loss` and
//! RTT summary (over the destination's replies only).

use super::{Hop, Ping, Trace};
use crate::format::{EXCERPT_BYTES, FileContext, FormatError, ReadStats, Reject, Sink};
use crate::table::Table;
use arrow_array::builder::{
    BooleanBuilder, Float64Builder, StringBuilder, TimestampMicrosecondBuilder, UInt8Builder, UInt16Builder, UInt32Builder, UInt64Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use std::fmt::Write;
use std::net::IpAddr;
use std::sync::Arc;

fn ts_builder() -> TimestampMicrosecondBuilder {
    TimestampMicrosecondBuilder::new().with_timezone("UTC")
}

fn append_addr(b: &mut StringBuilder, addr: Option<IpAddr>, scratch: &mut String) {
    match addr {
        Some(a) => {
            scratch.clear();
            let _ = write!(scratch, "{a}");
            b.append_value(scratch.as_str());
        }
        None => b.append_null(),
    }
}

/// Whether a reply of `hops` came from `dst` itself.
pub fn reached(trace: &Trace) -> bool {
    match trace.dst_addr {
        Some(dst) => trace.hops.iter().any(|h| !h.timeout && h.addr == Some(dst)),
        None => false,
    }
}

/// The reply with an address at the highest TTL (the last such one in file order).
pub fn last_responsive(trace: &Trace) -> Option<&Hop> {
    let mut best: Option<&Hop> = None;
    for h in &trace.hops {
        if h.timeout || h.addr.is_none() {
            continue;
        }
        if best.is_none_or(|b| h.ttl >= b.ttl) {
            best = Some(h);
        }
    }
    best
}

struct TraceCols {
    ts: TimestampMicrosecondBuilder,
    trace_id: StringBuilder,
    source: StringBuilder,
    msm_id: UInt64Builder,
    probe_id: UInt64Builder,
    src_addr: StringBuilder,
    dst_addr: StringBuilder,
    dst_name: StringBuilder,
    af: UInt8Builder,
    proto: StringBuilder,
    reached: BooleanBuilder,
    stop_reason: StringBuilder,
    hop_count: UInt16Builder,
    last_addr: StringBuilder,
    last_ttl: UInt8Builder,
    end_ts: TimestampMicrosecondBuilder,
    error: StringBuilder,
    record_offset: UInt64Builder,
    file_id: StringBuilder,
    len: usize,
}

impl TraceCols {
    fn new() -> Self {
        TraceCols {
            ts: ts_builder(),
            trace_id: StringBuilder::new(),
            source: StringBuilder::new(),
            msm_id: UInt64Builder::new(),
            probe_id: UInt64Builder::new(),
            src_addr: StringBuilder::new(),
            dst_addr: StringBuilder::new(),
            dst_name: StringBuilder::new(),
            af: UInt8Builder::new(),
            proto: StringBuilder::new(),
            reached: BooleanBuilder::new(),
            stop_reason: StringBuilder::new(),
            hop_count: UInt16Builder::new(),
            last_addr: StringBuilder::new(),
            last_ttl: UInt8Builder::new(),
            end_ts: ts_builder(),
            error: StringBuilder::new(),
            record_offset: UInt64Builder::new(),
            file_id: StringBuilder::new(),
            len: 0,
        }
    }

    fn finish(&mut self) -> Vec<ArrayRef> {
        self.len = 0;
        vec![
            Arc::new(self.ts.finish()),
            Arc::new(self.trace_id.finish()),
            Arc::new(self.source.finish()),
            Arc::new(self.msm_id.finish()),
            Arc::new(self.probe_id.finish()),
            Arc::new(self.src_addr.finish()),
            Arc::new(self.dst_addr.finish()),
            Arc::new(self.dst_name.finish()),
            Arc::new(self.af.finish()),
            Arc::new(self.proto.finish()),
            Arc::new(self.reached.finish()),
            Arc::new(self.stop_reason.finish()),
            Arc::new(self.hop_count.finish()),
            Arc::new(self.last_addr.finish()),
            Arc::new(self.last_ttl.finish()),
            Arc::new(self.end_ts.finish()),
            Arc::new(self.error.finish()),
            Arc::new(self.record_offset.finish()),
            Arc::new(self.file_id.finish()),
        ]
    }
}

struct HopCols {
    ts: TimestampMicrosecondBuilder,
    trace_id: StringBuilder,
    ttl: UInt8Builder,
    probe: UInt16Builder,
    addr: StringBuilder,
    name: StringBuilder,
    asn: UInt32Builder,
    rtt_ms: Float64Builder,
    reply_ttl: UInt8Builder,
    icmp_type: UInt8Builder,
    icmp_code: UInt8Builder,
    icmp_error: StringBuilder,
    timeout: BooleanBuilder,
    late: BooleanBuilder,
    error: StringBuilder,
    file_id: StringBuilder,
    len: usize,
}

impl HopCols {
    fn new() -> Self {
        HopCols {
            ts: ts_builder(),
            trace_id: StringBuilder::new(),
            ttl: UInt8Builder::new(),
            probe: UInt16Builder::new(),
            addr: StringBuilder::new(),
            name: StringBuilder::new(),
            asn: UInt32Builder::new(),
            rtt_ms: Float64Builder::new(),
            reply_ttl: UInt8Builder::new(),
            icmp_type: UInt8Builder::new(),
            icmp_code: UInt8Builder::new(),
            icmp_error: StringBuilder::new(),
            timeout: BooleanBuilder::new(),
            late: BooleanBuilder::new(),
            error: StringBuilder::new(),
            file_id: StringBuilder::new(),
            len: 0,
        }
    }

    fn finish(&mut self) -> Vec<ArrayRef> {
        self.len = 0;
        vec![
            Arc::new(self.ts.finish()),
            Arc::new(self.trace_id.finish()),
            Arc::new(self.ttl.finish()),
            Arc::new(self.probe.finish()),
            Arc::new(self.addr.finish()),
            Arc::new(self.name.finish()),
            Arc::new(self.asn.finish()),
            Arc::new(self.rtt_ms.finish()),
            Arc::new(self.reply_ttl.finish()),
            Arc::new(self.icmp_type.finish()),
            Arc::new(self.icmp_code.finish()),
            Arc::new(self.icmp_error.finish()),
            Arc::new(self.timeout.finish()),
            Arc::new(self.late.finish()),
            Arc::new(self.error.finish()),
            Arc::new(self.file_id.finish()),
        ]
    }
}

struct PingCols {
    ts: TimestampMicrosecondBuilder,
    source: StringBuilder,
    msm_id: UInt64Builder,
    probe_id: UInt64Builder,
    src_addr: StringBuilder,
    dst_addr: StringBuilder,
    dst_name: StringBuilder,
    af: UInt8Builder,
    proto: StringBuilder,
    sent: UInt32Builder,
    replies: UInt32Builder,
    dst_replies: UInt32Builder,
    errors: UInt32Builder,
    loss: Float64Builder,
    rtt_min: Float64Builder,
    rtt_avg: Float64Builder,
    rtt_max: Float64Builder,
    record_offset: UInt64Builder,
    file_id: StringBuilder,
    len: usize,
}

impl PingCols {
    fn new() -> Self {
        PingCols {
            ts: ts_builder(),
            source: StringBuilder::new(),
            msm_id: UInt64Builder::new(),
            probe_id: UInt64Builder::new(),
            src_addr: StringBuilder::new(),
            dst_addr: StringBuilder::new(),
            dst_name: StringBuilder::new(),
            af: UInt8Builder::new(),
            proto: StringBuilder::new(),
            sent: UInt32Builder::new(),
            replies: UInt32Builder::new(),
            dst_replies: UInt32Builder::new(),
            errors: UInt32Builder::new(),
            loss: Float64Builder::new(),
            rtt_min: Float64Builder::new(),
            rtt_avg: Float64Builder::new(),
            rtt_max: Float64Builder::new(),
            record_offset: UInt64Builder::new(),
            file_id: StringBuilder::new(),
            len: 0,
        }
    }

    fn finish(&mut self) -> Vec<ArrayRef> {
        self.len = 0;
        vec![
            Arc::new(self.ts.finish()),
            Arc::new(self.source.finish()),
            Arc::new(self.msm_id.finish()),
            Arc::new(self.probe_id.finish()),
            Arc::new(self.src_addr.finish()),
            Arc::new(self.dst_addr.finish()),
            Arc::new(self.dst_name.finish()),
            Arc::new(self.af.finish()),
            Arc::new(self.proto.finish()),
            Arc::new(self.sent.finish()),
            Arc::new(self.replies.finish()),
            Arc::new(self.dst_replies.finish()),
            Arc::new(self.errors.finish()),
            Arc::new(self.loss.finish()),
            Arc::new(self.rtt_min.finish()),
            Arc::new(self.rtt_avg.finish()),
            Arc::new(self.rtt_max.finish()),
            Arc::new(self.record_offset.finish()),
            Arc::new(self.file_id.finish()),
        ]
    }
}

/// Row builders, counters and the sink of one file: what every traceroute reader writes to.
pub struct TraceOut<'s> {
    ctx: &'s FileContext,
    sink: &'s mut dyn Sink,
    source: &'static str,
    traces: TraceCols,
    hops: HopCols,
    pings: PingCols,
    /// Counters for the ledger.
    pub stats: ReadStats,
    /// Traces written so far: the next trace's ordinal.
    ordinal: u64,
    scratch: String,
    id: String,
}

impl<'s> TraceOut<'s> {
    /// `source` is the format name written to the `source` columns.
    pub fn new(ctx: &'s FileContext, sink: &'s mut dyn Sink, source: &'static str) -> Self {
        TraceOut {
            ctx,
            sink,
            source,
            traces: TraceCols::new(),
            hops: HopCols::new(),
            pings: PingCols::new(),
            stats: ReadStats::default(),
            ordinal: 0,
            scratch: String::with_capacity(64),
            id: String::with_capacity(32),
        }
    }

    /// The file's context.
    pub fn ctx(&self) -> &FileContext {
        self.ctx
    }

    /// Writes one traceroute (one `traceroutes` row and one `traceroute_hops` row per hop).
    pub fn trace(&mut self, t: &Trace) -> Result<(), FormatError> {
        self.id.clear();
        let _ = write!(self.id, "{}:{}", self.ctx.file_id, self.ordinal);
        self.ordinal += 1;
        let s = &mut self.scratch;
        let c = &mut self.traces;
        c.ts.append_value(t.ts_us);
        c.trace_id.append_value(&self.id);
        c.source.append_value(self.source);
        c.msm_id.append_option(t.msm_id);
        c.probe_id.append_option(t.probe_id);
        append_addr(&mut c.src_addr, t.src_addr, s);
        append_addr(&mut c.dst_addr, t.dst_addr, s);
        c.dst_name.append_option(t.dst_name.as_deref());
        c.af.append_option(t.af);
        c.proto.append_option(t.proto);
        c.reached.append_value(reached(t));
        c.stop_reason.append_option(t.stop_reason.map(|r| r.name()));
        c.hop_count.append_value(t.hop_count);
        let last = last_responsive(t);
        append_addr(&mut c.last_addr, last.and_then(|h| h.addr), s);
        c.last_ttl.append_option(last.map(|h| h.ttl));
        c.end_ts.append_option(t.end_ts_us);
        c.error.append_option(t.error.as_deref());
        c.record_offset.append_value(t.record_offset);
        c.file_id.append_value(&self.ctx.file_id);
        c.len += 1;

        // Rows in TTL order (a writer may store TTLs out of order; scamper's tools print them
        // sorted), in file order within a TTL; `probe` is the position within the TTL.
        let mut order: Vec<&Hop> = t.hops.iter().collect();
        order.sort_by_key(|h| h.ttl);
        let mut per_ttl = [0u16; 256];
        let h = &mut self.hops;
        for hop in order {
            let probe = &mut per_ttl[hop.ttl as usize];
            h.ts.append_value(hop.ts_us);
            h.trace_id.append_value(&self.id);
            h.ttl.append_value(hop.ttl);
            h.probe.append_value(*probe);
            *probe = probe.saturating_add(1);
            append_addr(&mut h.addr, hop.addr, s);
            h.name.append_option(hop.name.as_deref());
            h.asn.append_option(hop.asn);
            h.rtt_ms.append_option(hop.rtt_ms);
            h.reply_ttl.append_option(hop.reply_ttl);
            h.icmp_type.append_option(hop.icmp_type);
            h.icmp_code.append_option(hop.icmp_code);
            h.icmp_error.append_option(hop.icmp_error.map(|e| e.name()));
            h.timeout.append_value(hop.timeout);
            h.late.append_value(hop.late);
            h.error.append_option(hop.error.as_deref());
            h.file_id.append_value(&self.ctx.file_id);
            h.len += 1;
        }
        self.stats.records_ok += 1;
        self.stats.saw_ts(t.ts_us);
        self.maybe_flush()
    }

    /// Writes one ping measurement.
    pub fn ping(&mut self, p: &Ping) -> Result<(), FormatError> {
        let s = &mut self.scratch;
        let c = &mut self.pings;
        c.ts.append_value(p.ts_us);
        c.source.append_value(self.source);
        c.msm_id.append_option(p.msm_id);
        c.probe_id.append_option(p.probe_id);
        append_addr(&mut c.src_addr, p.src_addr, s);
        append_addr(&mut c.dst_addr, p.dst_addr, s);
        c.dst_name.append_option(p.dst_name.as_deref());
        c.af.append_option(p.af);
        c.proto.append_option(p.proto);
        let dst_replies = if p.sent > 0 { p.dst_replies.min(p.sent) } else { p.dst_replies };
        c.sent.append_value(p.sent);
        c.replies.append_value(p.replies);
        c.dst_replies.append_value(dst_replies);
        c.errors.append_value(p.errors);
        if p.sent > 0 {
            let got = f64::from(p.dst_replies.min(p.sent));
            c.loss.append_value(1.0 - got / f64::from(p.sent));
        } else {
            c.loss.append_null();
        }
        let finite: Vec<f64> = p.rtts_ms.iter().copied().filter(|r| r.is_finite()).collect();
        if !finite.is_empty() {
            let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
            let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let avg = finite.iter().sum::<f64>() / finite.len() as f64;
            c.rtt_min.append_value(min);
            c.rtt_avg.append_value(avg);
            c.rtt_max.append_value(max);
        } else if let Some((min, avg, max)) = p.rtt_summary {
            c.rtt_min.append_value(min);
            c.rtt_avg.append_value(avg);
            c.rtt_max.append_value(max);
        } else {
            c.rtt_min.append_null();
            c.rtt_avg.append_null();
            c.rtt_max.append_null();
        }
        c.record_offset.append_value(p.record_offset);
        c.file_id.append_value(&self.ctx.file_id);
        c.len += 1;
        self.stats.records_ok += 1;
        self.stats.saw_ts(p.ts_us);
        self.maybe_flush()
    }

    /// A record that gives no rows: one reject.
    pub fn reject(&mut self, r: Reject) -> Result<(), FormatError> {
        self.stats.records_rejected += 1;
        self.sink.reject(r)?;
        Ok(())
    }

    /// A record that gave rows but lost part of its content: one reject whose reason starts
    /// with `partial:` naming every problem.
    pub fn partial(&mut self, mut r: Reject, problems: &[String]) -> Result<(), FormatError> {
        if problems.is_empty() {
            return Ok(());
        }
        let mut reason = String::from("partial: ");
        for (i, p) in problems.iter().enumerate() {
            if i > 0 {
                reason.push_str("; ");
            }
            if reason.len() > 400 {
                let _ = write!(reason, "and {} more", problems.len() - i);
                break;
            }
            reason.push_str(p);
        }
        r.reason = reason;
        self.stats.records_partial += 1;
        self.sink.reject(r)?;
        Ok(())
    }

    /// The framing layer cut one more record (or damaged byte range) out of the stream.
    pub fn framed(&mut self) {
        self.stats.records_framed += 1;
    }

    /// A record that carries no rows by design.
    pub fn skipped(&mut self) {
        self.stats.records_skipped += 1;
    }

    /// The stream broke off (I/O error, truncated compression): a reject at `offset` and
    /// `stats.stopped`.
    pub fn broke_off(&mut self, offset: u64, err: &std::io::Error) -> Result<(), FormatError> {
        let reason = format!("reading input: {err}");
        self.stats.stopped = Some(reason.clone());
        self.framed();
        self.reject(Reject::binary(offset, reason, &[]))
    }

    /// Reports progress to the sink.
    pub fn progress(&mut self, offset: u64) {
        self.sink.progress(offset);
    }

    fn maybe_flush(&mut self) -> Result<(), FormatError> {
        let n = self.ctx.batch_rows.max(1);
        if self.traces.len >= n || self.hops.len >= n {
            self.flush_traces()?;
        }
        if self.pings.len >= n {
            let cols = self.pings.finish();
            emit(self.sink, Table::Pings, cols)?;
        }
        Ok(())
    }

    fn flush_traces(&mut self) -> Result<(), FormatError> {
        if self.traces.len > 0 {
            let cols = self.traces.finish();
            emit(self.sink, Table::Traceroutes, cols)?;
        }
        if self.hops.len > 0 {
            let cols = self.hops.finish();
            emit(self.sink, Table::TracerouteHops, cols)?;
        }
        Ok(())
    }

    /// Flushes what is left and returns the counters.
    pub fn finish(mut self) -> Result<ReadStats, FormatError> {
        self.flush_traces()?;
        if self.pings.len > 0 {
            let cols = self.pings.finish();
            emit(self.sink, Table::Pings, cols)?;
        }
        Ok(self.stats)
    }
}

fn emit(sink: &mut dyn Sink, table: Table, cols: Vec<ArrayRef>) -> Result<(), FormatError> {
    let batch = RecordBatch::try_new(table.schema(), cols).map_err(|source| FormatError::Arrow { table, source })?;
    sink.batch(table, batch)?;
    Ok(())
}

/// A text excerpt of at most [`EXCERPT_BYTES`]` * 2` bytes, for rejects of text records.
pub fn text_excerpt(bytes: &[u8]) -> &[u8] {
    &bytes[..bytes.len().min(EXCERPT_BYTES * 2)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::MemorySink;
    use crate::traceroute::{IcmpError, StopReason, parse_addr};
    use arrow_array::cast::AsArray;
    use arrow_array::types::UInt16Type;

    fn hop(ttl: u8, addr: &str, rtt: f64) -> Hop {
        Hop { ttl, addr: parse_addr(addr), rtt_ms: Some(rtt), ..Default::default() }
    }

    #[test]
    fn derived_columns_are_computed_once_here() {
        let ctx = FileContext::new("00112233445566778", "t");
        let mut sink = MemorySink::default();
        let mut out = TraceOut::new(&ctx, &mut sink, "test");
        let mut t = Trace {
            ts_us: 1,
            dst_addr: parse_addr("192.0.2.9"),
            af: Some(4),
            stop_reason: Some(StopReason::Completed),
            hop_count: 3,
            hops: vec![
                hop(1, "10.0.0.1", 1.0),
                Hop { ttl: 2, timeout: true, ..Default::default() },
                hop(3, "192.0.2.9", 3.0),
                hop(3, "192.0.2.9", 4.0),
            ],
            ..Default::default()
        };
        out.trace(&t).unwrap();
        t.hops[2].addr = parse_addr("10.9.9.9");
        t.hops[2].icmp_error = Some(IcmpError::NetUnreach);
        t.hops.truncate(3);
        out.trace(&t).unwrap();
        let stats = out.finish().unwrap();
        assert_eq!(stats.records_ok, 2);
        let b = sink.concat(Table::Traceroutes);
        assert_eq!(b.column_by_name("reached").unwrap().as_boolean().values().iter().collect::<Vec<_>>(), vec![true, false]);
        let ids = b.column_by_name("trace_id").unwrap().as_string::<i32>();
        assert_eq!(ids.value(1), "00112233445566778:1");
        let last = b.column_by_name("last_responsive_addr").unwrap().as_string::<i32>();
        assert_eq!(last.value(1), "10.9.9.9");
        let h = sink.concat(Table::TracerouteHops);
        assert_eq!(h.num_rows(), 7);
        let probe = h.column_by_name("probe").unwrap().as_primitive::<UInt16Type>();
        assert_eq!(probe.values().to_vec(), vec![0, 0, 0, 1, 0, 0, 0]);
    }

    #[test]
    fn ping_loss_counts_only_destination_replies() {
        let ctx = FileContext::new("0", "t");
        let mut sink = MemorySink::default();
        let mut out = TraceOut::new(&ctx, &mut sink, "test");
        let p = Ping { sent: 4, replies: 4, dst_replies: 1, errors: 3, rtts_ms: vec![2.0], ..Default::default() };
        out.ping(&p).unwrap();
        out.finish().unwrap();
        let b = sink.concat(Table::Pings);
        let loss = b.column_by_name("loss").unwrap().as_primitive::<arrow_array::types::Float64Type>();
        assert_eq!(loss.value(0), 0.75);
    }
}
