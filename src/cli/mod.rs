//! The command line: one file per subcommand, each turning parsed arguments into a call of
//! the library and printing the outcome.
//!
//! In: `std::env::args`. Out: text on stdout/stderr and the process exit code.

#[cfg(feature = "ballista")]
pub mod cluster;
pub mod detect;
pub mod eval;
pub mod ingest;
pub mod report;
pub mod run;
pub mod sql;
pub mod synth;

use clap::{Parser, Subcommand};

/// Offline forensics of Internet outages: archives in, outage windows and reports out.
#[derive(Debug, Parser)]
#[command(name = "lightsout", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read archives (MRT, traceroutes, DNS logs) into the Parquet lake.
    Ingest(ingest::Args),
    /// Run SQL over the lake (every table registered).
    Sql(sql::Args),
    /// Detect outage windows for the entities of a case, with verdicts.
    Detect(detect::Args),
    /// Write the report of a case: Markdown, HTML, SVG timelines.
    Report(report::Args),
    /// Score detected windows against a ground truth (truth.json).
    Eval(eval::Args),
    /// Write a scenario with a known truth as real archives.
    Synth(synth::Args),
    /// Run the whole pipeline for a case: ingest its inputs, detect, report.
    Run(run::Args),
    /// Run a Ballista scheduler or executor that knows lightsout's functions.
    #[cfg(feature = "ballista")]
    #[command(subcommand)]
    Cluster(cluster::Command),
}

/// Runs the command; returns the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Ingest(a) => ingest::run(a),
        Command::Sql(a) => sql::run(a),
        Command::Detect(a) => detect::run(a),
        Command::Report(a) => report::run(a),
        Command::Eval(a) => eval::run(a),
        Command::Synth(a) => synth::run(a),
        Command::Run(a) => run::run(a),
        #[cfg(feature = "ballista")]
        Command::Cluster(c) => cluster::run(c),
    }
}
