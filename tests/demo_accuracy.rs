//! Accuracy on the synthetic demo scenario (what `make demo` runs): `lightsout synth demo`,
//! ingest, detect, and the windows scored against the scenario's truth.

use assert_cmd::Command;
use lightsout::eval::evaluate_files;

#[test]
fn demo_scenario_every_event_found_within_one_bin_and_nothing_else() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("data");
    let lake = d.path().join("lake");
    let out = d.path().join("out");
    let run = |args: &[&std::ffi::OsStr]| Command::cargo_bin("lightsout").unwrap().args(args).assert().success();
    run(&["synth".as_ref(), "demo".as_ref(), "--out".as_ref(), data.as_os_str()]);
    run(&["ingest".as_ref(), "--lake".as_ref(), lake.as_os_str(), data.join("mrt").as_os_str()]);
    run(&["detect".as_ref(), data.join("case.toml").as_os_str(), "--lake".as_ref(), lake.as_os_str(), "--out".as_ref(), out.as_os_str()]);
    let bin = 300;
    let e = evaluate_files(&data.join("truth.json"), &out.join("windows.csv"), bin).unwrap();
    println!("{}", e.table());
    assert!(e.unmatched.is_empty(), "windows matching no event: {:?}", e.unmatched);
    for ev in &e.events {
        assert!(ev.found, "{} ({}) missed or fired", ev.id, ev.kind);
        assert!(ev.verdict_ok(), "{}: verdict {:?}, expected {:?}", ev.id, ev.verdict, ev.expected_verdict);
        if ev.kind == "full_outage" {
            assert!(ev.start_error_s.unwrap().abs() <= bin && ev.end_error_s.unwrap().abs() <= bin, "{ev:?}");
        }
    }
    let kinds: Vec<&str> = e.events.iter().map(|e| e.kind.as_str()).collect();
    for k in ["partial", "full_outage", "session_reset"] {
        assert!(kinds.contains(&k), "the scenario has no {k} event: {kinds:?}");
    }
    let partial = e.events.iter().find(|e| e.kind == "partial").unwrap();
    assert!(partial.verdict.as_deref().is_some_and(|v| v.starts_with("upstream:")), "{partial:?}");
}
