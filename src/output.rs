//! Rendering query results for people and programs.
//!
//! In: record batches. Out: text as an aligned table, CSV (with header) or JSON lines, written
//! to any `Write`. Timestamps are printed in RFC 3339 UTC.

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use std::io::Write;

/// Output formats of `lightsout sql` and friends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Csv,
    Json,
}

/// Writes `batches` in `format`.
pub fn write_batches(out: &mut dyn Write, format: OutputFormat, schema: &SchemaRef, batches: &[RecordBatch]) -> anyhow::Result<()> {
    match format {
        OutputFormat::Table => {
            let shown = arrow::util::pretty::pretty_format_batches_with_schema(schema.clone(), batches)?;
            writeln!(out, "{shown}")?;
        }
        OutputFormat::Csv => {
            let mut w = arrow::csv::WriterBuilder::new().with_header(true).build(&mut *out);
            if batches.is_empty() {
                w.write(&RecordBatch::new_empty(schema.clone()))?;
            }
            for b in batches {
                w.write(b)?;
            }
        }
        OutputFormat::Json => {
            let mut w = arrow::json::LineDelimitedWriter::new(&mut *out);
            let refs: Vec<&RecordBatch> = batches.iter().collect();
            w.write_batches(&refs)?;
            w.finish()?;
        }
    }
    Ok(())
}
