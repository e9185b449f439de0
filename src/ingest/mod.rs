//! `lightsout ingest`: archives in, lake parts out, in parallel across files.
//!
//! In: input paths, options. Out: Parquet parts in the lake (one per input file, table and
//! date), one `ingest_files` row per file read, the rejects of each file, and an
//! [`IngestReport`] with one [`FileReport`] per input for the summary and the exit code.
//!
//! Per file: hash the bytes (sha256; the first 16 hex digits are the `file_id` that names its
//! parts) and skip it if the lake already has it; sniff the compression from the magic bytes
//! and the format from the decompressed head (or take `--kind`); stream it through the
//! format's reader into a [`LakeSink`]; rename the parts into place; write the ledger row.
//! Files run in parallel on a rayon pool, each on one thread with bounded memory; a panic or an
//! error in one file is that file's `failed` status, never the batch's end.

mod collector;
mod ledger;
mod walk;

pub use collector::collector_from_path;
pub use ledger::{FileStatus, ledger_batch};
pub use walk::{InputProblem, list_files};

use crate::lake::{Keep, Lake, LakeError, LakeSink, with_writer_thread, write_batches_atomically};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lightsout_formats::compress::{Capped, decompressed_limit};
use lightsout_formats::format::SNIFF_BYTES;
use lightsout_formats::{Compression, FileContext, Format, Input, ReadStats, Table, registry};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::RecvTimeoutError;

/// Options of an ingest run.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Format to use for every file instead of sniffing (`--kind`).
    pub kind: Option<&'static dyn Format>,
    /// Collector name for every file (`--collector`); else derived from each path.
    pub collector: Option<String>,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Ingest files again even when their hash is in the lake.
    pub force: bool,
    /// Show a progress bar (only drawn when stderr is a terminal).
    pub progress: bool,
    /// Rows per batch.
    pub batch_rows: usize,
    /// Time of records that carry none (pasted traceroute text), UTC microseconds.
    pub default_ts_us: Option<i64>,
    /// Decompression bomb cap (`--max-ratio`): a compressed file is read until its
    /// decompressed stream passes this many times its size (and at least
    /// [`lightsout_formats::compress::MIN_DECOMPRESSED_LIMIT`]); then it stops, `truncated`,
    /// with a reject saying why. 0: no cap.
    pub max_ratio: u64,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            kind: None,
            collector: None,
            threads: 0,
            force: false,
            progress: false,
            batch_rows: lightsout_formats::format::DEFAULT_BATCH_ROWS,
            default_ts_us: None,
            max_ratio: lightsout_formats::compress::DEFAULT_MAX_RATIO,
        }
    }
}

/// What happened to one input.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: PathBuf,
    pub file_id: Option<String>,
    pub sha256: String,
    pub bytes: u64,
    pub decompressed_bytes: u64,
    pub compression: Option<Compression>,
    pub format: Option<&'static str>,
    pub collector: Option<String>,
    pub status: FileStatus,
    pub stats: ReadStats,
    pub rows: BTreeMap<Table, u64>,
    pub rejects: u64,
    /// One line: why the file failed, was truncated or skipped.
    pub message: Option<String>,
}

impl FileReport {
    fn new(path: &Path) -> Self {
        FileReport {
            path: path.to_path_buf(),
            file_id: None,
            sha256: String::new(),
            bytes: 0,
            decompressed_bytes: 0,
            compression: None,
            format: None,
            collector: None,
            status: FileStatus::Failed,
            stats: ReadStats::default(),
            rows: BTreeMap::new(),
            rejects: 0,
            message: None,
        }
    }

    fn failed(mut self, message: impl Into<String>) -> Self {
        self.status = FileStatus::Failed;
        self.message = Some(message.into());
        self
    }
}

/// The outcome of an ingest run.
#[derive(Debug, Default)]
pub struct IngestReport {
    /// One report per input file, sorted by path.
    pub files: Vec<FileReport>,
    /// Inputs that could not be listed (missing or unreadable paths).
    pub problems: Vec<InputProblem>,
}

impl IngestReport {
    /// Rows written per table over all files.
    pub fn rows(&self) -> BTreeMap<Table, u64> {
        let mut m = BTreeMap::new();
        for f in &self.files {
            for (t, n) in &f.rows {
                *m.entry(*t).or_default() += n;
            }
        }
        m
    }

    pub fn count(&self, status: FileStatus) -> usize {
        self.files.iter().filter(|f| f.status == status).count()
    }

    pub fn rejects(&self) -> u64 {
        self.files.iter().map(|f| f.rejects).sum()
    }

    /// One line: files by status, rows per table, rejects.
    pub fn summary(&self) -> String {
        let mut s = format!("{} files", self.files.len() + self.problems.len());
        let mut parts = Vec::new();
        for st in [FileStatus::Ok, FileStatus::Empty, FileStatus::Partial, FileStatus::Truncated, FileStatus::Failed, FileStatus::Skipped] {
            let n = self.count(st) + if st == FileStatus::Failed { self.problems.len() } else { 0 };
            if n > 0 {
                parts.push(format!("{n} {}", st.name()));
            }
        }
        if !parts.is_empty() {
            s.push_str(&format!(" ({})", parts.join(", ")));
        }
        let rows = self.rows();
        let rows: Vec<String> = rows.iter().filter(|(_, n)| **n > 0).map(|(t, n)| format!("{t} {n}")).collect();
        s.push_str(&format!("; rows: {}", if rows.is_empty() { "none".to_string() } else { rows.join(", ") }));
        s.push_str(&format!("; rejects: {}", self.rejects()));
        s
    }

    /// The process exit code: 0 when every file was read completely, 3 when records were
    /// rejected (the rows that could be read are in the lake), 4 when a file failed, broke
    /// off or an input path could not be read.
    pub fn exit_code(&self) -> i32 {
        let failed = !self.problems.is_empty() || self.files.iter().any(|f| matches!(f.status, FileStatus::Failed | FileStatus::Truncated));
        if failed {
            4
        } else if self.files.iter().any(|f| f.status == FileStatus::Partial) {
            3
        } else {
            0
        }
    }
}

/// Errors that stop an ingest run before any file is read.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Lake(#[from] LakeError),
    #[error("building the thread pool: {0}")]
    Pool(#[from] rayon::ThreadPoolBuildError),
}

/// Ingests `inputs` into the lake at `lake_dir`.
pub fn ingest(lake_dir: &Path, inputs: &[PathBuf], opts: &IngestOptions) -> Result<IngestReport, IngestError> {
    let lake = Lake::create(lake_dir)?;
    lake.clean_tmp()?;
    let (files, problems) = list_files(inputs);
    // Files already in the lake are skipped, except those that failed (a rerun may succeed,
    // e.g. with --kind).
    let known: BTreeSet<String> = if opts.force {
        BTreeSet::new()
    } else {
        lake.ledger()?.into_iter().filter(|(_, st)| st != FileStatus::Failed.name()).map(|(id, _)| id).collect()
    };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(opts.threads).build()?;

    let total_bytes: u64 = files.iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum();
    let bar = progress_bar(opts.progress, total_bytes);

    // Phase 1: hash every file (in parallel), so that duplicates and files already in the
    // lake are known before anything is parsed.
    type Hashed = (PathBuf, Result<(String, u64), String>);
    let hashed: Vec<Hashed> = pool.install(|| files.par_iter().map(|p| (p.clone(), hash_file(p).map_err(|e| e.to_string()))).collect());
    let mut first_of: HashMap<String, PathBuf> = HashMap::new();
    let mut reports = Vec::new();
    let mut todo = Vec::new();
    for (path, h) in hashed {
        let mut r = FileReport::new(&path);
        match h {
            Err(e) => reports.push(r.failed(e)),
            Ok((sha, bytes)) => {
                let id = sha[..16].to_string();
                r.sha256 = sha;
                r.bytes = bytes;
                r.file_id = Some(id.clone());
                if let Some(first) = first_of.get(&id) {
                    r.status = FileStatus::Skipped;
                    r.message = Some(format!("same content as {}", first.display()));
                    reports.push(r);
                } else if known.contains(&id) {
                    first_of.insert(id, path.clone());
                    r.status = FileStatus::Skipped;
                    r.message = Some("already in the lake".to_string());
                    reports.push(r);
                } else {
                    first_of.insert(id, path.clone());
                    todo.push(r);
                }
            }
        }
    }

    // Phase 2: read the files, largest first so that the pool stays busy at the end.
    todo.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(&b.path)));
    let read_bytes = Arc::new(AtomicU64::new(0));
    let skipped: u64 = reports.iter().map(|r| r.bytes).sum();
    // Dropping `stop` ends the bar's thread at once: a thread that slept between updates held
    // the scope, and so every run, open for up to a whole interval (200 ms) after the work.
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let done: Vec<FileReport> = std::thread::scope(|s| {
        // The bar follows the bytes read from the files, whichever thread reads them.
        if !bar.is_hidden() {
            let (bar, read_bytes) = (bar.clone(), &read_bytes);
            s.spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(std::time::Duration::from_millis(200)) {
                    bar.set_position(skipped + read_bytes.load(Ordering::Relaxed));
                }
            });
        }
        let out = pool.install(|| {
            todo.into_par_iter()
                .map(|r| {
                    let path = r.path.clone();
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ingest_file(&lake, r, opts, &read_bytes)))
                        .unwrap_or_else(|p| FileReport::new(&path).failed(format!("internal error (please report): {}", panic_message(&p))))
                })
                .collect()
        });
        drop(stop);
        out
    });
    bar.finish_and_clear();
    reports.extend(done);
    reports.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(IngestReport { files: reports, problems })
}

fn progress_bar(enabled: bool, total: u64) -> ProgressBar {
    use std::io::IsTerminal;
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{spinner} ingest [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| p.downcast_ref::<String>().cloned()).unwrap_or_else(|| "panic".into())
}

/// sha256 (hex) and size of a file, read in 1 MiB chunks.
pub fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((hex::encode(h.finalize()), n))
}

/// A reader that adds what it reads to a shared counter (the progress bar's position).
struct Counted<R> {
    inner: R,
    seen: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.seen.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Reads one file into the lake; `read_bytes` counts the file bytes read (for progress).
fn ingest_file(lake: &Lake, mut r: FileReport, opts: &IngestOptions, read_bytes: &Arc<AtomicU64>) -> FileReport {
    let file_id = r.file_id.clone().expect("hashed files have an id");
    let collector = opts.collector.clone().unwrap_or_else(|| collector_from_path(&r.path));
    r.collector = Some(collector.clone());
    let mut file = match std::fs::File::open(&r.path) {
        Ok(f) => f,
        Err(e) => return r.failed(e.to_string()),
    };
    let mut magic = [0u8; 8];
    let mut got = 0;
    while got < magic.len() {
        match file.read(&mut magic[got..]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) => return r.failed(e.to_string()),
        }
    }
    let compression = Compression::sniff(&magic[..got]);
    r.compression = Some(compression);
    let counted = Counted { inner: file, seen: read_bytes.clone() };
    let raw: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(magic[..got].to_vec()).chain(counted));
    // Large files decompress on other threads (bzip2 block by block), so that this thread
    // parses while they decompress.
    let threads = if opts.threads == 0 { std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) } else { opts.threads };
    let decoder = match lightsout_formats::readahead::parallel_decoder(compression, raw, r.bytes, threads) {
        Ok(d) => d,
        Err(e) => return r.failed(format!("{compression} stream: {e}")),
    };
    let limit = decompressed_limit(r.bytes, opts.max_ratio).filter(|_| compression != Compression::None);
    let decoder: Box<dyn Read + Send> = match limit {
        Some(limit) => Box::new(Capped::new(decoder, limit, r.bytes, opts.max_ratio)),
        None => decoder,
    };
    let mut input = Input::new(decoder);
    let head_len = match input.peek(SNIFF_BYTES) {
        Ok(h) => h.len(),
        Err(e) => {
            // Not even the first block decompresses (e.g. a bzip2 file cut inside its first
            // 900 kB block): the whole file is one reject.
            let reason = format!("{compression} stream broken at the start: {e}");
            let mut sink = LakeSink::new(lake, &file_id, "-");
            let reject = lightsout_formats::Reject::binary(0, reason.clone(), &magic[..got]).with_end(r.bytes);
            let _ = lightsout_formats::Sink::reject(&mut sink, reject);
            r.rejects = 1;
            r.stats.records_rejected = 1;
            if let Err(e) = sink.finish() {
                return write_ledger(lake, r.failed(e.to_string()));
            }
            return write_ledger(lake, r.failed(reason));
        }
    };
    let format = match opts.kind {
        Some(f) => f,
        None if head_len == 0 => {
            r.status = FileStatus::Empty;
            return write_ledger(lake, r);
        }
        None => match registry::sniff(input.peek(SNIFF_BYTES).unwrap_or(&[])) {
            Some(f) => f,
            None => {
                let head = input.peek(16).map(hex::encode).unwrap_or_default();
                return write_ledger(lake, r.failed(format!("unrecognised format (first bytes {head}); use --kind to force one")));
            }
        },
    };
    r.format = Some(format.name());
    let ctx = FileContext { file_id: file_id.clone(), collector, batch_rows: opts.batch_rows, default_ts_us: opts.default_ts_us };
    // Parquet encoding runs on a thread of its own, next to this one's parsing.
    let sink = LakeSink::new(lake, &file_id, format.name());
    let (read, outcome) = with_writer_thread(sink, None, |s| match format.read(&mut input, &ctx, s) {
        Ok(st) => (Ok(st), Keep::Commit),
        Err(e) => (Err(e), Keep::Abort),
    });
    let stats = match read {
        Ok(s) => s,
        Err(e) => return write_ledger(lake, r.failed(e.to_string())),
    };
    r.decompressed_bytes = input.offset();
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => return write_ledger(lake, r.failed(e.to_string())),
    };
    r.rows = outcome.rows;
    r.rejects = outcome.rejects;
    r.status = if let Some(why) = &stats.stopped {
        r.message = Some(format!("stream broke off at decompressed offset {}: {why}", input.offset()));
        FileStatus::Truncated
    } else if outcome.rejects > 0 {
        let first = stats.records_rejected + stats.records_partial;
        r.message = Some(format!("{first} records rejected (see ingest_rejects)"));
        FileStatus::Partial
    } else if r.rows.values().sum::<u64>() == 0 && stats.records_ok == 0 {
        FileStatus::Empty
    } else {
        FileStatus::Ok
    };
    // The reader's own books must close (framed = ok + rejected + skipped, each reject counted
    // once); a reader bug that would lose records silently is said in the ledger instead.
    if let Some(e) = stats.accounting_error(outcome.rejects) {
        let m = format!("internal error (please report): the accounting of {} does not close: {e}", format.name());
        r.message = Some(match r.message.take() {
            Some(prev) => format!("{prev}; {m}"),
            None => m,
        });
    }
    r.stats = stats;
    write_ledger(lake, r)
}

/// Writes the file's ledger row (last, as its commit mark).
fn write_ledger(lake: &Lake, mut r: FileReport) -> FileReport {
    let Some(id) = r.file_id.clone() else { return r };
    let batch = ledger_batch(&r);
    let dest = lake.part_path(Table::IngestFiles, None, &id);
    if let Err(e) = write_batches_atomically(&lake.tmp_dir(), &dest, Table::IngestFiles.schema(), &[batch]) {
        r.status = FileStatus::Failed;
        r.message = Some(format!("writing the ledger: {e}"));
    }
    r
}
