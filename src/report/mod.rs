//! `lightsout report`: the deliverable of a case, from the outputs of detection.
//!
//! In: a [`Case`] and the output folder that `lightsout detect` wrote for it (its events,
//! windows, signals, footprint and manifest; no lake). Out, in the same folder:
//! `report.md` and `report.html` (the same document: the case, a summary table of events, a
//! section per event, each entity's footprint, method and hashes; the HTML is one
//! self-contained page with its SVGs inline), one SVG timeline per event
//! (`event-<entity>-<n>.svg`), `summary.csv`, and a `report` section in `manifest.json` with
//! the sha256 of every report file. Every file is written atomically; nothing depends on the
//! clock, so two runs give byte-identical files.
//!
//! Modules: [`load`] (with [`columns`]) reads the outputs; [`timeline`] (with [`levels`])
//! decides what each plot shows and [`plot`] draws it on a [`time_axis`]; [`content`] (with
//! [`event_section`], [`footprint`] and [`method`]) builds the [`doc`] that [`markdown`] and
//! [`html`] render, in the vocabulary of [`words`]; [`files`] writes.

pub mod columns;
pub mod content;
pub mod doc;
pub mod event_section;
pub mod files;
pub mod footprint;
pub mod html;
pub mod levels;
pub mod load;
pub mod markdown;
pub mod method;
pub mod plot;
pub mod time_axis;
pub mod timeline;
pub mod words;

use crate::detect::Case;
use sha2::Digest;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Errors of the report, each with the file it concerns.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{path}: not found; run `lightsout detect` for this case with this output folder first")]
    Missing { path: PathBuf },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("{path}: column `{column}`: {message}")]
    Column { path: PathBuf, column: String, message: String },
    #[error(
        "{path}: these outputs were detected with another case file (sha256 {found}); this case file's is {expected}: rerun `lightsout detect`"
    )]
    CaseMismatch { path: PathBuf, found: String, expected: String },
    #[error("{path}: drawing the timeline of {event}: {message}")]
    Plot { path: PathBuf, event: String, message: String },
    #[error("{path}: two events would share this file name, ignoring case ({first} and {second}): rename one of the entities")]
    NameClash { path: PathBuf, first: String, second: String },
}

impl ReportError {
    /// An error opening `path`: [`ReportError::Missing`] when it does not exist.
    pub fn open(path: &Path, e: std::io::Error) -> ReportError {
        if e.kind() == std::io::ErrorKind::NotFound {
            ReportError::Missing { path: path.to_path_buf() }
        } else {
            ReportError::Io { path: path.to_path_buf(), source: e }
        }
    }
}

/// What the report wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSummary {
    pub out: PathBuf,
    pub events: usize,
    /// Every file written (name, sha256), sorted by name; `manifest.json` not included.
    pub files: Vec<(String, String)>,
    /// Timelines of an earlier report that no longer match an event, removed.
    pub removed: Vec<String>,
}

/// The outputs must come from this very case file.
fn check_case(case: &Case, manifest: &serde_json::Value, out: &Path) -> Result<(), ReportError> {
    let expected = hex::encode(sha2::Sha256::digest(case.text.as_bytes()));
    let found = manifest.pointer("/case/sha256").and_then(|v| v.as_str()).unwrap_or("none").to_string();
    if found != expected {
        return Err(ReportError::CaseMismatch { path: out.join("manifest.json"), found, expected });
    }
    Ok(())
}

/// Writes the report of `case` into `out`, which holds the outputs of its detection.
pub fn write_report(case: &Case, out: &Path) -> Result<ReportSummary, ReportError> {
    if !out.is_dir() {
        return Err(ReportError::Missing { path: out.to_path_buf() });
    }
    let outputs = load::read_outputs(out)?;
    check_case(case, &outputs.manifest, out)?;
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut figures: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut owner: BTreeMap<String, String> = BTreeMap::new();
    for e in &outputs.events {
        let name = words::svg_name(&e.entity, &e.id);
        // Case-insensitively: on macOS and Windows `event-T-1.svg` and `event-t-1.svg` are one file.
        if let Some(first) = owner.insert(name.to_lowercase(), e.id.clone()) {
            return Err(ReportError::NameClash { path: out.join(&name), first, second: e.id.clone() });
        }
        let tl = timeline::timeline(case, e, &outputs);
        let svg =
            plot::svg(&tl).map_err(|err| ReportError::Plot { path: out.join(&name), event: e.id.clone(), message: err.to_string() })?;
        figures.insert(e.id.clone(), (name.clone(), svg.clone()));
        files.insert(name, svg.into_bytes());
    }
    let blocks = content::document(case, &outputs, &figures);
    files.insert("report.md".into(), markdown::render(&blocks).into_bytes());
    files.insert("report.html".into(), html::render(&format!("Outage report: {}", case.name), &blocks).into_bytes());
    let lost = |e: &load::EventRow| event_section::upstreams_lost(e, &outputs).iter().map(|u| format!("AS{u}")).collect();
    files.insert("summary.csv".into(), files::summary_csv(&outputs.events, &lost).into_bytes());
    for (name, bytes) in &files {
        files::write_atomic(out, name, bytes)?;
    }
    let removed = files::remove_stale_timelines(out, &files)?;
    let hashes: BTreeMap<String, String> = files.iter().map(|(n, b)| (n.clone(), files::sha256(b))).collect();
    let manifest = files::manifest_with_report(outputs.manifest.clone(), &hashes, outputs.events.len());
    files::write_atomic(out, "manifest.json", files::manifest_text(&manifest).as_bytes())?;
    Ok(ReportSummary { out: out.to_path_buf(), events: outputs.events.len(), files: hashes.into_iter().collect(), removed })
}
