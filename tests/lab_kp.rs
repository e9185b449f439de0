//! Accuracy on the lab outage (`../shared/lab/kp`: real FRR, scamper and BIND in network
//! namespaces, with its ground truth): `lightsout ingest` then `lightsout detect` with
//! `cases/kp-lab.toml`, scored against `truth.json`.
//!
//! Needs `../shared/lab/kp`; skips, saying so, without it.

use assert_cmd::Command;
use lightsout::eval::evaluate_files;
use std::path::{Path, PathBuf};

fn lab() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/lab/kp");
    p.is_dir().then_some(p)
}

#[test]
fn lab_outage_found_within_one_bin_with_the_right_verdicts() {
    let Some(lab) = lab() else {
        eprintln!("SKIP: ../shared/lab/kp not present");
        return;
    };
    let d = tempfile::tempdir().unwrap();
    let lake = d.path().join("lake");
    let out = d.path().join("out");
    Command::cargo_bin("lightsout").unwrap().args(["ingest", "--lake"]).arg(&lake).arg(lab.join("mrt")).assert().success();
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("cases/kp-lab.toml");
    Command::cargo_bin("lightsout").unwrap().arg("detect").arg(&case).arg("--lake").arg(&lake).arg("--out").arg(&out).assert().success();

    let bin = 10;
    let e = evaluate_files(&lab.join("truth.json"), &out.join("windows.csv"), bin).unwrap();
    println!("{}", e.table());
    // Every event found with the right verdict; nothing fires in baseline time.
    assert!(e.unmatched.is_empty(), "windows outside the events: {:?}", e.unmatched);
    for ev in &e.events {
        assert!(ev.found, "{} missed", ev.id);
        assert!(ev.verdict_ok(), "{}: verdict {:?}, expected {:?}", ev.id, ev.verdict, ev.expected_verdict);
    }
    // The full outage and the flaps: start and end within one bin of the truth.
    for ev in e.events.iter().filter(|e| e.kind != "partial") {
        assert!(ev.start_error_s.unwrap().abs() <= bin, "{}: start off by {:?}", ev.id, ev.start_error_s);
        assert!(ev.end_error_s.unwrap().abs() <= bin, "{}: end off by {:?}", ev.id, ev.end_error_s);
    }
    let partial = e.events.iter().find(|e| e.kind == "partial").unwrap();
    assert_eq!(partial.verdict.as_deref(), Some("upstream:65020"));
    // The U1 loss is an upstream event, not an outage: no visibility window overlaps it.
    let csv = std::fs::read_to_string(out.join("windows.csv")).unwrap();
    assert!(!csv.lines().any(|l| l.contains("bgp_visibility") && l.contains("T04:05:")), "{csv}");
    // Both flaps of 198.18.12.0/23 are prefix-level windows.
    let flaps = csv.lines().filter(|l| l.contains(",198.18.12.0/23,bgp_prefix_visibility,")).count();
    assert_eq!(flaps, 3, "the /23 goes dark in the outage and in both flaps:\n{csv}");
    assert!(out.join("manifest.json").is_file() && out.join("signals.parquet").is_file() && out.join("windows.parquet").is_file());
}
