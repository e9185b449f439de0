//! `lightsout ingest --lake DIR [--kind K] [--collector NAME] INPUT...`
//!
//! Prints one line per file that failed, broke off or had rejected records (`path: reason`),
//! then a one-line summary; the exit code says whether anything was lost (see
//! [`lightsout::ingest::IngestReport::exit_code`]).

use lightsout::formats::registry;
use lightsout::ingest::{FileStatus, IngestOptions, ingest};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The lake folder (created if missing).
    #[arg(long)]
    pub lake: PathBuf,
    /// Files or folders (walked recursively) to ingest.
    #[arg(required_unless_present = "case")]
    pub inputs: Vec<PathBuf>,
    /// Also ingest the `inputs` named by this case file.
    #[arg(long)]
    pub case: Option<PathBuf>,
    /// Read every input as this format instead of sniffing it from the content.
    #[arg(long, value_parser = kind_names())]
    pub kind: Option<String>,
    /// Collector name for MRT rows (default: derived from each file's path).
    #[arg(long)]
    pub collector: Option<String>,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Ingest files again even if their content is already in the lake.
    #[arg(long)]
    pub force: bool,
    /// Time (RFC 3339) of records that carry none, such as pasted traceroute text.
    #[arg(long, value_parser = parse_time)]
    pub default_time: Option<i64>,
    /// Decompression bomb cap: stop reading a compressed file once its decompressed stream is
    /// larger than RATIO times its size (at least 1 MiB is always read); the file is then
    /// `truncated`, with a reject saying why. 0 reads every file whole.
    #[arg(long, value_name = "RATIO", default_value_t = lightsout::formats::compress::DEFAULT_MAX_RATIO)]
    pub max_ratio: u64,
    /// Print one line per file.
    #[arg(long, short)]
    pub verbose: bool,
}

/// A path for the terminal: control characters of hostile file names (a newline, an escape
/// sequence) are escaped, so that every problem stays one line and nothing is sent to the
/// terminal but text.
fn printable(p: &std::path::Path) -> String {
    let s = p.to_string_lossy();
    if !s.chars().any(char::is_control) {
        return s.into_owned();
    }
    s.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}

fn parse_time(s: &str) -> Result<i64, String> {
    chrono::DateTime::parse_from_rfc3339(s).map(|t| t.timestamp_micros()).map_err(|e| format!("`{s}` is not an RFC 3339 time: {e}"))
}

fn kind_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(registry::formats().iter().map(|f| f.name()))
}

pub fn run(a: Args) -> anyhow::Result<i32> {
    let opts = IngestOptions {
        kind: a.kind.as_deref().and_then(registry::by_name),
        collector: a.collector,
        threads: a.threads,
        force: a.force,
        progress: true,
        default_ts_us: a.default_time,
        max_ratio: a.max_ratio,
        ..IngestOptions::default()
    };
    let mut inputs = a.inputs.clone();
    if let Some(c) = &a.case {
        inputs.extend(lightsout::detect::Case::load(c)?.inputs);
    }
    let report = ingest(&a.lake, &inputs, &opts)?;
    for p in &report.problems {
        eprintln!("{}: {}", printable(&p.path), p.reason);
    }
    for f in &report.files {
        let shown = a.verbose || f.status.is_problem();
        if !shown {
            continue;
        }
        let rows: u64 = f.rows.values().sum();
        let what = match f.status {
            FileStatus::Failed | FileStatus::Truncated | FileStatus::Partial | FileStatus::Skipped => f.message.clone().unwrap_or_default(),
            _ => format!("{} rows", rows),
        };
        eprintln!("{}: {} {}: {}", printable(&f.path), f.status.name(), f.format.unwrap_or("-"), what);
    }
    println!("{}", report.summary());
    Ok(report.exit_code())
}
