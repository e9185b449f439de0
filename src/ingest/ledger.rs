//! The ledger row of one input file (`ingest_files`), and the status vocabulary.
//!
//! In: a [`FileReport`]. Out: a one-row batch of `ingest_files`, written last for the file,
//! after its data parts and rejects (it is the file's commit mark).

use super::FileReport;
use arrow::array::{RecordBatch, StringArray, TimestampMicrosecondArray, UInt64Array};
use lightsout_formats::Table;
use std::sync::Arc;

/// What happened to an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileStatus {
    /// Every record became rows.
    Ok,
    /// The file has no records (zero bytes, or an empty stream).
    Empty,
    /// Rows were written and some records (or byte ranges) are in `ingest_rejects`.
    Partial,
    /// The stream broke off (truncated or corrupt compression, unrecoverable framing); what
    /// came before is kept, the rest is one reject.
    Truncated,
    /// Nothing could be read: unreadable file, unknown format, output failure.
    Failed,
    /// Not read: its content hash is already in the lake, or it repeats another input.
    Skipped,
}

impl FileStatus {
    pub const fn name(self) -> &'static str {
        match self {
            FileStatus::Ok => "ok",
            FileStatus::Empty => "empty",
            FileStatus::Partial => "partial",
            FileStatus::Truncated => "truncated",
            FileStatus::Failed => "failed",
            FileStatus::Skipped => "skipped",
        }
    }

    /// Whether the status means that input was lost (sets the exit code).
    pub const fn is_problem(self) -> bool {
        matches!(self, FileStatus::Partial | FileStatus::Truncated | FileStatus::Failed)
    }
}

/// The `ingest_files` row of a file.
pub fn ledger_batch(r: &FileReport) -> RecordBatch {
    let s = |v: &str| Arc::new(StringArray::from(vec![v])) as arrow::array::ArrayRef;
    let so = |v: Option<&str>| Arc::new(StringArray::from(vec![v])) as arrow::array::ArrayRef;
    let u = |v: u64| Arc::new(UInt64Array::from(vec![v])) as arrow::array::ArrayRef;
    let t = |v: Option<i64>| Arc::new(TimestampMicrosecondArray::from(vec![v]).with_timezone("UTC")) as arrow::array::ArrayRef;
    RecordBatch::try_new(
        Table::IngestFiles.schema(),
        vec![
            s(r.file_id.as_deref().unwrap_or("")),
            s(&r.path.to_string_lossy()),
            s(&r.sha256),
            u(r.bytes),
            u(r.decompressed_bytes),
            so(r.format),
            s(r.compression.map(|c| c.name()).unwrap_or("none")),
            so(r.collector.as_deref()),
            u(r.stats.records_ok),
            u(r.stats.records_rejected),
            u(r.rows.values().sum()),
            t(r.stats.ts_min),
            t(r.stats.ts_max),
            s(r.status.name()),
            so(r.message.as_deref()),
        ],
    )
    .expect("ledger columns match the ingest_files schema")
}
