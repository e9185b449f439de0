//! The accounting contract (`lightsout_formats::accounting`) on every fixture, read by every
//! format (the right one and all the wrong ones), and on random damage of them.

use lightsout_formats::accounting::{CheckOptions, read_checked};
use lightsout_formats::registry;
use std::path::{Path, PathBuf};

fn fixture_files() -> Vec<PathBuf> {
    fn walk(d: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(d).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if !matches!(p.extension().and_then(|e| e.to_str()), Some("md" | "sh")) {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures"), &mut out);
    out
}

/// The decompressed bytes of a fixture, up to where its stream breaks (damaged fixtures) and at
/// most 1 MiB (the decompression bomb).
fn decompressed(p: &Path) -> Vec<u8> {
    use std::io::Read;
    let raw = std::fs::read(p).unwrap();
    let c = lightsout_formats::Compression::sniff(&raw);
    let mut out = Vec::new();
    if let Ok(d) = c.decoder(Box::new(std::io::Cursor::new(raw))) {
        let _ = d.take(1 << 20).read_to_end(&mut out);
    }
    out
}

#[test]
fn every_fixture_read_by_every_format_keeps_the_contract() {
    let mut failures = Vec::new();
    for p in fixture_files() {
        let data = decompressed(&p);
        for f in registry::formats() {
            if let Err(v) = read_checked(*f, &data, CheckOptions::default()) {
                failures.push(format!("{}: {v}", p.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
