//! The report's files on disk: `summary.csv`, atomic writes, the `report` section of
//! `manifest.json`, and the removal of timelines left over from an earlier report.
//!
//! In: file names and bytes. Out: files in the output folder, each written under a temporary
//! name and renamed, so a reader never sees half a file; the manifest rewritten the same way
//! with every report file's sha256 (no times, keys sorted).

use super::ReportError;
use super::event_section::sources_of;
use super::load::EventRow;
use super::words;
use serde_json::{Value, json};
use sha2::Digest;
use std::collections::BTreeMap;
use std::path::Path;

/// Columns of `summary.csv`.
pub const SUMMARY_COLUMNS: [&str; 16] = [
    "entity",
    "event",
    "start",
    "end",
    "duration_s",
    "kind",
    "level",
    "verdict",
    "signals",
    "sources",
    "fused_score",
    "dark_prefixes",
    "dark_addresses",
    "dark_names",
    "upstreams_lost",
    "timeline",
];

/// `summary.csv`: one row per event with its key fields (lists joined with `; `).
pub fn summary_csv(events: &[EventRow], upstreams_lost: &dyn Fn(&EventRow) -> Vec<String>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(SUMMARY_COLUMNS).expect("writing CSV to memory");
    for e in events {
        let row = [
            e.entity.clone(),
            e.id.clone(),
            words::rfc3339(e.start_us),
            words::rfc3339(e.end_us),
            ((e.end_us - e.start_us) / 1_000_000).to_string(),
            e.kind.clone(),
            e.level.clone(),
            e.verdict.clone(),
            e.signals.join("; "),
            sources_of(e).join("; "),
            e.fused_score.to_string(),
            e.dark_prefixes.join("; "),
            e.dark_addresses.join("; "),
            e.dark_names.join("; "),
            upstreams_lost(e).join("; "),
            words::svg_name(&e.entity, &e.id),
        ];
        w.write_record(row).expect("writing CSV to memory");
    }
    String::from_utf8(w.into_inner().expect("flushing CSV to memory")).expect("CSV of UTF-8 text")
}

/// Writes `bytes` to `out/name` through a temporary file in the same folder.
pub fn write_atomic(out: &Path, name: &str, bytes: &[u8]) -> Result<(), ReportError> {
    let dest = out.join(name);
    let tmp = out.join(format!(".{name}.{}.tmp", std::process::id()));
    let io = |e| ReportError::Io { path: dest.clone(), source: e };
    if let Err(e) = std::fs::write(&tmp, bytes) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    std::fs::rename(&tmp, &dest).map_err(io)
}

/// sha256 of bytes, as hex.
pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Removes `event-*.svg` files of an earlier report that this one did not write.
pub fn remove_stale_timelines(out: &Path, keep: &BTreeMap<String, Vec<u8>>) -> Result<Vec<String>, ReportError> {
    let entries = std::fs::read_dir(out).map_err(|e| ReportError::Io { path: out.to_path_buf(), source: e })?;
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with("event-") && name.ends_with(".svg") && !keep.contains_key(&name) {
            std::fs::remove_file(entry.path()).map_err(|e| ReportError::Io { path: entry.path(), source: e })?;
            removed.push(name);
        }
    }
    removed.sort();
    Ok(removed)
}

/// The manifest with its `report` section set to the files written (name to sha256).
pub fn manifest_with_report(mut manifest: Value, files: &BTreeMap<String, String>, events: usize) -> Value {
    if let Some(m) = manifest.as_object_mut() {
        m.insert("report".into(), json!({ "events": events, "files": files }));
    }
    manifest
}

/// The manifest as written: pretty JSON with sorted keys and a final newline.
pub fn manifest_text(manifest: &Value) -> String {
    serde_json::to_string_pretty(manifest).unwrap_or_default() + "\n"
}
