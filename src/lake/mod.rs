//! The lake: a folder of Parquet tables, hive-partitioned by date.
//!
//! In: record batches of the tables in [`lightsout_formats::Table`]. Out: files laid out as
//!
//! ```text
//! LAKE/bgp_updates/date=2026-11-29/part-<file_id>.parquet   (one part per input file and date)
//! LAKE/ingest_rejects/part-<file_id>.parquet                (ledger tables: no date partition)
//! LAKE/ingest_files/part-<file_id>.parquet                  (written last: the commit mark)
//! LAKE/.tmp/                                                (parts being written)
//! ```
//!
//! Every part is written under `.tmp/` and renamed into place when complete, so a reader never
//! sees a partial file; a file's ledger row is written after all its parts, so a file without a
//! ledger row was not (completely) ingested and is ingested again by the next run. Parts are
//! named by the content hash of their input, so reruns rewrite the same bytes.

mod threaded;
mod writer;

pub use threaded::{Keep, with_writer_thread};

pub use writer::{LakeSink, PartWriter, SinkOutcome, write_batches_atomically};

use arrow::array::StringArray;
use lightsout_formats::Table;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Errors of the lake.
#[derive(Debug, thiserror::Error)]
pub enum LakeError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: writing Parquet: {source}")]
    Parquet { path: PathBuf, source: parquet::errors::ParquetError },
    #[error("{path}: {source}")]
    Arrow { path: PathBuf, source: arrow::error::ArrowError },
}

impl LakeError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        LakeError::Io { path: path.to_path_buf(), source }
    }
}

/// A lake folder.
#[derive(Debug, Clone)]
pub struct Lake {
    root: PathBuf,
}

impl Lake {
    /// Opens (creating if needed) the lake at `root`, with one folder per table.
    pub fn create(root: &Path) -> Result<Lake, LakeError> {
        for t in Table::ALL {
            let dir = root.join(t.name());
            std::fs::create_dir_all(&dir).map_err(|e| LakeError::io(&dir, e))?;
        }
        let tmp = root.join(".tmp");
        std::fs::create_dir_all(&tmp).map_err(|e| LakeError::io(&tmp, e))?;
        Ok(Lake { root: root.to_path_buf() })
    }

    /// A lake that is only read (nothing is created).
    pub fn open(root: &Path) -> Lake {
        Lake { root: root.to_path_buf() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folder of a table.
    pub fn table_dir(&self, table: Table) -> PathBuf {
        self.root.join(table.name())
    }

    /// Where parts are written before they are renamed into place.
    pub fn tmp_dir(&self) -> PathBuf {
        self.root.join(".tmp")
    }

    /// The final path of the part of `table` for input `file_id` and `date` (`None` for the
    /// unpartitioned ledger tables).
    pub fn part_path(&self, table: Table, date: Option<&str>, file_id: &str) -> PathBuf {
        let mut p = self.table_dir(table);
        if let Some(d) = date {
            p.push(format!("date={d}"));
        }
        p.push(format!("part-{file_id}.parquet"));
        p
    }

    /// The file ids that have a ledger row, with the status recorded for each.
    pub fn ledger(&self) -> Result<BTreeMap<String, String>, LakeError> {
        use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
        let dir = self.table_dir(Table::IngestFiles);
        let mut out = BTreeMap::new();
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(LakeError::io(&dir, e)),
        };
        for entry in rd {
            let path = entry.map_err(|e| LakeError::io(&dir, e))?.path();
            if path.extension().is_none_or(|e| e != "parquet") {
                continue;
            }
            let file = std::fs::File::open(&path).map_err(|e| LakeError::io(&path, e))?;
            let reader = ParquetRecordBatchReaderBuilder::try_new(file)
                .and_then(|b| b.build())
                .map_err(|source| LakeError::Parquet { path: path.clone(), source })?;
            for batch in reader {
                let batch = batch.map_err(|source| LakeError::Arrow { path: path.clone(), source })?;
                let col = |name: &str| batch.column_by_name(name).and_then(|c| c.as_any().downcast_ref::<StringArray>().cloned());
                if let (Some(ids), Some(status)) = (col("file_id"), col("status")) {
                    for i in 0..batch.num_rows() {
                        out.insert(ids.value(i).to_string(), status.value(i).to_string());
                    }
                }
            }
        }
        Ok(out)
    }

    /// Removes leftovers of interrupted runs from `.tmp/` (parts that were never renamed).
    pub fn clean_tmp(&self) -> Result<usize, LakeError> {
        let dir = self.tmp_dir();
        let mut n = 0;
        if let Ok(rd) = std::fs::read_dir(&dir) {
            for entry in rd.flatten() {
                if std::fs::remove_file(entry.path()).is_ok() {
                    n += 1;
                }
            }
        }
        Ok(n)
    }
}

/// `YYYY-MM-DD` of a UTC microsecond timestamp.
pub fn date_of(ts_us: i64) -> String {
    let days = ts_us.div_euclid(86_400_000_000);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_timestamps() {
        assert_eq!(date_of(0), "1970-01-01");
        assert_eq!(date_of(1_795_925_311_000_000), "2026-11-29");
        assert_eq!(date_of(951_782_400_000_000), "2000-02-29");
        assert_eq!(date_of(-1), "1969-12-31");
    }
}
