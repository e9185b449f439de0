//! `lightsout synth`: realistic BGP archives with a known truth, for demos, tests and
//! benchmarks.
//!
//! In: a scenario name (the scenarios are data: [`scenario`](mod@scenario) declares their shape,
//! [`demo`] is the default one). Out, under the output folder:
//! - `mrt/<collector>/bview.YYYYMMDD.HHMM.gz`: TABLE_DUMP_V2 RIB dumps (as RIPE RIS),
//! - `mrt/<collector>/updates.YYYYMMDD.HHMM.bz2`: BGP4MP update files with
//!   BGP4MP_MESSAGE_AS4 and BGP4MP_STATE_CHANGE_AS4 records (as RouteViews),
//! - `truth.json`: the answer key (events, their times and scope), shaped like the lab
//!   datasets' one, and `case.toml`: the case file for `lightsout detect`,
//!
//! and a [`SynthSummary`] of what was written. The same name always gives the same bytes:
//! all randomness comes from a seeded SplitMix64 (`rng`), nothing reads the clock and no
//! output depends on hash-map order.
//!
//! Flow (one private module each): `world` and `sessions` turn the scenario into prefixes,
//! origins and sessions, `paths` gives their AS paths; `timeline` plans `churn` and the
//! `events` as per-session intents; `sim` replays them into the messages the collector
//! receives and the table it holds; `generate` encodes them (`bgp_update`, `mrt_bgp4mp`,
//! `mrt_table_dump_v2`) into update files and RIB dumps; `output` compresses, writes and
//! hashes; `truth` and `case` write the answer key and the case file.

mod bgp_update;
mod case;
mod churn;
pub mod demo;
mod events;
mod generate;
mod mrt_bgp4mp;
mod mrt_header;
mod mrt_table_dump_v2;
mod output;
mod paths;
mod rng;
pub mod scenario;
mod sessions;
mod sim;
pub mod summary;
mod timeline;
mod truth;
mod world;

pub use scenario::Scenario;
pub use summary::{FileKind, FileSummary, KindTotals, SynthSummary};

use std::path::{Path, PathBuf};

/// Why a scenario could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("unknown scenario {name:?} (known: {})", scenario_names().join(", "))]
    UnknownScenario { name: String },
    #[error("scenario {scenario}: {what}")]
    Spec { scenario: String, what: String },
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

/// Every scenario, the default first.
const SCENARIOS: &[&Scenario] = &[&demo::DEMO];

/// Names of the scenarios `write_scenario` knows, the default (`demo`) first.
pub fn scenario_names() -> &'static [&'static str] {
    const NAMES: &[&str] = &[demo::DEMO.name];
    NAMES
}

/// The scenario called `name`.
pub fn scenario(name: &str) -> Result<&'static Scenario, SynthError> {
    SCENARIOS.iter().copied().find(|s| s.name == name).ok_or_else(|| SynthError::UnknownScenario { name: name.to_string() })
}

/// Writes scenario `name` under `out` (created if missing; files of the same names are
/// replaced, nothing else is touched) and says what was written.
pub fn write_scenario(name: &str, out: &Path) -> Result<SynthSummary, SynthError> {
    let sc = scenario(name)?;
    let g = generate::generate(sc)?;
    let mut files = g.files;
    files.push(truth::truth_file(&g.world, &g.sizes)?);
    files.push(case::case_file(&g.world, &g.sizes));
    let summaries = output::write_files(out, &files)?;
    Ok(SynthSummary { scenario: sc.name.to_string(), out: out.to_path_buf(), files: summaries })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_table_agree() {
        assert_eq!(scenario_names().len(), SCENARIOS.len());
        for (n, s) in scenario_names().iter().zip(SCENARIOS) {
            assert_eq!(*n, s.name);
        }
        assert_eq!(scenario_names()[0], "demo");
        let e = scenario("nope").unwrap_err().to_string();
        assert!(e.contains("nope") && e.contains("demo"), "{e}");
    }
}
