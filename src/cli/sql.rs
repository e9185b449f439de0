//! `lightsout sql --lake DIR [--format table|csv|json] (SQL | -f FILE)`
//!
//! Registers every table of the lake in a DataFusion session and prints the result of one
//! SQL statement.

use lightsout::engine::{lake_session, run_sql, runtime};
use lightsout::output::{OutputFormat, write_batches};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The lake folder.
    #[arg(long)]
    pub lake: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Read the SQL from this file.
    #[arg(short = 'f', long = "file", conflicts_with = "query")]
    pub file: Option<PathBuf>,
    /// The SQL statement.
    #[arg(required_unless_present = "file")]
    pub query: Option<String>,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

pub fn run(a: Args) -> anyhow::Result<i32> {
    let sql = match (&a.query, &a.file) {
        (Some(q), _) => q.clone(),
        (None, Some(f)) => std::fs::read_to_string(f).map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))?,
        (None, None) => unreachable!("clap requires one of them"),
    };
    if !a.lake.is_dir() {
        anyhow::bail!("{}: no such lake folder", a.lake.display());
    }
    let rt = runtime(a.threads)?;
    let (schema, batches) = rt.block_on(async {
        let ctx = lake_session(&a.lake, a.threads).await?;
        run_sql(&ctx, &sql).await
    })?;
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    write_batches(&mut lock, a.format, &schema, &batches)?;
    Ok(0)
}
