//! `dns_events` rows: the only place where a [`DnsEvent`] becomes Arrow columns.
//!
//! In: events from every DNS reader. Out: batches of `Table::DnsEvents` (schema from
//! [`Table::schema`]) handed to the sink every `ctx.batch_rows` rows, rejects, and the
//! [`ReadStats`] of the file ([`Emitter`]).

use super::event::DnsEvent;
use crate::format::{FileContext, FormatError, ReadStats, Reject, Sink};
use crate::table::Table;
use arrow_array::builder::{BooleanBuilder, Float64Builder, StringBuilder, TimestampMicrosecondBuilder, UInt16Builder, UInt64Builder};
use arrow_array::{ArrayRef, RecordBatch};
use std::fmt::Write;
use std::net::IpAddr;
use std::sync::Arc;

/// Builders of the `dns_events` columns.
pub struct DnsRows {
    ts: TimestampMicrosecondBuilder,
    source_format: StringBuilder,
    message_type: StringBuilder,
    role: StringBuilder,
    server_id: StringBuilder,
    server_addr: StringBuilder,
    server_port: UInt16Builder,
    client_addr: StringBuilder,
    client_port: UInt16Builder,
    qname: StringBuilder,
    qtype: StringBuilder,
    qclass: StringBuilder,
    opcode: StringBuilder,
    query_id: UInt16Builder,
    rcode: StringBuilder,
    error: StringBuilder,
    response_ts: TimestampMicrosecondBuilder,
    latency_ms: Float64Builder,
    proto: StringBuilder,
    answers: UInt16Builder,
    truncated: BooleanBuilder,
    record_offset: UInt64Builder,
    file_id: StringBuilder,
    len: usize,
    scratch: String,
}

impl Default for DnsRows {
    fn default() -> Self {
        Self::new()
    }
}

fn append_addr(b: &mut StringBuilder, a: Option<IpAddr>, scratch: &mut String) {
    match a {
        Some(a) => {
            scratch.clear();
            let _ = write!(scratch, "{a}");
            b.append_value(scratch.as_str());
        }
        None => b.append_null(),
    }
}

impl DnsRows {
    pub fn new() -> Self {
        DnsRows {
            ts: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
            source_format: StringBuilder::new(),
            message_type: StringBuilder::new(),
            role: StringBuilder::new(),
            server_id: StringBuilder::new(),
            server_addr: StringBuilder::new(),
            server_port: UInt16Builder::new(),
            client_addr: StringBuilder::new(),
            client_port: UInt16Builder::new(),
            qname: StringBuilder::new(),
            qtype: StringBuilder::new(),
            qclass: StringBuilder::new(),
            opcode: StringBuilder::new(),
            query_id: UInt16Builder::new(),
            rcode: StringBuilder::new(),
            error: StringBuilder::new(),
            response_ts: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
            latency_ms: Float64Builder::new(),
            proto: StringBuilder::new(),
            answers: UInt16Builder::new(),
            truncated: BooleanBuilder::new(),
            record_offset: UInt64Builder::new(),
            file_id: StringBuilder::new(),
            len: 0,
            scratch: String::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn push(&mut self, e: &DnsEvent, ctx: &FileContext) {
        self.ts.append_value(e.ts);
        self.source_format.append_value(e.source_format);
        self.message_type.append_value(e.message_type.as_str());
        self.role.append_option(e.role);
        self.server_id.append_option(e.server_id.as_deref());
        append_addr(&mut self.server_addr, e.server_addr, &mut self.scratch);
        self.server_port.append_option(e.server_port);
        append_addr(&mut self.client_addr, e.client_addr, &mut self.scratch);
        self.client_port.append_option(e.client_port);
        self.qname.append_option(e.qname.as_deref());
        self.qtype.append_option(e.qtype.as_deref());
        self.qclass.append_option(e.qclass.as_deref());
        self.opcode.append_option(e.opcode.as_deref());
        self.query_id.append_option(e.query_id);
        self.rcode.append_option(e.rcode.as_deref());
        self.error.append_option(e.error.as_deref());
        self.response_ts.append_option(e.response_ts);
        self.latency_ms.append_option(e.latency_ms);
        self.proto.append_option(e.proto.as_deref());
        self.answers.append_option(e.answers);
        self.truncated.append_option(e.truncated);
        self.record_offset.append_value(e.record_offset);
        self.file_id.append_value(&ctx.file_id);
        self.len += 1;
    }

    /// Hands the rows built so far to the sink as one batch (nothing when empty).
    pub fn flush(&mut self, sink: &mut dyn Sink) -> Result<(), FormatError> {
        if self.len == 0 {
            return Ok(());
        }
        let cols: Vec<ArrayRef> = vec![
            Arc::new(self.ts.finish()),
            Arc::new(self.source_format.finish()),
            Arc::new(self.message_type.finish()),
            Arc::new(self.role.finish()),
            Arc::new(self.server_id.finish()),
            Arc::new(self.server_addr.finish()),
            Arc::new(self.server_port.finish()),
            Arc::new(self.client_addr.finish()),
            Arc::new(self.client_port.finish()),
            Arc::new(self.qname.finish()),
            Arc::new(self.qtype.finish()),
            Arc::new(self.qclass.finish()),
            Arc::new(self.opcode.finish()),
            Arc::new(self.query_id.finish()),
            Arc::new(self.rcode.finish()),
            Arc::new(self.error.finish()),
            Arc::new(self.response_ts.finish()),
            Arc::new(self.latency_ms.finish()),
            Arc::new(self.proto.finish()),
            Arc::new(self.answers.finish()),
            Arc::new(self.truncated.finish()),
            Arc::new(self.record_offset.finish()),
            Arc::new(self.file_id.finish()),
        ];
        self.len = 0;
        let table = Table::DnsEvents;
        let batch = RecordBatch::try_new(table.schema(), cols).map_err(|source| FormatError::Arrow { table, source })?;
        sink.batch(table, batch)?;
        Ok(())
    }
}

/// Rows, rejects and counters of one file: what every DNS reader writes through.
pub struct Emitter<'s> {
    ctx: &'s FileContext,
    sink: &'s mut dyn Sink,
    rows: DnsRows,
    pub stats: ReadStats,
}

impl<'s> Emitter<'s> {
    pub fn new(ctx: &'s FileContext, sink: &'s mut dyn Sink) -> Self {
        Emitter { ctx, sink, rows: DnsRows::new(), stats: ReadStats::default() }
    }

    /// Adds one row (flushing a batch when it is full).
    pub fn row(&mut self, e: &DnsEvent) -> Result<(), FormatError> {
        self.rows.push(e, self.ctx);
        self.stats.saw_ts(e.ts);
        if self.rows.len() >= self.ctx.batch_rows.max(1) {
            self.rows.flush(self.sink)?;
        }
        Ok(())
    }

    /// The framing layer cut one more record (or damaged byte range) out of the stream.
    pub fn framed(&mut self) {
        self.stats.records_framed += 1;
    }

    /// A record that became no row: counted in `records_rejected`.
    pub fn reject(&mut self, r: Reject) -> Result<(), FormatError> {
        self.stats.records_rejected += 1;
        self.sink.reject(r)?;
        Ok(())
    }

    /// Damage inside a record that still became a row: counted in `records_partial`, the
    /// reason prefixed with `partial: `.
    pub fn partial(&mut self, mut r: Reject) -> Result<(), FormatError> {
        self.stats.records_partial += 1;
        r.reason = format!("partial: {}", r.reason);
        self.sink.reject(r)?;
        Ok(())
    }

    pub fn progress(&mut self, offset: u64) {
        self.sink.progress(offset);
    }

    /// Flushes the last rows and returns the counters.
    pub fn finish(mut self) -> Result<ReadStats, FormatError> {
        self.rows.flush(self.sink)?;
        Ok(self.stats)
    }
}
