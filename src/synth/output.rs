//! Compressing, writing and hashing the files of a scenario.
//!
//! In: uncompressed files from [`super::generate`] and the text files. Out: files under the
//! output folder (update files bzip2-compressed as RouteViews publishes them, RIB dumps
//! gzip-compressed as RIS does; each written to a `.tmp` name and renamed, so a reader never
//! sees half a file) and their [`FileSummary`]. Compression runs on rayon across files; the
//! bytes do not depend on the number of threads (gzip header without name or time).

use super::SynthError;
use super::generate::{Counts, RawFile};
use super::summary::{FileKind, FileSummary};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

fn io_error(path: &Path, source: std::io::Error) -> SynthError {
    SynthError::Io { path: path.to_path_buf(), source }
}

fn compress(f: &RawFile) -> std::io::Result<Vec<u8>> {
    match f.kind {
        FileKind::Updates => {
            let mut e = bzip2::write::BzEncoder::new(Vec::with_capacity(f.raw.len() / 3), bzip2::Compression::best());
            e.write_all(&f.raw)?;
            e.finish()
        }
        FileKind::Rib => {
            let mut e = flate2::write::GzEncoder::new(Vec::with_capacity(f.raw.len() / 3), flate2::Compression::default());
            e.write_all(&f.raw)?;
            e.finish()
        }
        FileKind::Truth | FileKind::Case => Ok(f.raw.clone()),
    }
}

/// Writes `bytes` to `out/rel` through a temporary name.
fn write_atomic(out: &Path, rel: &str, bytes: &[u8]) -> Result<(), SynthError> {
    let path = out.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    }
    let tmp = path.with_extension(format!("{}.tmp", path.extension().and_then(|e| e.to_str()).unwrap_or("")));
    std::fs::write(&tmp, bytes).map_err(|e| io_error(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| io_error(&path, e))
}

/// Compresses, writes and hashes every file, keeping their order.
pub fn write_files(out: &Path, files: &[RawFile]) -> Result<Vec<FileSummary>, SynthError> {
    files
        .par_iter()
        .map(|f| {
            let bytes = compress(f).map_err(|e| io_error(&out.join(&f.rel), e))?;
            write_atomic(out, &f.rel, &bytes)?;
            let Counts { records, announcements, withdrawals, state_changes, rib_entries } = f.counts;
            Ok(FileSummary {
                path: f.rel.clone().into(),
                kind: f.kind,
                records,
                announcements,
                withdrawals,
                state_changes,
                rib_entries,
                raw_bytes: f.raw.len() as u64,
                bytes: bytes.len() as u64,
                sha256: hex::encode(Sha256::digest(&bytes)),
            })
        })
        .collect()
}
