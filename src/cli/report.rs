//! `lightsout report CASE.toml --out DIR`
//!
//! Reads the outputs that `lightsout detect` wrote into the folder (no lake needed) and writes
//! the report beside them: `report.md`, `report.html`, one SVG timeline per event,
//! `summary.csv`, and the report's hashes in `manifest.json`. Prints one line per file.

use lightsout::detect::Case;
use lightsout::report::write_report;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The case file (TOML), the one the outputs were detected with.
    pub case: PathBuf,
    /// The output folder of `lightsout detect`; the report is written into it.
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(a: Args) -> anyhow::Result<i32> {
    let case = Case::load(&a.case)?;
    let s = write_report(&case, &a.out)?;
    for (name, sha) in &s.files {
        println!("{}  {}", &sha[..16], a.out.join(name).display());
    }
    for name in &s.removed {
        println!("removed {} (no such event any more)", a.out.join(name).display());
    }
    println!("report of {} events written to {}", s.events, a.out.join("report.html").display());
    Ok(0)
}
