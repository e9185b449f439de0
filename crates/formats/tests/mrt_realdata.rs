//! The MRT reader against Debian's `bgpdump -m` on real archives.
//!
//! Needs `../shared/realdata/mrt` (skips, saying so, without it) and, for the live comparisons,
//! the `bgpdump` binary (Debian package bgpdump 1.6.2; `.ci/run` installs it). Row counts are
//! compared on every file; rows are compared field by field (time, type, peer, prefix, AS path)
//! on a few. Where bgpdump is wrong, the test says so and checks our number instead.

use arrow_array::{Array, StringArray, TimestampMicrosecondArray, UInt32Array};
use lightsout_formats::{Compression, FileContext, Input, MemorySink, ReadStats, Table, mrt::read_mrt};
use std::path::{Path, PathBuf};
use std::process::Command;

fn shared_mrt() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/realdata/mrt");
    p.is_dir().then_some(p)
}

fn read_file(path: &Path) -> (MemorySink, ReadStats) {
    let bytes = std::fs::read(path).unwrap();
    let comp = Compression::sniff(&bytes);
    let dec = comp.decoder(Box::new(std::io::Cursor::new(bytes))).unwrap();
    let mut input = Input::new(dec);
    let mut sink = MemorySink::default();
    let stats = read_mrt(&mut input, &FileContext::new("0000000000000000", "test"), &mut sink).unwrap();
    (sink, stats)
}

fn bgpdump(path: &Path) -> Option<Vec<String>> {
    let out = Command::new("bgpdump").arg("-m").arg(path).output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect())
}

fn have_bgpdump() -> bool {
    Command::new("bgpdump").arg("-T").output().is_ok()
}

fn rows(sink: &MemorySink) -> usize {
    sink.rows(Table::BgpUpdates) + sink.rows(Table::BgpRib) + sink.rows(Table::BgpPeerState)
}

/// Files where bgpdump's count is not the right answer, with ours and why.
const BGPDUMP_WRONG: &[(&str, usize, &str)] = &[
    ("mrtparse_bird_bgp", 26, "BGP4MP_MESSAGE_AS4 with ADD-PATH NLRI: bgpdump reads the path ids as prefixes (0.0.0.0/0 x3 per route)"),
    ("mrtparse_bird6_bgp", 26, "same ADD-PATH misreading as bird_bgp"),
    (
        "ris_rrc00_bview.20000111.0032.gz",
        452018,
        "records declared 4 bytes short: bgpdump stops silently after 1 line; bgpkit corrects the length",
    ),
    (
        "ris_rrc00_updates.20000325.0345.gz",
        5685,
        "two damaged record boundaries: bgpdump stops silently at the first; we skip both (2 rejects) and keep reading",
    ),
];

#[test]
fn row_counts_match_bgpdump() {
    let Some(dir) = shared_mrt() else {
        eprintln!("SKIP: ../shared/realdata/mrt not present");
        return;
    };
    if !have_bgpdump() {
        eprintln!("SKIP: bgpdump not installed (apt install bgpdump)");
        return;
    }
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "md"))
        .collect();
    paths.sort();
    let mut checked = 0;
    for p in paths {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let (sink, stats) = read_file(&p);
        let ours = rows(&sink);
        let theirs = bgpdump(&p).unwrap().len();
        let accounted = stats.records_ok + stats.records_rejected + stats.records_skipped;
        assert!(accounted > 0 || ours == 0, "{name}: nothing accounted for");
        if let Some((_, expect, why)) = BGPDUMP_WRONG.iter().find(|(n, _, _)| *n == name) {
            eprintln!("{name}: bgpdump {theirs}, ours {ours} ({why})");
            assert_eq!(ours, *expect, "{name}");
            assert_ne!(ours, theirs, "{name}: bgpdump agrees now; remove the exception");
        } else {
            assert_eq!(ours, theirs, "{name}: rows vs bgpdump -m lines");
        }
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} files");
}

#[test]
fn corrupt_files_keep_what_frames_and_report_the_damage() {
    let Some(dir) = shared_mrt() else {
        eprintln!("SKIP: ../shared/realdata/mrt not present");
        return;
    };
    let (sink, stats) = read_file(&dir.join("ris_rrc00_updates.20000325.0345.gz"));
    assert_eq!(stats.records_rejected, 2);
    let offsets: Vec<u64> = sink.rejects.iter().map(|r| r.offset).collect();
    assert_eq!(offsets, [188, 4554]);
    assert!(sink.rejects.iter().all(|r| r.end_offset.unwrap() > r.offset && !r.excerpt.is_empty()));
    assert!(stats.stopped.is_none());

    // The RIB whose lengths are 4 bytes short: every entry of all 2490 records is kept.
    let (sink, stats) = read_file(&dir.join("ris_rrc00_bview.20000111.0032.gz"));
    assert_eq!(stats.records_rejected, 0);
    assert_eq!(sink.rows(Table::BgpRib), 452018);
}

/// `(ts seconds, type, peer ip, peer asn, prefix, as path)` of our rows, bgpdump's way.
fn our_lines(sink: &MemorySink) -> Vec<String> {
    let mut out = Vec::new();
    for table in [Table::BgpUpdates, Table::BgpRib, Table::BgpPeerState] {
        let b = sink.concat(table);
        let s = |n: &str| b.column_by_name(n).unwrap().as_any().downcast_ref::<StringArray>().unwrap().clone();
        let ts = b
            .column_by_name(if table == Table::BgpRib { "dump_ts" } else { "ts" })
            .unwrap()
            .as_any()
            .downcast_ref::<TimestampMicrosecondArray>()
            .unwrap()
            .clone();
        let asn = b.column_by_name("peer_asn").unwrap().as_any().downcast_ref::<UInt32Array>().unwrap().clone();
        let peer = s("peer_ip");
        for i in 0..b.num_rows() {
            let secs = ts.value(i).div_euclid(1_000_000);
            let line = match table {
                Table::BgpPeerState => {
                    format!("{secs}|STATE|{}|{}|{}|{}", peer.value(i), asn.value(i), s("old_state").value(i), s("new_state").value(i))
                }
                _ => {
                    let kind = if table == Table::BgpRib { "B".to_string() } else { s("elem_type").value(i).to_string() };
                    let path = s("as_path");
                    let path = if path.is_null(i) || kind == "W" { "" } else { path.value(i) };
                    let ids = b.column_by_name("path_id").unwrap().as_any().downcast_ref::<UInt32Array>().unwrap().clone();
                    let id = if ids.is_null(i) { String::new() } else { ids.value(i).to_string() };
                    format!("{secs}|{kind}|{}|{}|{}|{id}|{path}", peer.value(i), asn.value(i), s("prefix").value(i))
                }
            };
            out.push(line);
        }
    }
    out.sort();
    out
}

/// The same fields of `bgpdump -m` lines (state numbers mapped to names).
fn their_lines(lines: &[String]) -> Vec<String> {
    const STATES: [&str; 9] = ["?", "Idle", "Connect", "Active", "OpenSent", "OpenConfirm", "Established", "Clearing", "Deleted"];
    let mut out: Vec<String> = lines
        .iter()
        .map(|l| {
            let mut f: Vec<&str> = l.split('|').collect();
            // BGP4MP_ET times carry microseconds: compare whole seconds.
            f[1] = f[1].split('.').next().unwrap_or(f[1]);
            // glibc's inet_ntop shortens a single zero group to `::`; RFC 5952 (and Rust)
            // do not. Compare addresses, not spellings.
            let peer = f[3].parse::<std::net::IpAddr>().map(|a| a.to_string()).unwrap_or_else(|_| f[3].to_string());
            let prefix = f.get(5).and_then(|p| p.parse::<ipnet::IpNet>().ok()).map(|p| p.to_string());
            let (peer, prefix) = (peer.as_str(), prefix.as_deref().unwrap_or(f.get(5).copied().unwrap_or("")));
            f[3] = peer;
            if f.len() > 5 && f[2] != "STATE" {
                f[5] = prefix;
            }
            if f[2] == "STATE" {
                let st = |x: &str| STATES.get(x.parse::<usize>().unwrap_or(0)).copied().unwrap_or("?");
                format!("{}|STATE|{}|{}|{}|{}", f[1], f[3], f[4], st(f[5]), st(f[6]))
            } else {
                // ADD-PATH lines (`*_AP`) carry the path id before the AS path.
                let (id, path_at) = if f[0].ends_with("_AP") { (f.get(6).copied().unwrap_or(""), 7) } else { ("", 6) };
                let path = if f[2] == "W" { "" } else { f.get(path_at).copied().unwrap_or("") };
                format!("{}|{}|{}|{}|{}|{id}|{path}", f[1], f[2], f[3], f[4], f[5])
            }
        })
        .collect();
    out.sort();
    out
}

#[test]
fn rows_equal_bgpdump_field_by_field() {
    let Some(dir) = shared_mrt() else {
        eprintln!("SKIP: ../shared/realdata/mrt not present");
        return;
    };
    if !have_bgpdump() {
        eprintln!("SKIP: bgpdump not installed (apt install bgpdump)");
        return;
    }
    for name in [
        "ryu_updates.20161101.0000.bz2",
        "bgpkit_local_updates_bgp4mp_et.bz2",
        "bgpdump_updates.20100722.2015.gz",
        "bgpdump_bview.ipv6_unicast_add_path.gz",
        "mrtparse_bird6-mrtdump_rib",
        "ris_rrc15_updates.20100227.1610.gz",
        "dnas_sydney.updates.20220601.0230.bz2",
    ] {
        let p = dir.join(name);
        let (sink, _) = read_file(&p);
        let ours = our_lines(&sink);
        let theirs = their_lines(&bgpdump(&p).unwrap());
        assert_eq!(ours.len(), theirs.len(), "{name}");
        let diff: Vec<_> = ours.iter().zip(&theirs).filter(|(a, b)| a != b).take(3).collect();
        assert!(diff.is_empty(), "{name}: first differences (ours, bgpdump): {diff:#?}");
    }
}

#[test]
fn masked_prefix_where_debian_bgpdump_prints_host_bits() {
    let Some(dir) = shared_mrt() else {
        eprintln!("SKIP: ../shared/realdata/mrt not present");
        return;
    };
    // Debian bgpdump 1.6.2 prints 11.13.0.0/13; upstream bgpdump and we mask it to 11.8.0.0/13.
    // The byte after the prefix cannot be read: it is a partial reject of the record.
    let (sink, stats) = read_file(&dir.join("bgpdump_updates.nlri_mask_trailing_bits.gz"));
    let b = sink.concat(Table::BgpUpdates);
    let prefix = b.column_by_name("prefix").unwrap().as_any().downcast_ref::<StringArray>().unwrap();
    assert_eq!(prefix.value(0), "11.8.0.0/13");
    assert_eq!(stats.records_partial, 1);
    assert!(sink.rejects[0].reason.starts_with("partial: "), "{}", sink.rejects[0].reason);
}
