//! Crash safety with a real `kill -9`: ingest and detect killed at several points leave no
//! partial file visible in the lake or the output folder, and a rerun completes with every
//! file byte-identical to an uninterrupted run.
//!
//! Input: `lightsout synth demo` (582 MRT files). Kill points: fractions of the uninterrupted
//! run's duration (ingest: three, and a rerun killed again; detect: while querying), and for
//! detect "as soon as it starts writing" over an earlier run's outputs.

mod common;

use common::tree;
use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("lightsout")
}

fn run(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(bin()).args(args).output().unwrap()
}

fn assert_same_tree(got: &Path, want: &Path, what: &str) {
    let (g, w) = (tree(got), tree(want));
    let gk: Vec<_> = g.keys().collect();
    let wk: Vec<_> = w.keys().collect();
    assert_eq!(gk, wk, "{what}: the files differ");
    for (k, v) in &w {
        if g[k] != *v {
            // Name the first line that differs, for text files.
            let (a, b) = (String::from_utf8_lossy(&g[k]), String::from_utf8_lossy(v));
            let first = a.lines().zip(b.lines()).find(|(x, y)| x != y);
            panic!("{what}: {} differs from the uninterrupted run; first difference: {first:?}", k.display());
        }
    }
}

/// What a reader sees right after the kill: every visible Parquet file is complete (its footer
/// reads), every visible JSON and CSV file parses; temporaries are only under `.tmp/`.
fn assert_nothing_partial_visible(dir: &Path) {
    for (rel, bytes) in tree(dir) {
        if rel.starts_with(".tmp") {
            continue;
        }
        let name = rel.to_string_lossy();
        assert!(!name.ends_with(".tmp"), "a temporary file outside .tmp/: {name}");
        match rel.extension().and_then(|e| e.to_str()) {
            Some("parquet") => {
                let r = parquet::file::reader::SerializedFileReader::new(std::fs::File::open(dir.join(&rel)).unwrap());
                assert!(r.is_ok(), "{name} is not a complete Parquet file: {:?}", r.err());
            }
            Some("json") => {
                assert!(serde_json::from_slice::<serde_json::Value>(&bytes).is_ok(), "{name} is not complete JSON");
            }
            Some("csv") => assert!(bytes.ends_with(b"\n"), "{name} does not end with a line break"),
            _ => panic!("unexpected file {name}"),
        }
    }
}

/// Starts `lightsout ARGS`, kills it with SIGKILL when `when` says so (or lets it finish);
/// returns whether the kill landed (the process died of it).
fn kill_when(args: &[&std::ffi::OsStr], mut when: impl FnMut(Duration) -> bool) -> bool {
    let mut child: Child = Command::new(bin()).args(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.signal() == Some(9);
        }
        if when(start.elapsed()) {
            child.kill().unwrap(); // SIGKILL
            let status = child.wait().unwrap();
            return status.signal() == Some(9);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn kill_9_during_ingest_and_detect_leaves_nothing_partial_and_reruns_are_byte_identical() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("data");
    let out = run(&["synth".as_ref(), "demo".as_ref(), "--out".as_ref(), data.as_os_str()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mrt = data.join("mrt");
    // Detection over six hours of the demo's two days (the outage's): the same queries and
    // outputs in half the time.
    let case = d.path().join("case.toml");
    let text = std::fs::read_to_string(data.join("case.toml")).unwrap();
    let text: Vec<String> = text
        .lines()
        .map(|l| match l {
            l if l.starts_with("start = ") => "start = \"2026-11-22T12:00:00Z\"".to_string(),
            l if l.starts_with("end = ") => "end = \"2026-11-22T18:00:00Z\"".to_string(),
            l => l.to_string(),
        })
        .collect();
    std::fs::write(&case, text.join("\n") + "\n").unwrap();

    // The uninterrupted runs.
    let lake = d.path().join("lake");
    let t = Instant::now();
    let out = run(&["ingest".as_ref(), "--lake".as_ref(), lake.as_os_str(), mrt.as_os_str()]);
    let ingest_time = t.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let reference_out = d.path().join("out");
    let t = Instant::now();
    let out = run(&["detect".as_ref(), case.as_os_str(), "--lake".as_ref(), lake.as_os_str(), "--out".as_ref(), reference_out.as_os_str()]);
    let detect_time = t.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    eprintln!("uninterrupted: ingest {ingest_time:?}, detect {detect_time:?}");

    // Ingest killed at several points, each into a fresh lake, then run again to the end.
    let mut landed = 0;
    for (i, frac) in [0.2, 0.5, 0.85].into_iter().enumerate() {
        let killed = d.path().join(format!("lake-killed-{i}"));
        let at = ingest_time.mul_f64(frac);
        let args = ["ingest".as_ref(), "--lake".as_ref(), killed.as_os_str(), mrt.as_os_str()];
        if kill_when(&args, |t| t >= at) {
            landed += 1;
            let ledger = tree(&killed.join("ingest_files")).len();
            eprintln!("ingest killed at {at:?}: {ledger} of 582 files had their ledger row");
        }
        assert_nothing_partial_visible(&killed);
        let out = run(&args);
        assert_eq!(out.status.code(), Some(0), "rerun after a kill at {at:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert_same_tree(&killed, &lake, &format!("ingest killed at {at:?} and run again"));
    }
    assert!(landed >= 2, "only {landed} of the ingest kills landed before the run ended");

    // A second kill on top of the first: an interrupted rerun of an interrupted run.
    let killed = d.path().join("lake-killed-twice");
    let args = ["ingest".as_ref(), "--lake".as_ref(), killed.as_os_str(), mrt.as_os_str()];
    kill_when(&args, |t| t >= ingest_time.mul_f64(0.3));
    kill_when(&args, |t| t >= ingest_time.mul_f64(0.3));
    assert_nothing_partial_visible(&killed);
    assert_eq!(run(&args).status.code(), Some(0));
    assert_same_tree(&killed, &lake, "ingest killed twice and run again");

    // Detect killed while querying, into a fresh folder; then run again.
    let o = d.path().join("out-killed-querying");
    let args = ["detect".as_ref(), case.as_os_str(), "--lake".as_ref(), lake.as_os_str(), "--out".as_ref(), o.as_os_str()];
    let landed = kill_when(&args, |t| t >= detect_time.mul_f64(0.4));
    assert!(landed, "the detect kill did not land before the run ended");
    assert_nothing_partial_visible(&o);
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_same_tree(&o, &reference_out, "detect killed while querying and run again");

    // Detect killed as it starts writing, into a folder that holds an earlier run's outputs
    // (one of them stale): the old manifest goes first, so what is left never passes for one
    // run's outputs; the rerun replaces everything.
    let o = d.path().join("out-killed-writing");
    std::fs::create_dir_all(&o).unwrap();
    for (k, v) in tree(&reference_out) {
        std::fs::write(o.join(&k), if k.ends_with("windows.csv") { b"stale\n".to_vec() } else { v }).unwrap();
    }
    let args = ["detect".as_ref(), case.as_os_str(), "--lake".as_ref(), lake.as_os_str(), "--out".as_ref(), o.as_os_str()];
    if kill_when(&args, |_| o.join(".tmp").exists()) {
        let visible: BTreeMap<PathBuf, Vec<u8>> = tree(&o).into_iter().filter(|(k, _)| !k.starts_with(".tmp")).collect();
        eprintln!("detect killed as it started writing: {} files visible", visible.len());
        // Killed before its manifest was in place: no manifest. After: all of this run's.
        if o.join("manifest.json").exists() {
            assert!(visible == tree(&reference_out), "a manifest beside outputs of two runs");
        }
    }
    assert_nothing_partial_visible(&o);
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_same_tree(&o, &reference_out, "detect killed as it started writing and run again");
}
