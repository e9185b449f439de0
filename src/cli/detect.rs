//! `lightsout detect CASE.toml --lake DIR --out DIR [--engine ballista://HOST:PORT]`
//!
//! Runs the detection queries for the case, writes `signals.parquet`, `windows.csv`,
//! `windows.parquet` and `manifest.json` into the output folder and prints the windows.
//! On a Ballista cluster, the tables between queries go to `OUT/.derived/` (which the
//! executors must see at the same path, like the lake) and are removed at the end.

use lightsout::detect::{Case, DetectOptions, Engine, detect, output};
use lightsout::engine::runtime;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The case file (TOML).
    pub case: PathBuf,
    /// The lake folder.
    #[arg(long)]
    pub lake: PathBuf,
    /// The output folder.
    #[arg(long)]
    pub out: PathBuf,
    /// Read the SQL from this folder instead of the built-in queries.
    #[arg(long)]
    pub queries: Option<PathBuf>,
    /// Worker threads (default: one per core); on a cluster, partitions per stage.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Where the queries run: `local` (this process) or `ballista://HOST:PORT` (a Ballista
    /// scheduler started with `lightsout cluster scheduler`; needs the `ballista` feature).
    #[arg(long, default_value = "local")]
    pub engine: Engine,
}

pub fn run(a: Args) -> anyhow::Result<i32> {
    let case = Case::load(&a.case)?;
    if !a.lake.is_dir() {
        anyhow::bail!("{}: no such lake folder", a.lake.display());
    }
    let shared = (a.engine != Engine::Local).then(|| a.out.join(".derived"));
    let opts = DetectOptions { threads: a.threads, queries: a.queries.clone(), engine: a.engine.clone(), shared_tables: shared.clone() };
    let rt = runtime(a.threads)?;
    let det = rt.block_on(detect(&case, &a.lake, &opts))?;
    let started = std::time::Instant::now();
    output::write_outputs(&det, &case, &det.inputs, &a.out)?;
    if std::env::var_os("LIGHTSOUT_TIMINGS").is_some() {
        eprintln!("{:>8.3} s  {:>9} rows  (writing the outputs)", started.elapsed().as_secs_f64(), det.windows.len());
    }
    if let Some(dir) = shared {
        std::fs::remove_dir_all(&dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    }
    print!("{}", output::windows_table(&det.windows));
    println!();
    for e in &det.events {
        println!(
            "event {}: {} {} .. {} {} ({}), verdict {}",
            e.id,
            e.kind,
            lightsout::detect::verdict::fmt_time(e.start_us),
            lightsout::detect::verdict::fmt_time(e.end_us),
            e.level,
            e.signals.join(", "),
            e.verdict
        );
    }
    println!("{} windows, {} events written to {}", det.windows.len(), det.events.len(), a.out.display());
    Ok(0)
}
