//! `lightsout ingest` and `lightsout sql` run as a user runs them, on the project's fixtures.

mod common;

use common::{lightsout, sql, tree};

use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The MRT fixtures (data files only, not their README and script).
fn mrt_fixtures() -> Vec<PathBuf> {
    let mut v = Vec::new();
    for dir in [fixtures().join("mrt"), fixtures().join("mrt/variants")] {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() && !matches!(p.extension().and_then(|e| e.to_str()), Some("md" | "sh")) {
                v.push(p);
            }
        }
    }
    v.sort();
    v
}

#[test]
fn fixtures_ingest_with_exact_row_counts_and_reruns_are_skipped() {
    let d = tempfile::tempdir().unwrap();
    let lake = d.path().join("lake");
    let out = lightsout().args(["ingest", "--lake"]).arg(&lake).args(mrt_fixtures()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Three fixtures have records that cannot be read (VPNv4, RIB_GENERIC, a corrupt file):
    // the exit code says so and each has one line.
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("ris_rrc00_updates.20000325.0345.gz: partial mrt"), "{stderr}");

    // Row counts per file equal `bgpdump -m` line counts (fixtures/mrt/README.md), except the
    // corrupt file where bgpdump stops at the damage.
    let counts = sql(&lake, "SELECT regexp_replace(path, '.*/', '') AS f, rows, status FROM ingest_files ORDER BY f");
    for (file, rows, status) in [
        ("bgpkit_local_updates_bgp4mp_et.bz2", 268, "ok"),
        ("mrtparse_bird-mrtdump_bgp", 24, "ok"),
        ("mrtparse_bird6-mrtdump_rib", 10, "ok"),
        ("mrtparse_openbgpd_bgp", 109, "partial"),
        ("mrtparse_openbgpd_rib_table", 31, "ok"),
        ("mrtparse_openbgpd_rib_table-v2", 31, "partial"),
        ("mrtparse_quagga_rib", 9, "ok"),
        ("ris_rrc00_updates.20000325.0345.gz", 5685, "partial"),
        ("ris_rrc01_updates.20001104.0124.gz", 883, "ok"),
        ("ris_rrc15_updates.20100227.1610.gz", 7485, "ok"),
        ("ryu_rib.20161101.0000_pick.bz2", 4, "ok"),
        ("ryu_updates.20161101.0000.bz2", 5762, "ok"),
        ("ryu_updates.multi.bz2", 5762, "ok"),
        ("ryu_updates.multi.gz", 5762, "ok"),
        ("ryu_updates.xz", 5762, "ok"),
        ("ryu_updates.zst", 5762, "ok"),
        ("ryu_updates.mrt", 5762, "ok"),
        ("empty.mrt", 0, "empty"),
    ] {
        let line = format!("{file},{rows},{status}");
        assert!(counts.lines().any(|l| l == line), "missing {line} in\n{counts}");
    }
    let rejects = sql(
        &lake,
        "SELECT offset, end_offset FROM ingest_rejects r JOIN ingest_files f USING (file_id) WHERE f.path LIKE '%20000325%' ORDER BY offset",
    );
    assert_eq!(rejects, "offset,end_offset\n188,198\n4554,4568\n");
    let tables = sql(
        &lake,
        "SELECT (SELECT count(*) FROM bgp_updates) u, (SELECT count(*) FROM bgp_rib) r, (SELECT count(*) FROM bgp_peer_state) s",
    );
    assert_eq!(tables, "u,r,s\n48311,85,715\n", "rows per table");

    // A rerun reads nothing and changes nothing.
    let before = tree(&lake);
    let out = lightsout().args(["ingest", "--lake"]).arg(&lake).args(mrt_fixtures()).output().unwrap();
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains("18 skipped"), "{summary}");
    assert_eq!(tree(&lake), before);
}

#[test]
fn one_and_two_threads_write_identical_lakes() {
    let d = tempfile::tempdir().unwrap();
    let (a, b) = (d.path().join("a"), d.path().join("b"));
    for (lake, threads) in [(&a, "1"), (&b, "2")] {
        lightsout().args(["ingest", "--threads", threads, "--lake"]).arg(lake).args(mrt_fixtures()).assert().code(3);
    }
    let (ta, tb) = (tree(&a), tree(&b));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (k, v) in &ta {
        assert!(tb[k] == *v, "{} differs", k.display());
    }
}

#[test]
fn bad_inputs_fail_one_by_one_and_the_rest_is_ingested() {
    let d = tempfile::tempdir().unwrap();
    let inputs = d.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    let good = std::fs::read(fixtures().join("mrt/ris_rrc15_updates.20100227.1610.gz")).unwrap();
    std::fs::write(inputs.join("good.gz"), &good).unwrap();
    // A gzip stream cut in the middle: what was before the cut is kept.
    std::fs::write(inputs.join("cut.gz"), &good[..good.len() / 2]).unwrap();
    // A bzip2 stream cut inside its first block: nothing can be decompressed.
    let bz = std::fs::read(fixtures().join("mrt/ryu_updates.20161101.0000.bz2")).unwrap();
    std::fs::write(inputs.join("cut.bz2"), &bz[..bz.len() / 2]).unwrap();
    // Not MRT.
    std::fs::write(inputs.join("notes.txt"), b"these are not the routes you are looking for\n").unwrap();
    let lake = d.path().join("lake");
    let out = lightsout().args(["ingest", "--lake"]).arg(&lake).arg(&inputs).arg(d.path().join("missing")).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("missing: No such file"), "{stderr}");
    assert!(stderr.contains("notes.txt: failed -: unrecognised format"), "{stderr}");
    assert!(stderr.contains("cut.gz: truncated mrt: stream broke off"), "{stderr}");
    assert!(stderr.contains("cut.bz2: failed -: bzip2 stream broken at the start"), "{stderr}");
    assert_eq!(stderr.lines().count(), 4, "one line per problem: {stderr}");
    let st =
        sql(&lake, "SELECT regexp_replace(path, '.*/', '') f, status, rows > 0 AS has_rows, records_rejected FROM ingest_files ORDER BY f");
    assert_eq!(
        st,
        "f,status,has_rows,records_rejected\ncut.bz2,failed,false,1\ncut.gz,truncated,true,1\ngood.gz,ok,true,0\nnotes.txt,failed,false,0\n"
    );
    // What the cut file kept is exactly the first rows of the good file.
    let q = |name: &str| {
        sql(
            &lake,
            &format!(
                "SELECT ts, peer_ip, prefix, elem_type FROM bgp_updates u JOIN ingest_files f USING (file_id) WHERE f.path LIKE '%/{name}' ORDER BY record_offset, prefix, elem_type"
            ),
        )
    };
    let (cut, full) = (q("cut.gz"), q("good.gz"));
    let n = cut.lines().count();
    assert!(n > 1000 && n < full.lines().count(), "{n}");
    assert!(full.starts_with(&cut), "the truncated file's rows are a prefix of the full file's");
    let reject = sql(
        &lake,
        "SELECT r.offset > 0 AS mid, r.reason LIKE '%incomplete deflate stream%' AS why FROM ingest_rejects r JOIN ingest_files f USING (file_id) WHERE f.path LIKE '%cut.gz'",
    );
    assert_eq!(reject, "mid,why\ntrue,true\n");
}

#[test]
fn the_lake_is_standard_parquet_read_by_pyarrow() {
    let probe = std::process::Command::new("python3").args(["-c", "import pyarrow.dataset"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("SKIP: python3 with pyarrow not installed (pip install pyarrow)");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let lake = d.path().join("lake");
    lightsout().args(["ingest", "--lake"]).arg(&lake).arg(fixtures().join("mrt/ryu_updates.20161101.0000.bz2")).assert().success();
    let script = r#"
import sys, pyarrow.dataset as ds
t = ds.dataset(sys.argv[1] + "/bgp_updates", format="parquet", partitioning="hive").to_table()
print(t.num_rows, t.schema.field("ts").type, sorted(set(t.column("date").to_pylist())))
"#;
    let out = std::process::Command::new("python3").arg("-c").arg(script).arg(&lake).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "5762 timestamp[us, tz=UTC] ['2016-11-01']");
}
