//! `lightsout eval --truth truth.json --windows windows.csv [--slack SECONDS]`
//!
//! Prints, per true event, whether it was found, the start and end errors and whether the
//! verdict is right, then the windows that match no event. Exit code 0 when everything was
//! found with the right verdict and nothing else fired, 5 otherwise.

use lightsout::eval::evaluate_files;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The ground truth (truth.json).
    #[arg(long)]
    pub truth: PathBuf,
    /// The windows of a detection (windows.csv).
    #[arg(long)]
    pub windows: PathBuf,
    /// Seconds by which a window may miss an event and still match it (use the bin size).
    #[arg(long, default_value_t = 0)]
    pub slack: i64,
}

pub fn run(a: Args) -> anyhow::Result<i32> {
    let e = evaluate_files(&a.truth, &a.windows, a.slack).map_err(anyhow::Error::msg)?;
    print!("{}", e.table());
    Ok(if e.perfect() { 0 } else { 5 })
}
