//! Row counts of every real MRT sample against `bgpdump -m` (Debian bgpdump 1.6.2).
//!
//! Needs `../shared/realdata/mrt` and the `bgpdump` binary; skips (saying so) without them.

use lightsout_formats::{Compression, FileContext, Input, MemorySink, Table, mrt::read_mrt};
use std::path::{Path, PathBuf};
use std::process::Command;

fn shared_mrt() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/realdata/mrt");
    p.is_dir().then_some(p)
}

pub fn read_file(path: &Path) -> (MemorySink, lightsout_formats::ReadStats) {
    let bytes = std::fs::read(path).unwrap();
    let comp = Compression::sniff(&bytes);
    let dec = comp.decoder(Box::new(std::io::Cursor::new(bytes))).unwrap();
    let mut input = Input::new(dec);
    let mut sink = MemorySink::default();
    let stats = read_mrt(&mut input, &FileContext::new("0000000000000000", "test"), &mut sink).unwrap();
    (sink, stats)
}

fn bgpdump_lines(path: &Path) -> Option<usize> {
    let out = Command::new("bgpdump").arg("-m").arg(path).output().ok()?;
    Some(out.stdout.iter().filter(|&&b| b == b'\n').count())
}

#[test]
fn row_counts_match_bgpdump() {
    let Some(dir) = shared_mrt() else {
        eprintln!("SKIP: ../shared/realdata/mrt not present");
        return;
    };
    if Command::new("bgpdump").arg("-h").output().is_err() {
        eprintln!("SKIP: bgpdump not installed");
        return;
    }
    let mut names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_file() && !p.to_string_lossy().ends_with(".md")).collect();
    names.sort();
    for p in names {
        let (sink, stats) = read_file(&p);
        let rows = sink.rows(Table::BgpUpdates) + sink.rows(Table::BgpRib) + sink.rows(Table::BgpPeerState);
        let expect = bgpdump_lines(&p).unwrap();
        println!("{:60} rows={rows:7} bgpdump={expect:7} ok={} rej={} skip={} stopped={:?} {}", p.file_name().unwrap().to_string_lossy(), stats.records_ok, stats.records_rejected, stats.records_skipped, stats.stopped, if rows == expect {""} else {"MISMATCH"});
        for r in sink.rejects.iter().take(3) { println!("     reject @{}..{:?}: {}", r.offset, r.end_offset, r.reason); }
    }
}
