//! What `write_scenario` reports: one line per file written, and totals per kind of file.
//!
//! In: counts gathered while the files were generated, and the bytes written. Out:
//! [`SynthSummary`], which the CLI prints as a table and tests check against the readers.

use std::fmt;
use std::path::PathBuf;

/// The kinds of file a scenario writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    /// MRT TABLE_DUMP_V2 RIB dump (gzip, RIS `bview.*.gz`).
    Rib,
    /// MRT BGP4MP update file (bzip2, RouteViews `updates.*.bz2`).
    Updates,
    /// `truth.json`, the answer key.
    Truth,
    /// `case.toml`, the case file for `lightsout detect`.
    Case,
}

impl FileKind {
    pub const fn name(self) -> &'static str {
        match self {
            FileKind::Rib => "rib",
            FileKind::Updates => "updates",
            FileKind::Truth => "truth",
            FileKind::Case => "case",
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One file written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSummary {
    /// Path relative to the output folder.
    pub path: PathBuf,
    pub kind: FileKind,
    /// MRT records (0 for the text files).
    pub records: u64,
    /// Prefixes announced and withdrawn (update files).
    pub announcements: u64,
    pub withdrawals: u64,
    /// BGP4MP_STATE_CHANGE_AS4 records (update files).
    pub state_changes: u64,
    /// RIB entries, one per prefix and peer (RIB dumps).
    pub rib_entries: u64,
    /// Size before compression, and as written.
    pub raw_bytes: u64,
    pub bytes: u64,
    /// sha256 of the bytes written, lowercase hex.
    pub sha256: String,
}

impl FileSummary {
    /// Rows a reader yields for the file: one per prefix announced or withdrawn, per RIB
    /// entry and per state change (the lines of `bgpdump -m`).
    pub fn rows(&self) -> u64 {
        self.announcements + self.withdrawals + self.state_changes + self.rib_entries
    }
}

/// Totals of one kind of file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindTotals {
    pub kind: FileKind,
    pub files: u64,
    pub records: u64,
    pub rows: u64,
    pub raw_bytes: u64,
    pub bytes: u64,
}

/// Everything a scenario wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthSummary {
    pub scenario: String,
    /// The output folder.
    pub out: PathBuf,
    /// Every file, RIB dumps first, then update files, then `truth.json` and `case.toml`.
    pub files: Vec<FileSummary>,
}

impl SynthSummary {
    /// Totals per kind of file, in [`FileKind`] order.
    pub fn totals(&self) -> Vec<KindTotals> {
        let mut out: Vec<KindTotals> = Vec::new();
        for f in &self.files {
            let t = match out.iter_mut().find(|t| t.kind == f.kind) {
                Some(t) => t,
                None => {
                    out.push(KindTotals { kind: f.kind, files: 0, records: 0, rows: 0, raw_bytes: 0, bytes: 0 });
                    out.last_mut().expect("just pushed")
                }
            };
            t.files += 1;
            t.records += f.records;
            t.rows += f.rows();
            t.raw_bytes += f.raw_bytes;
            t.bytes += f.bytes;
        }
        out.sort_by_key(|t| t.kind);
        out
    }

    /// Bytes written in all.
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }
}
