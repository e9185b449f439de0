//! The one trait every input format implements, and what flows through it.
//!
//! In: an [`Input`] (the decompressed stream) and a [`FileContext`]. Out: Arrow
//! `RecordBatch`es of the tables the format writes (schemas from [`Table::schema`]) and
//! [`Reject`]s, both handed to a [`Sink`], plus [`ReadStats`] for the ledger.
//!
//! The contract, checked by the accounting tests: every record the reader frames ends up
//! either as rows in a batch (`records_ok`) or as exactly one reject (`records_rejected`);
//! damage in the byte stream that cannot be framed into records is one reject per skipped
//! range. A reader never panics on bad input, never allocates from an untrusted length without
//! a cap, and returns `Err` only when it cannot go on for a reason that is not the input's
//! fault (the sink failed). A stream that breaks off (truncated gzip, I/O error) is a reject
//! at the offset where it broke plus `ReadStats::stopped`, not an `Err`.

use crate::compress::Input;
use crate::table::Table;
use arrow_array::RecordBatch;
use std::fmt;

/// What a reader knows about the file it reads.
#[derive(Debug, Clone)]
pub struct FileContext {
    /// First 16 hex digits of the file's sha256; goes into every row's `file_id`.
    pub file_id: String,
    /// Collector name for MRT rows (from `--collector` or the path); other formats may use it
    /// as a label of the vantage point.
    pub collector: String,
    /// Rows per batch handed to the sink.
    pub batch_rows: usize,
    /// Time given to rows of inputs that carry none (pasted traceroute text), UTC
    /// microseconds; `None` means the Unix epoch (0).
    pub default_ts_us: Option<i64>,
}

impl FileContext {
    pub fn new(file_id: impl Into<String>, collector: impl Into<String>) -> Self {
        FileContext { file_id: file_id.into(), collector: collector.into(), batch_rows: DEFAULT_BATCH_ROWS, default_ts_us: None }
    }
}

/// Default number of rows per batch.
pub const DEFAULT_BATCH_ROWS: usize = 64 * 1024;

/// A record (or a range of bytes) that could not be turned into rows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reject {
    /// Byte offset of the record in the decompressed stream.
    pub offset: u64,
    /// 1-based line number, for line-oriented formats.
    pub line: Option<u64>,
    /// End of the skipped byte range (exclusive), when a range was skipped.
    pub end_offset: Option<u64>,
    /// Why: one line, naming the field that failed where known.
    pub reason: String,
    /// The first bytes of the record, as hex (binary formats) or text (text formats).
    pub excerpt: String,
}

/// Longest excerpt kept in a reject, in bytes of input.
pub const EXCERPT_BYTES: usize = 48;

impl Reject {
    /// A reject of binary input: the excerpt is the hex of the first [`EXCERPT_BYTES`].
    pub fn binary(offset: u64, reason: impl Into<String>, bytes: &[u8]) -> Self {
        let n = bytes.len().min(EXCERPT_BYTES);
        Reject { offset, line: None, end_offset: None, reason: one_line(reason.into()), excerpt: hex::encode(&bytes[..n]) }
    }

    /// A reject of a text line: the excerpt is the start of the line (lossy UTF-8).
    pub fn text(offset: u64, line: u64, reason: impl Into<String>, bytes: &[u8]) -> Self {
        let n = bytes.len().min(EXCERPT_BYTES * 2);
        let mut excerpt = String::from_utf8_lossy(&bytes[..n]).into_owned();
        excerpt.retain(|c| c != '\n' && c != '\r');
        Reject { offset, line: Some(line), end_offset: None, reason: one_line(reason.into()), excerpt }
    }

    /// Marks the reject as covering the byte range `offset..end`.
    pub fn with_end(mut self, end: u64) -> Self {
        self.end_offset = Some(end);
        self
    }
}

fn one_line(mut s: String) -> String {
    if s.contains('\n') {
        s = s.replace('\n', " ");
    }
    s
}

/// Where a reader puts what it read.
pub trait Sink {
    /// A batch of rows of `table` (its schema is `table.schema()`).
    fn batch(&mut self, table: Table, batch: RecordBatch) -> Result<(), SinkError>;
    /// A record that could not be read.
    fn reject(&mut self, reject: Reject) -> Result<(), SinkError>;
    /// Progress: decompressed bytes consumed so far. Called now and then; may be ignored.
    fn progress(&mut self, _offset: u64) {}
}

/// The sink could not take a batch (a write failed). Stops the reader.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SinkError(pub String);

/// What a reader reports when it is done with a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Records (MRT records, traces, log lines, frames...) turned into rows.
    pub records_ok: u64,
    /// Records or byte ranges sent to the sink as rejects.
    pub records_rejected: u64,
    /// Records turned into rows that also lost part of their content; each has a reject
    /// (reason starting with `partial:`) besides its rows.
    pub records_partial: u64,
    /// Records read that carry no rows by design (MRT KEEPALIVE/OPEN, peer index tables,
    /// comments and headers of text formats), counted so that the accounting closes.
    pub records_skipped: u64,
    /// Records the reader framed, counted where it cuts the stream into records (a skipped
    /// byte range and the broken-off tail of a stream count as one each). The accounting
    /// contract is `records_framed == records_ok + records_rejected + records_skipped`; see
    /// [`ReadStats::accounting_error`].
    pub records_framed: u64,
    /// Smallest and largest row time seen, UTC microseconds.
    pub ts_min: Option<i64>,
    pub ts_max: Option<i64>,
    /// Set when the reader stopped before the end of the stream (the stream broke off, or the
    /// damage could not be skipped); says why. The bytes after the stop are in a reject.
    pub stopped: Option<String>,
}

impl ReadStats {
    /// Widens the time range by `ts` (UTC microseconds).
    #[inline]
    pub fn saw_ts(&mut self, ts: i64) {
        self.ts_min = Some(self.ts_min.map_or(ts, |m| m.min(ts)));
        self.ts_max = Some(self.ts_max.map_or(ts, |m| m.max(ts)));
    }

    /// Checks the accounting contract against the `rejects` the reader sent to its sink:
    /// every framed record is ok, rejected or skipped, each reject is counted once (as a
    /// rejected record or as the `partial:` reject of an ok one), and partial records are ok
    /// records. Returns what does not add up.
    pub fn accounting_error(&self, rejects: u64) -> Option<String> {
        let accounted = self.records_ok + self.records_rejected + self.records_skipped;
        if self.records_framed != accounted {
            return Some(format!(
                "{} records framed, but {} ok + {} rejected + {} skipped = {accounted}",
                self.records_framed, self.records_ok, self.records_rejected, self.records_skipped
            ));
        }
        if rejects != self.records_rejected + self.records_partial {
            return Some(format!(
                "{rejects} rejects written, but {} rejected + {} partial records",
                self.records_rejected, self.records_partial
            ));
        }
        if self.records_partial > self.records_ok {
            return Some(format!("{} partial records, but only {} ok", self.records_partial, self.records_ok));
        }
        None
    }
}

/// A reader failed for a reason that is not a bad record.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("writing output: {0}")]
    Sink(#[from] SinkError),
    #[error("reading input at decompressed offset {offset}: {source}")]
    Io { offset: u64, source: std::io::Error },
    #[error("building batch for {table}: {source}")]
    Arrow { table: Table, source: arrow_schema::ArrowError },
}

/// One input format.
pub trait Format: Send + Sync {
    /// Short name, used by `--kind` and in `ingest_files.format`.
    fn name(&self) -> &'static str;
    /// One line for `--help` and the README.
    fn description(&self) -> &'static str;
    /// The tables this format writes.
    fn tables(&self) -> &'static [Table];
    /// Whether the head of a decompressed stream (up to [`SNIFF_BYTES`]; less only when the
    /// stream is shorter) looks like this format.
    fn sniff(&self, head: &[u8]) -> bool;
    /// Reads the whole stream.
    fn read(&self, input: &mut Input<'_>, ctx: &FileContext, sink: &mut dyn Sink) -> Result<ReadStats, FormatError>;
}

/// How many decompressed bytes sniffing looks at.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// Whether the head of a stream reads as text for the text formats' sniffers: NUL bytes are
/// rare (at most one per KiB, at least one allowed), as in a damaged log or a JSON line with
/// a stray binary field, whereas binary data has one in about every 256 bytes. A text file
/// with one damaged line is thus still recognised (and the line rejected), not failed whole.
pub fn looks_like_text(head: &[u8]) -> bool {
    let nul = head.iter().filter(|&&b| b == 0).count();
    nul <= (head.len() / 1024).max(1) && !head.starts_with(&[0])
}

impl fmt::Debug for dyn Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A sink that keeps everything in memory (tests, fuzzing, small tools).
#[derive(Debug, Default)]
pub struct MemorySink {
    pub batches: Vec<(Table, RecordBatch)>,
    pub rejects: Vec<Reject>,
}

impl MemorySink {
    /// Total rows of `table`.
    pub fn rows(&self, table: Table) -> usize {
        self.batches.iter().filter(|(t, _)| *t == table).map(|(_, b)| b.num_rows()).sum()
    }

    /// Total rows of all tables.
    pub fn total_rows(&self) -> usize {
        self.batches.iter().map(|(_, b)| b.num_rows()).sum()
    }

    /// All batches of `table` concatenated (an empty batch when there are none).
    pub fn concat(&self, table: Table) -> RecordBatch {
        let batches: Vec<&RecordBatch> = self.batches.iter().filter(|(t, _)| *t == table).map(|(_, b)| b).collect();
        arrow_select_concat(&table.schema(), &batches)
    }
}

fn arrow_select_concat(schema: &arrow_schema::SchemaRef, batches: &[&RecordBatch]) -> RecordBatch {
    if batches.is_empty() {
        return RecordBatch::new_empty(schema.clone());
    }
    let columns = (0..schema.fields().len())
        .map(|i| {
            let arrays: Vec<&dyn arrow_array::Array> = batches.iter().map(|b| b.column(i).as_ref()).collect();
            concat_arrays(&arrays)
        })
        .collect();
    RecordBatch::try_new(schema.clone(), columns).expect("batches of one schema concatenate")
}

fn concat_arrays(arrays: &[&dyn arrow_array::Array]) -> arrow_array::ArrayRef {
    let data: Vec<arrow_data::ArrayData> = arrays.iter().map(|a| a.to_data()).collect();
    let refs: Vec<&arrow_data::ArrayData> = data.iter().collect();
    let capacity = arrays.iter().map(|a| a.len()).sum();
    let mut m = arrow_data::transform::MutableArrayData::new(refs, false, capacity);
    for (i, a) in arrays.iter().enumerate() {
        m.try_extend(i, 0, a.len()).expect("concatenated lengths fit");
    }
    arrow_array::make_array(m.freeze())
}

impl Sink for MemorySink {
    fn batch(&mut self, table: Table, batch: RecordBatch) -> Result<(), SinkError> {
        self.batches.push((table, batch));
        Ok(())
    }
    fn reject(&mut self, reject: Reject) -> Result<(), SinkError> {
        self.rejects.push(reject);
        Ok(())
    }
}
