//! Reruns are byte-identical: the same inputs and case, with 1 and with 2 threads, give the
//! same lake, the same detection outputs and the same report, byte for byte.

mod common;

use common::tree;

use assert_cmd::Command;
use std::path::Path;

#[test]
fn one_and_two_threads_give_identical_outputs() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("data");
    Command::cargo_bin("lightsout").unwrap().args(["synth", "demo", "--out"]).arg(&data).assert().success();
    let mut trees = Vec::new();
    for threads in ["1", "2"] {
        let lake = d.path().join(format!("lake{threads}"));
        let out = d.path().join(format!("out{threads}"));
        Command::cargo_bin("lightsout")
            .unwrap()
            .args(["ingest", "--threads", threads, "--lake"])
            .arg(&lake)
            .arg(data.join("mrt"))
            .assert()
            .success();
        Command::cargo_bin("lightsout")
            .unwrap()
            .args(["detect", "--threads", threads])
            .arg(data.join("case.toml"))
            .arg("--lake")
            .arg(&lake)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        Command::cargo_bin("lightsout").unwrap().arg("report").arg(data.join("case.toml")).arg("--out").arg(&out).assert().success();
        trees.push((tree(&lake), tree(&out)));
    }
    let ((lake1, out1), (lake2, out2)) = (&trees[0], &trees[1]);
    assert_eq!(lake1.keys().collect::<Vec<_>>(), lake2.keys().collect::<Vec<_>>());
    for (k, v) in lake1 {
        assert!(lake2[k] == *v, "lake part {} differs", k.display());
    }
    assert_eq!(out1.keys().collect::<Vec<_>>(), out2.keys().collect::<Vec<_>>());
    for name in ["signals.parquet", "windows.parquet", "windows.csv", "events.parquet", "events.csv", "footprint.parquet", "manifest.json"]
    {
        let k = Path::new(name);
        assert!(out1.contains_key(k), "{name} missing");
        assert!(out1[k] == out2[k], "{name} differs between 1 and 2 threads");
    }
}

/// What a cluster run does with its tables (Parquet under a shared folder, read back through
/// listing tables; `ip_to_asn` built from the stored route intervals) gives the outputs of the
/// in-memory run, byte for byte. The cluster itself is tested in `tests/ballista.rs`.
#[test]
fn tables_kept_as_shared_parquet_give_identical_outputs() {
    use lightsout::detect::{Case, DetectOptions, detect, output};
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("data");
    let lake = d.path().join("lake");
    Command::cargo_bin("lightsout").unwrap().args(["synth", "demo", "--out"]).arg(&data).assert().success();
    Command::cargo_bin("lightsout").unwrap().arg("ingest").arg("--lake").arg(&lake).arg(data.join("mrt")).assert().success();
    let case = Case::load(&data.join("case.toml")).unwrap();
    let rt = lightsout::engine::runtime(0).unwrap();
    let mut trees = Vec::new();
    for shared in [None, Some(d.path().join("shared"))] {
        let out = d.path().join(if shared.is_some() { "out-shared" } else { "out-memory" });
        let opts = DetectOptions { shared_tables: shared.clone(), ..DetectOptions::default() };
        let det = rt.block_on(detect(&case, &lake, &opts)).unwrap();
        output::write_outputs(&det, &case, &det.inputs, &out).unwrap();
        if let Some(s) = shared {
            assert!(s.join("bgp_route_intervals/part-0.parquet").is_file(), "derived tables are written as Parquet");
            assert!(s.join("case_units/part-0.parquet").is_file(), "case tables too");
        }
        trees.push(tree(&out));
    }
    assert_eq!(trees[0].keys().collect::<Vec<_>>(), trees[1].keys().collect::<Vec<_>>());
    for (k, v) in &trees[0] {
        assert!(trees[1][k] == *v, "{} differs between in-memory and shared tables", k.display());
    }
}
