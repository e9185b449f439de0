//! `lightsout run CASE.toml [--work DIR]`
//!
//! The whole pipeline for a case: ingest the case's `inputs` into `WORK/lake`, detect into
//! `WORK`, and write the report there. `WORK` defaults to `out/<case name>`. Files already in
//! the lake are skipped, so a rerun only reads new inputs. The exit code is ingest's when it
//! lost input (3 or 4), else 0.

use lightsout::detect::{Case, DetectOptions, detect, output};
use lightsout::engine::runtime;
use lightsout::ingest::{IngestOptions, ingest};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The case file (TOML); its `inputs` are ingested.
    pub case: PathBuf,
    /// Working folder: the lake goes in WORK/lake, the outputs in WORK.
    #[arg(long)]
    pub work: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

pub fn run(a: Args) -> anyhow::Result<i32> {
    let case = Case::load(&a.case)?;
    if case.inputs.is_empty() {
        anyhow::bail!("{}: the case names no `inputs` to ingest", a.case.display());
    }
    let work = a.work.clone().unwrap_or_else(|| PathBuf::from("out").join(&case.name));
    let lake = work.join("lake");
    let opts = IngestOptions { threads: a.threads, progress: true, ..IngestOptions::default() };
    let report = ingest(&lake, &case.inputs, &opts)?;
    for p in &report.problems {
        eprintln!("{}: {}", p.path.display(), p.reason);
    }
    for f in report.files.iter().filter(|f| f.status.is_problem()) {
        eprintln!("{}: {} {}: {}", f.path.display(), f.status.name(), f.format.unwrap_or("-"), f.message.clone().unwrap_or_default());
    }
    println!("ingest: {}", report.summary());
    let rt = runtime(a.threads)?;
    let det = rt.block_on(detect(&case, &lake, &DetectOptions { threads: a.threads, ..DetectOptions::default() }))?;
    output::write_outputs(&det, &case, &det.inputs, &work)?;
    println!("detect: {} windows, {} events", det.windows.len(), det.events.len());
    for e in &det.events {
        println!(
            "  {} {} {} .. {}: {}",
            e.id,
            e.kind,
            lightsout::detect::verdict::fmt_time(e.start_us),
            lightsout::detect::verdict::fmt_time(e.end_us),
            e.verdict
        );
    }
    let rep = lightsout::report::write_report(&case, &work)?;
    println!("report: {} ({} events)", work.join("report.html").display(), rep.events);
    Ok(match report.exit_code() {
        0 => 0,
        c => c,
    })
}
