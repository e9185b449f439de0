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

/// The lab with one kind of evidence only: ingest `inputs`, detect, return windows.csv rows.
fn detect_with(lab: &Path, inputs: &[&str]) -> Vec<lightsout::eval::WindowRow> {
    let d = tempfile::tempdir().unwrap();
    let lake = d.path().join("lake");
    let out = d.path().join("out");
    let mut cmd = Command::cargo_bin("lightsout").unwrap();
    cmd.args(["ingest", "--lake"]).arg(&lake);
    for i in inputs {
        cmd.arg(lab.join(i));
    }
    cmd.assert().success();
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("cases/kp-lab.toml");
    Command::cargo_bin("lightsout").unwrap().arg("detect").arg(&case).arg("--lake").arg(&lake).arg("--out").arg(&out).assert().success();
    let mut rdr = csv::Reader::from_path(out.join("windows.csv")).unwrap();
    rdr.deserialize().map(|r| r.unwrap()).filter(|w: &lightsout::eval::WindowRow| w.level == "warning" || w.level == "critical").collect()
}

fn secs(t: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(t).unwrap().timestamp()
}

const OUTAGE: (&str, &str) = ("2026-11-29T04:08:31Z", "2026-11-29T04:12:31Z");
const U1_LOSS: (&str, &str) = ("2026-11-29T04:04:31Z", "2026-11-29T04:06:31Z");

#[test]
fn traceroutes_alone_find_the_outage_and_the_flaps_and_stop_outside_the_target() {
    let Some(lab) = lab() else {
        eprintln!("SKIP: ../shared/lab/kp not present");
        return;
    };
    // The MRT is needed for ip_to_asn (where traces stop); the windows below are traceroute windows.
    let rows = detect_with(&lab, &["traceroute/vp1.kp.warts", "mrt"]);
    let reach: Vec<_> = rows.iter().filter(|w| w.signal == "trace_reach").collect();
    let outage = reach.iter().find(|w| w.scope == "*").expect("entity-level trace_reach window");
    assert!((secs(&outage.start) - secs(OUTAGE.0)).abs() <= 10, "start {}", outage.start);
    assert!((secs(&outage.end) - secs(OUTAGE.1)).abs() <= 10, "end {}", outage.end);
    // Both /23 flaps on the host inside it (198.18.12.10), besides the outage.
    let flaps: Vec<_> = reach.iter().filter(|w| w.scope == "198.18.12.0/23" && secs(&w.start) > secs(OUTAGE.1)).collect();
    assert_eq!(flaps.len(), 2, "{flaps:?}");
    // The U1 link loss is not an outage: traces still reach.
    assert!(!reach.iter().any(|w| secs(&w.start) < secs(U1_LOSS.1) + 30), "{reach:?}");
    // Failed traces stop outside the target (at P1's router, AS65100).
    assert!(outage.verdict == "internal", "{}", outage.verdict);
}

#[test]
fn the_resolvers_dnstap_alone_and_its_query_errors_alone_each_show_the_outage() {
    let Some(lab) = lab() else {
        eprintln!("SKIP: ../shared/lab/kp not present");
        return;
    };
    for (input, signal) in [("dns/resolver.dnstap", "dns_answered"), ("dns/resolver-query-errors.log", "dns_failures")] {
        let rows = detect_with(&lab, &[input]);
        let dns: Vec<_> = rows.iter().filter(|w| w.signal.starts_with("dns_")).collect();
        let w = dns.iter().find(|w| w.signal == signal).unwrap_or_else(|| panic!("{input}: no {signal} window in {dns:?}"));
        // Start within the zone's 30 s TTL plus one bin of the truth; end within one bin.
        let start_err = secs(&w.start) - secs(OUTAGE.0);
        assert!((-10..=40).contains(&start_err), "{input}: start {} ({start_err} s)", w.start);
        assert!((secs(&w.end) - secs(OUTAGE.1)).abs() <= 10, "{input}: end {}", w.end);
        // Nothing during the U1 link loss (or anywhere before the outage).
        assert!(!dns.iter().any(|w| secs(&w.start) < secs(OUTAGE.0) - 10), "{input}: {dns:?}");
    }
}
