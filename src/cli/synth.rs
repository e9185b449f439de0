//! `lightsout synth SCENARIO --out DIR`
//!
//! Writes a scenario as real archives (MRT RIB dumps and update files) with its `truth.json`
//! and `case.toml`, and prints what was written per kind of file.

use lightsout::synth::{scenario_names, write_scenario};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario to write.
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(scenario_names()))]
    pub scenario: String,
    /// The output folder (created if missing).
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(a: Args) -> anyhow::Result<i32> {
    let summary = write_scenario(&a.scenario, &a.out)?;
    println!("{:<8} {:>6} {:>9} {:>9} {:>12} {:>10}", "kind", "files", "records", "rows", "raw bytes", "bytes");
    for t in summary.totals() {
        println!(
            "{:<8} {:>6} {:>9} {:>9} {:>12} {:>10}",
            format!("{:?}", t.kind).to_lowercase(),
            t.files,
            t.records,
            t.rows,
            t.raw_bytes,
            t.bytes
        );
    }
    println!("scenario {} written to {}", summary.scenario, a.out.display());
    Ok(0)
}
