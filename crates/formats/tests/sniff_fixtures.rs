//! Every fixture is recognised by a format of its own family: no reader steals another
//! family's files (the registry's sniffing order is what decides).

use lightsout_formats::{Compression, Input, registry};
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if !matches!(p.extension().and_then(|e| e.to_str()), Some("md" | "sh")) {
            out.push(p);
        }
    }
}

fn sniff(path: &Path) -> Option<&'static str> {
    let bytes = std::fs::read(path).unwrap();
    let dec = Compression::sniff(&bytes).decoder(Box::new(std::io::Cursor::new(bytes))).unwrap();
    let mut input = Input::new(dec);
    let head = input.peek(lightsout_formats::format::SNIFF_BYTES).unwrap_or(&[]).to_vec();
    if head.is_empty() {
        return None;
    }
    registry::sniff(&head).map(|f| f.name())
}

#[test]
fn fixtures_are_sniffed_within_their_family() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let families: &[(&str, &[&str])] = &[
        ("mrt", &["mrt"]),
        ("traceroute", &["warts", "scamper_json", "atlas", "tracetext"]),
        ("dns", &["dnstap", "pcap", "zeek", "resolver_log"]),
    ];
    let mut checked = 0;
    for (dir, allowed) in families {
        let mut all = Vec::new();
        files(&root.join(dir), &mut all);
        for p in all {
            if let Some(name) = sniff(&p) {
                assert!(allowed.contains(&name), "{} sniffed as {name}", p.display());
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} fixtures recognised");
}
