//! Helpers shared by integration tests (not a test target itself).

// Each test target includes this module and uses part of it.
#![allow(dead_code)]

pub mod golden_lake;

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every file under `dir` (hidden ones included) with its bytes, by path relative to `dir`
/// (to compare whole output trees byte for byte); a folder that does not exist is empty.
pub fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, d: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        for e in rd {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(p.strip_prefix(root).unwrap().to_path_buf(), std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Compares `actual` with the golden file `tests/golden/<rel>`; with `UPDATE_GOLDEN=1` in the
/// environment, writes it instead (review the diff before committing).
pub fn check_golden(rel: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(rel);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} missing: run with UPDATE_GOLDEN=1", path.display()));
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .filter(|(_, (e, a))| e != a)
            .take(5)
            .map(|(i, (e, a))| format!("line {}:\n  expected {e}\n  actual   {a}", i + 1))
            .collect();
        panic!(
            "{rel}: output differs from {} ({} vs {} lines)\n{}",
            path.display(),
            expected.lines().count(),
            actual.lines().count(),
            diff.join("\n")
        );
    }
}

/// The lightsout binary of this build.
pub fn lightsout() -> Command {
    Command::cargo_bin("lightsout").unwrap()
}

/// `lightsout sql --format csv` over `lake`: the CSV text; fails the test when the query fails.
pub fn sql(lake: &Path, q: &str) -> String {
    let out = lightsout().args(["sql", "--format", "csv", "--lake"]).arg(lake).arg(q).output().unwrap();
    assert!(out.status.success(), "{q}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}
