//! Columns of one Parquet file of the output folder, read by name and cast (by
//! [`crate::columns`]).
//!
//! In: a Parquet file. Out: one column at a time as `Vec`s of text, integers, floats or
//! microseconds. A reordered or widened column (a string view, a wider integer, a timestamp)
//! still reads; a missing column is a [`ReportError::Column`] that names the file and column.

use super::ReportError;
use arrow::array::RecordBatch;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::path::PathBuf;

/// Columns of one Parquet file, read by name.
pub struct Columns {
    path: PathBuf,
    batches: Vec<RecordBatch>,
}

impl Columns {
    pub fn open(path: PathBuf) -> Result<Columns, ReportError> {
        let file = std::fs::File::open(&path).map_err(|e| ReportError::open(&path, e))?;
        let read = |e: parquet::errors::ParquetError| ReportError::Read { path: path.clone(), message: e.to_string() };
        let reader = ParquetRecordBatchReaderBuilder::try_new(file).map_err(read)?.build().map_err(read)?;
        let batches =
            reader.collect::<Result<Vec<_>, _>>().map_err(|e| ReportError::Read { path: path.clone(), message: e.to_string() })?;
        Ok(Columns { path, batches })
    }

    fn err(&self, e: crate::columns::ColumnError) -> ReportError {
        ReportError::Column { path: self.path.clone(), column: e.column, message: e.message }
    }

    pub fn strings(&self, name: &str) -> Result<Vec<Option<String>>, ReportError> {
        crate::columns::strings(&self.batches, name).map_err(|e| self.err(e))
    }

    pub fn text(&self, name: &str) -> Result<Vec<String>, ReportError> {
        Ok(self.strings(name)?.into_iter().map(Option::unwrap_or_default).collect())
    }

    pub fn ints(&self, name: &str) -> Result<Vec<Option<i64>>, ReportError> {
        crate::columns::ints(&self.batches, name).map_err(|e| self.err(e))
    }

    pub fn floats(&self, name: &str) -> Result<Vec<Option<f64>>, ReportError> {
        crate::columns::floats(&self.batches, name).map_err(|e| self.err(e))
    }

    /// Timestamps (or integers) as microseconds; NULL is an error.
    pub fn micros(&self, name: &str) -> Result<Vec<i64>, ReportError> {
        let v = self.ints(name)?;
        v.into_iter()
            .map(|x| x.ok_or_else(|| ReportError::Column { path: self.path.clone(), column: name.into(), message: "NULL time".into() }))
            .collect()
    }
}
