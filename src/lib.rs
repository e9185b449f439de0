//! lightsout: offline forensics of Internet outages.
//!
//! The library behind the `lightsout` binary (which only parses arguments and prints).
//! Data flows through three stages, each a module:
//!
//! - [`ingest`]: archives (MRT, traceroutes, DNS logs; any compression) in, Parquet parts of
//!   the [`lake`] out, with a ledger of every file and every rejected record. The readers live
//!   in the `lightsout-formats` crate.
//! - `detect`: SQL (`queries/*.sql`) over the lake through DataFusion ([`engine`]), signals
//!   per entity and bin, baselines, outage windows and events with a verdict.
//! - [`report`]: the outputs of detection in, `report.md`, `report.html`, SVG timelines,
//!   `summary.csv` and the report's hashes in the manifest out.
//!
//! With the `ballista` feature, `cluster` runs the same SQL on an Apache DataFusion Ballista
//! cluster (scheduler and executors with lightsout's UDFs).
//!
//! [`synth`] writes scenarios with a known truth as real archives, for the demo and tests.

#[cfg(feature = "ballista")]
pub mod cluster;
pub mod columns;
pub mod detect;
pub mod engine;
pub mod eval;
pub mod ingest;
pub mod lake;
pub mod output;
pub mod report;
pub mod synth;

pub use lightsout_formats as formats;
