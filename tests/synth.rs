//! `lightsout synth demo` end to end: the files are the same on every run, every one reads
//! back completely (our reader and bgpdump agree on it), and the routes they carry, replayed
//! from the first RIB dump through every update, agree with the later RIB dumps and with
//! what `truth.json` says happened.

use arrow::array::{Array, StringArray, TimestampMicrosecondArray, UInt64Array};
use lightsout::synth::{FileKind, SynthSummary, write_scenario};
use lightsout_formats::{Compression, FileContext, Input, MemorySink, Table, mrt::read_mrt};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

struct Demo {
    dir: PathBuf,
    summary: SynthSummary,
    truth: Value,
    case: toml::Table,
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The demo, written once for all tests.
fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let dir = fresh_dir("synth-demo-a");
        let summary = write_scenario("demo", &dir).unwrap();
        let truth = serde_json::from_slice(&std::fs::read(dir.join("truth.json")).unwrap()).unwrap();
        let case = toml::from_str(&std::fs::read_to_string(dir.join("case.toml")).unwrap()).unwrap();
        Demo { dir, summary, truth, case }
    })
}

/// One row of an update file, in file order.
#[derive(Debug, Clone)]
enum Ev {
    /// `path: None` is a withdrawal.
    Route {
        ts: i64,
        peer: String,
        prefix: String,
        path: Option<String>,
    },
    State {
        ts: i64,
        peer: String,
        old: String,
        new: String,
    },
}

impl Ev {
    fn ts(&self) -> i64 {
        match self {
            Ev::Route { ts, .. } | Ev::State { ts, .. } => *ts,
        }
    }
}

/// (peer, prefix) -> AS path.
type Routes = BTreeMap<(String, String), String>;

struct Loaded {
    /// RIB dumps: dump time (s) and content.
    ribs: Vec<(i64, Routes)>,
    /// Every update-file row, in time and file order.
    events: Vec<Ev>,
}

fn strings<'a>(b: &'a arrow::record_batch::RecordBatch, name: &str) -> &'a StringArray {
    b.column_by_name(name).unwrap().as_any().downcast_ref::<StringArray>().unwrap()
}

fn micros(b: &arrow::record_batch::RecordBatch, name: &str) -> Vec<i64> {
    b.column_by_name(name).unwrap().as_any().downcast_ref::<TimestampMicrosecondArray>().unwrap().values().to_vec()
}

fn offsets(b: &arrow::record_batch::RecordBatch) -> Vec<u64> {
    b.column_by_name("record_offset").unwrap().as_any().downcast_ref::<UInt64Array>().unwrap().values().to_vec()
}

fn read(path: &Path) -> (MemorySink, lightsout_formats::ReadStats) {
    let bytes = std::fs::read(path).unwrap();
    let dec = Compression::sniff(&bytes).decoder(Box::new(std::io::Cursor::new(bytes))).unwrap();
    let mut sink = MemorySink::default();
    let stats = read_mrt(&mut Input::new(dec), &FileContext::new("0000000000000000", "rrc-synth"), &mut sink).unwrap();
    (sink, stats)
}

/// Every MRT file read with our reader; panics on any reject or on counts that differ from
/// the summary.
fn loaded() -> &'static Loaded {
    static LOADED: OnceLock<Loaded> = OnceLock::new();
    LOADED.get_or_init(|| {
        let d = demo();
        let mut ribs = Vec::new();
        let mut events = Vec::new();
        for f in d.summary.files.iter().filter(|f| matches!(f.kind, FileKind::Rib | FileKind::Updates)) {
            let (sink, stats) = read(&d.dir.join(&f.path));
            let name = f.path.display();
            assert!(sink.rejects.is_empty(), "{name}: {:?}", &sink.rejects[..1]);
            assert_eq!((stats.records_rejected, stats.records_partial, &stats.stopped), (0, 0, &None), "{name}");
            assert_eq!(stats.records_ok + stats.records_skipped, f.records, "{name}: records");
            let (u, r, s) = (sink.concat(Table::BgpUpdates), sink.concat(Table::BgpRib), sink.concat(Table::BgpPeerState));
            assert_eq!(r.num_rows() as u64, f.rib_entries, "{name}: RIB entries");
            assert_eq!(s.num_rows() as u64, f.state_changes, "{name}: state changes");
            let types = strings(&u, "elem_type");
            let announced = (0..u.num_rows()).filter(|&i| types.value(i) == "A").count() as u64;
            assert_eq!((announced, u.num_rows() as u64 - announced), (f.announcements, f.withdrawals), "{name}: A/W");
            if f.kind == FileKind::Rib {
                let (peer, prefix, path) = (strings(&r, "peer_ip"), strings(&r, "prefix"), strings(&r, "as_path"));
                let dump = micros(&r, "dump_ts");
                let table: Routes = (0..r.num_rows())
                    .map(|i| ((peer.value(i).to_string(), prefix.value(i).to_string()), path.value(i).to_string()))
                    .collect();
                assert_eq!(table.len(), r.num_rows(), "{name}: one entry per peer and prefix");
                ribs.push((dump[0] / 1_000_000, table));
                continue;
            }
            // Updates and state changes come in two tables; the record offset restores the order.
            let mut file: Vec<(u64, Ev)> = Vec::new();
            let (peer, prefix, path, ts, off) =
                (strings(&u, "peer_ip"), strings(&u, "prefix"), strings(&u, "as_path"), micros(&u, "ts"), offsets(&u));
            for i in 0..u.num_rows() {
                let p = (types.value(i) == "A").then(|| path.value(i).to_string());
                file.push((
                    off[i],
                    Ev::Route { ts: ts[i] / 1_000_000, peer: peer.value(i).into(), prefix: prefix.value(i).into(), path: p },
                ));
            }
            let (peer, old, new, ts, off) =
                (strings(&s, "peer_ip"), strings(&s, "old_state"), strings(&s, "new_state"), micros(&s, "ts"), offsets(&s));
            for i in 0..s.num_rows() {
                file.push((
                    off[i],
                    Ev::State { ts: ts[i] / 1_000_000, peer: peer.value(i).into(), old: old.value(i).into(), new: new.value(i).into() },
                ));
            }
            file.sort_by_key(|(o, _)| *o);
            events.extend(file.into_iter().map(|(_, e)| e));
        }
        assert!(events.windows(2).all(|w| w[0].ts() <= w[1].ts()), "update rows are in time order");
        Loaded { ribs, events }
    })
}

/// Replays the first RIB dump and every update; calls `check(t, routes)` with the routes
/// held after every message up to second `t`, for each of the sorted `probes`.
fn replay(probes: &[i64], mut check: impl FnMut(i64, &Routes)) {
    let l = loaded();
    let mut routes = l.ribs[0].1.clone();
    let mut probes = probes.iter().copied().peekable();
    for ev in &l.events {
        while let Some(t) = probes.next_if(|&t| t < ev.ts()) {
            check(t, &routes);
        }
        match ev {
            Ev::Route { peer, prefix, path: Some(p), .. } => {
                routes.insert((peer.clone(), prefix.clone()), p.clone());
            }
            Ev::Route { peer, prefix, path: None, .. } => {
                routes.remove(&(peer.clone(), prefix.clone()));
            }
            Ev::State { peer, old, new, .. } if old == "Established" && new != "Established" => routes.retain(|(p, _), _| p != peer),
            Ev::State { .. } => {}
        }
    }
    for t in probes {
        check(t, &routes);
    }
}

/// Update rows with `from <= ts < to`.
fn rows_between(from: i64, to: i64) -> Vec<&'static Ev> {
    loaded().events.iter().filter(|e| (from..to).contains(&e.ts())).collect()
}

fn sha256_hex(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

fn files_under(dir: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out
}

#[test]
fn the_same_name_gives_the_same_bytes() {
    let a = demo();
    let dir_b = fresh_dir("synth-demo-b");
    let b = write_scenario("demo", &dir_b).unwrap();
    let list = |s: &SynthSummary| s.files.iter().map(|f| (f.path.clone(), f.sha256.clone(), f.bytes)).collect::<Vec<_>>();
    assert_eq!(list(&a.summary), list(&b));
    let listed: BTreeSet<PathBuf> = a.summary.files.iter().map(|f| f.path.clone()).collect();
    assert_eq!(files_under(&a.dir), listed, "the summary lists exactly the files written");
    for f in &a.summary.files {
        assert_eq!(sha256_hex(&a.dir.join(&f.path)), f.sha256, "{}", f.path.display());
        assert_eq!(sha256_hex(&dir_b.join(&f.path)), f.sha256, "{}", f.path.display());
    }
    let _ = std::fs::remove_dir_all(&dir_b);
}

#[test]
fn every_file_reads_back_completely_with_the_counts_of_the_summary() {
    let l = loaded();
    let d = demo();
    let updates = d.summary.files.iter().filter(|f| f.kind == FileKind::Updates).count();
    assert_eq!(l.ribs.len(), 6);
    assert!(updates >= 576, "{updates} update files");
    assert_eq!(l.events.len() as u64, d.summary.files.iter().filter(|f| f.kind == FileKind::Updates).map(|f| f.rows()).sum::<u64>());
    let total: u64 = d.summary.totals().iter().map(|t| t.bytes).sum();
    assert!(total < 8 << 20, "the demo stays small: {total} bytes");
}

fn bgpdump_lines(path: &Path) -> Option<u64> {
    let out = Command::new("bgpdump").arg("-m").arg(path).output().ok()?;
    assert!(out.status.success(), "bgpdump failed on {}", path.display());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.to_lowercase().contains("error") && !err.contains("warn"), "{}: {err}", path.display());
    Some(out.stdout.iter().filter(|&&b| b == b'\n').count() as u64)
}

#[test]
fn bgpdump_reads_every_file_completely_and_agrees_on_the_rows() {
    if Command::new("bgpdump").arg("-T").output().is_err() {
        eprintln!("SKIP: bgpdump not installed");
        return;
    }
    let d = demo();
    // Every MRT file, which covers the RIB dumps, the file with the session reset's state
    // changes and the files of every event.
    let mut checked = 0;
    for f in d.summary.files.iter().filter(|f| matches!(f.kind, FileKind::Rib | FileKind::Updates)) {
        assert_eq!(bgpdump_lines(&d.dir.join(&f.path)), Some(f.rows()), "{}", f.path.display());
        checked += 1;
    }
    assert!(checked > 576);
    assert!(d.summary.files.iter().any(|f| f.state_changes > 0));
}

fn stamp(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).unwrap().format("%Y%m%d.%H%M").to_string()
}

fn epoch(v: &Value) -> i64 {
    v.as_f64().unwrap() as i64
}

fn event<'a>(d: &'a Demo, kind: &str) -> &'a Value {
    d.truth["events"].as_array().unwrap().iter().find(|e| e["kind"] == kind).unwrap()
}

#[test]
fn replayed_updates_agree_with_every_later_rib_dump() {
    let l = loaded();
    let probes: Vec<i64> = l.ribs[1..].iter().map(|(t, _)| t - 1).collect();
    let mut seen = 0;
    replay(&probes, |t, routes| {
        let (_, rib) = l.ribs.iter().find(|(d, _)| *d == t + 1).unwrap();
        let diff: Vec<_> = rib.iter().filter(|(k, v)| routes.get(*k) != Some(*v)).take(3).collect();
        let extra: Vec<_> = routes.keys().filter(|k| !rib.contains_key(*k)).take(3).collect();
        assert!(diff.is_empty() && extra.is_empty(), "RIB at {}: differs {diff:?}, not in RIB {extra:?}", t + 1);
        assert_eq!(routes.len(), rib.len());
        seen += 1;
    });
    assert_eq!(seen, probes.len());
}

/// The upstream in an AS path: the first AS before the origin that is not the origin.
fn upstream(path: &str) -> Option<u32> {
    let asns: Vec<u32> = path.split(' ').map(|a| a.parse().unwrap()).collect();
    let origin = *asns.last()?;
    asns.iter().rev().copied().find(|&a| a != origin)
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect()
}

/// What the checks need from the truth and the case file.
struct Facts {
    /// Full-feed sessions (peer address, is IPv6), by the case file's thresholds on the first RIB.
    full: Vec<(String, bool)>,
    target: Vec<String>,
    neighbour: Vec<String>,
    u1: u32,
    threshold_v4: usize,
}

fn facts() -> Facts {
    let d = demo();
    let l = loaded();
    let bgp = d.case["bgp"].as_table().unwrap();
    let (min4, min6) = (bgp["full_feed_min_v4"].as_integer().unwrap() as usize, bgp["full_feed_min_v6"].as_integer().unwrap() as usize);
    let mut sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for (peer, _) in l.ribs[0].1.keys() {
        *sizes.entry(peer.as_str()).or_default() += 1;
    }
    let full: Vec<(String, bool)> = sizes
        .iter()
        .filter(|(p, n)| **n >= if p.contains(':') { min6 } else { min4 })
        .map(|(p, _)| (p.to_string(), p.contains(':')))
        .collect();
    // The truth's feed labels agree with the thresholds.
    let mut labelled = Vec::new();
    for p in d.truth["collector"]["peers"].as_array().unwrap() {
        for (fam, v6) in [("v4", false), ("v6", true)] {
            if p[format!("feed_{fam}")] == "full" {
                labelled.push((p[format!("addr_{fam}")].as_str().unwrap().to_string(), v6));
            }
        }
    }
    labelled.sort();
    assert_eq!(full, labelled, "full-feed sessions by threshold and by truth.json");
    let peers = d.truth["collector"]["peers"].as_array().unwrap();
    assert!(peers.len() >= 10, "{} peers", peers.len());
    assert!(full.iter().any(|(_, v6)| *v6) && full.iter().filter(|(_, v6)| !*v6).count() >= 5);
    assert!(sizes.len() > full.len(), "partial-feed sessions exist besides the full ones");
    let t = &d.truth["target"];
    let mut target = strs(&t["prefixes_v4"]);
    target.push(t["prefix_v6"].as_str().unwrap().to_string());
    let neighbour = d.truth["entities"][1]["prefixes_v4"]
        .as_array()
        .unwrap()
        .iter()
        .chain(d.truth["entities"][1]["prefixes_v6"].as_array().unwrap())
        .map(|x| x.as_str().unwrap().to_string())
        .collect();
    let u1 = event(d, "partial")["scope"]["upstreams_lost"][0]["asn"].as_u64().unwrap() as u32;
    assert_eq!(t["upstreams"][0]["asn"].as_u64(), Some(u64::from(u1)));
    Facts { full, target, neighbour, u1, threshold_v4: min4 }
}

fn family(prefix: &str) -> bool {
    prefix.contains(':')
}

/// Every full-feed session holds every prefix of `prefixes` of its family.
fn all_held(f: &Facts, routes: &Routes, prefixes: &[String], t: i64) {
    for (peer, v6) in &f.full {
        for p in prefixes.iter().filter(|p| family(p) == *v6) {
            assert!(routes.contains_key(&(peer.clone(), p.clone())), "t={t}: {peer} has no route to {p}");
        }
    }
}

fn window(e: &Value, from_settle: bool) -> (i64, i64, i64) {
    let settle = e["settle_s"].as_i64().unwrap();
    let (s, end) = (epoch(&e["start_epoch"]), epoch(&e["end_epoch"]));
    (if from_settle { s + settle } else { s }, end, settle)
}

fn steps(from: i64, to: i64, step: i64) -> Vec<i64> {
    (0..).map(|i| from + i * step).take_while(|&t| t <= to).collect()
}

#[test]
fn during_the_full_outage_no_peer_reaches_the_target() {
    let (d, f) = (demo(), facts());
    let e = event(d, "full_outage");
    let (from, end, settle) = window(e, true);
    let before = epoch(&e["start_epoch"]) - 60;
    let mut probes = vec![before];
    probes.extend(steps(from, end, 60));
    probes.push(end + settle);
    let mut checked = 0;
    replay(&probes, |t, routes| {
        all_held(&f, routes, &f.neighbour, t);
        if t == before || t == end + settle {
            all_held(&f, routes, &f.target, t);
        } else {
            let left: Vec<_> = routes.keys().filter(|(_, p)| f.target.contains(p)).take(3).collect();
            assert!(left.is_empty(), "t={t}: routes to the target remain: {left:?}");
            checked += 1;
        }
    });
    assert!(checked > 60, "{checked} probes inside the outage");
}

#[test]
fn during_the_partial_event_every_full_feed_peer_keeps_the_target_through_u2() {
    let (d, f) = (demo(), facts());
    let e = event(d, "partial");
    let (from, end, settle) = window(e, true);
    let before = epoch(&e["start_epoch"]) - 60;
    let mut probes = vec![before];
    probes.extend(steps(from, end, 60));
    probes.push(end + settle);
    // Path exploration while BGP converges: some brief withdrawals, and new paths via U2.
    let start = epoch(&e["start_epoch"]);
    let early: Vec<&Ev> =
        rows_between(start, from).into_iter().filter(|e| matches!(e, Ev::Route { prefix, .. } if f.target.contains(prefix))).collect();
    assert!(early.iter().any(|e| matches!(e, Ev::Route { path: None, .. })), "some peer withdraws briefly");
    assert!(early.iter().any(|e| matches!(e, Ev::Route { path: Some(p), .. } if upstream(p) != Some(f.u1))));
    let mut usual: BTreeMap<(String, String), Option<u32>> = BTreeMap::new();
    replay(&probes, |t, routes| {
        all_held(&f, routes, &f.target, t);
        all_held(&f, routes, &f.neighbour, t);
        let ups: BTreeMap<(String, String), Option<u32>> = f
            .full
            .iter()
            .flat_map(|(peer, _)| {
                f.target
                    .iter()
                    .filter_map(|p| routes.get(&(peer.clone(), p.clone())).map(|path| ((peer.clone(), p.clone()), upstream(path))))
            })
            .collect();
        if t == before {
            assert!(ups.values().filter(|u| **u == Some(f.u1)).count() >= 10, "several full-feed peers use U1 before: {ups:?}");
            usual = ups;
        } else if t == end + settle {
            assert_eq!(ups, usual, "back on the usual upstreams after the event");
        } else {
            let via_u1: Vec<_> = ups.iter().filter(|(_, u)| **u == Some(f.u1)).take(3).collect();
            assert!(via_u1.is_empty(), "t={t}: still through U1: {via_u1:?}");
        }
    });
}

#[test]
fn after_the_session_reset_the_peer_has_its_table_back() {
    let (d, f) = (demo(), facts());
    let e = event(d, "session_reset");
    let peer = e["session"]["addr"].as_str().unwrap().to_string();
    assert!(f.full.contains(&(peer.clone(), false)), "the reset peer is a full-feed IPv4 session");
    let (start, end, settle) = window(e, false);
    let probes = [start - 1, start + 5, end + settle];
    let mut sizes = Vec::new();
    replay(&probes, |t, routes| {
        let held: Vec<&String> = routes.keys().filter(|(p, _)| *p == peer).map(|(_, x)| x).collect();
        sizes.push(held.len());
        if t != start + 5 {
            assert!(held.len() >= f.threshold_v4, "t={t}: {} routes", held.len());
            for p in f.target.iter().filter(|p| !family(p)) {
                assert!(held.contains(&p), "t={t}: no route to {p}");
            }
        }
    });
    assert_eq!(sizes[1], 0, "the session's routes are gone while it is down");
    let explicit = rows_between(start, end).into_iter().filter(|e| matches!(e, Ev::Route { peer: p, .. } if *p == peer)).count();
    assert_eq!(explicit, 0, "no UPDATE from the peer while its session is down");
    assert!(sizes[0].abs_diff(sizes[2]) * 100 <= sizes[0], "table before {} and after {}", sizes[0], sizes[2]);
    let states: Vec<(String, String)> = loaded()
        .events
        .iter()
        .filter_map(|e| match e {
            Ev::State { ts, peer: p, old, new } if *p == peer && (start..=end).contains(ts) => Some((old.clone(), new.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(states.first().unwrap(), &("Established".to_string(), "Idle".to_string()));
    assert_eq!(states.last().unwrap(), &("OpenConfirm".to_string(), "Established".to_string()));
}

#[test]
fn during_the_flap_only_the_flapping_prefix_is_gone() {
    let (d, f) = (demo(), facts());
    let e = event(d, "flap");
    let gone = strs(&e["scope"]["prefixes"]);
    let rest: Vec<String> = f.target.iter().filter(|p| !gone.contains(p)).cloned().collect();
    let (start, end, _) = window(e, false);
    // The flap is short: the peers withdraw within 20 s.
    let probes = steps(start + 30, end - 1, 30);
    assert!(probes.len() >= 4);
    replay(&probes, |t, routes| {
        all_held(&f, routes, &rest, t);
        assert!(!routes.keys().any(|(_, p)| gone.contains(p)), "t={t}: {gone:?} still held");
    });
}

#[test]
fn case_and_truth_describe_the_scenario() {
    let d = demo();
    let c = &d.case;
    assert_eq!(c["name"].as_str(), Some("demo"));
    assert_eq!(c["start"].as_str(), d.truth["lab_start"].as_str());
    assert_eq!(c["end"].as_str(), d.truth["lab_end"].as_str());
    assert_eq!(c["bin"].as_str(), Some("5m"));
    let bgp = c["bgp"].as_table().unwrap();
    let keys: BTreeSet<&str> = bgp.keys().map(|k| k.as_str()).collect();
    assert_eq!(keys, BTreeSet::from(["full_feed_min_v4", "full_feed_min_v6", "visible_fraction", "history", "warning", "critical"]));
    let ent = &c["entity"].as_array().unwrap()[0];
    assert_eq!(ent["asn"].as_integer(), d.truth["target"]["asn"].as_i64());
    assert_eq!(ent["upstreams"].as_array().unwrap().len(), 2);
    assert_eq!(ent["prefixes"].as_array().unwrap().len(), 5);
    let lab_start = epoch(&d.truth["lab_start_epoch"]);
    let kinds: BTreeSet<&str> = d.truth["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, BTreeSet::from(["flap", "full_outage", "partial", "session_reset"]));
    for e in d.truth["events"].as_array().unwrap() {
        let (s, end) = (epoch(&e["start_epoch"]), epoch(&e["end_epoch"]));
        assert_eq!(chrono::DateTime::parse_from_rfc3339(e["start"].as_str().unwrap()).unwrap().timestamp(), s);
        assert!(s % 300 != 0 && end % 300 != 0, "{}: off the 5-minute grid", e["id"]);
        if e["kind"] != "session_reset" {
            assert!(s - lab_start >= 12 * 3600, "{}: after at least 12 h of history", e["id"]);
        }
    }
    let o = event(d, "full_outage");
    let hours = (epoch(&o["end_epoch"]) - epoch(&o["start_epoch"])) as f64 / 3600.0;
    assert!((2.0..=3.0).contains(&hours), "outage of {hours} h");
    // One update file every 5 minutes from the start, one RIB dump every 8 hours.
    let names: Vec<String> = d
        .summary
        .files
        .iter()
        .filter(|f| f.kind == FileKind::Updates)
        .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let want: Vec<String> = (0..names.len() as i64).map(|i| format!("updates.{}.bz2", stamp(lab_start + 300 * i))).collect();
    assert_eq!(names, want);
    let ribs: Vec<String> = d
        .summary
        .files
        .iter()
        .filter(|f| f.kind == FileKind::Rib)
        .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(ribs[0], format!("bview.{}.gz", stamp(lab_start)));
    assert!(d.summary.files.iter().all(|f| f.kind == FileKind::Truth || f.kind == FileKind::Case || f.path.starts_with("mrt/rrc-synth")));
}

/// IPv4 /24 equivalents of the target visible to more than half of the full-feed sessions
/// that are up (IODA's BGP visibility, with the case file's fraction).
fn visibility(f: &Facts, routes: &Routes, up: &BTreeSet<String>) -> u32 {
    let peers: Vec<&String> = f.full.iter().filter(|(p, v6)| !v6 && up.contains(p)).map(|(p, _)| p).collect();
    let mut total = 0;
    for prefix in f.target.iter().filter(|p| !family(p)) {
        let len: u32 = prefix.rsplit('/').next().unwrap().parse().unwrap();
        let seen = peers.iter().filter(|p| routes.contains_key(&((**p).clone(), prefix.clone()))).count();
        if seen * 2 > peers.len() {
            total += 1 << (24 - len);
        }
    }
    total
}

#[test]
fn bgp_visibility_per_bin_shows_only_the_outage_and_the_flap() {
    let (d, f) = (demo(), facts());
    let lab = (epoch(&d.truth["lab_start_epoch"]), epoch(&d.truth["lab_end_epoch"]));
    let bins = steps(lab.0 + 299, lab.1 - 1, 300);
    let mut down: BTreeMap<i64, (String, bool)> = BTreeMap::new();
    for e in &loaded().events {
        if let Ev::State { ts, peer, old, new } = e
            && (old == "Established" || new == "Established")
        {
            down.insert(*ts, (peer.clone(), new != "Established"));
        }
    }
    let all_full: BTreeSet<String> = f.full.iter().map(|(p, _)| p.clone()).collect();
    let window = |kind: &str| {
        let e = event(d, kind);
        (epoch(&e["start_epoch"]), epoch(&e["end_epoch"]), e["settle_s"].as_i64().unwrap())
    };
    let (outage, flap, reset) = (window("full_outage"), window("flap"), window("session_reset"));
    let mut seen = BTreeMap::new();
    replay(&bins, |t, routes| {
        let mut up = all_full.clone();
        for (_, (peer, is_down)) in down.range(..=t) {
            if *is_down {
                up.remove(peer);
            } else {
                up.insert(peer.clone());
            }
        }
        let v = visibility(&f, routes, &up);
        let inside = |(s, e, settle): (i64, i64, i64), tight: bool| {
            if tight { t >= s + settle && t < e } else { t >= s && t < e + settle }
        };
        let want = if inside(outage, true) {
            Some(0)
        } else if inside(flap, true) {
            Some(7)
        } else if inside(outage, false) || inside(flap, false) {
            None // withdrawing or coming back within the bin
        } else {
            Some(8)
        };
        if inside(reset, true) {
            assert!(up.len() < all_full.len(), "t={t}: the reset session counts as down");
        }
        if let Some(want) = want {
            assert_eq!(v, want, "t={t}");
        }
        *seen.entry(v).or_insert(0) += 1;
    });
    assert!(seen[&0] >= 25 && seen[&7] >= 1 && seen[&8] > 500, "{seen:?}");
}
