//! The traceroute readers against independent parses of real data.
//!
//! - warts: every `X.warts` against `warts_expected/X.sc_warts2json-*.json` (Debian scamper
//!   20211212): trace, hop and ping counts, every trace and hop field by field, and our own
//!   scamper JSON reader on the same JSON giving the very same rows.
//! - text: every `jc_X.txt` against jc's parse `jc_expected/jc_X.json` (hop numbers, addresses,
//!   RTTs, in order).
//! - Atlas: every Atlas file against a count made here from the JSON itself (results, hop
//!   rows) and field by field for every trace.
//! - the lab (`lab-kp`): `vp1.kp.warts`, `.warts.gz` and `vp1.kp.json` give the same traces,
//!   and binned by `truth.json`'s event times they give `verify.txt`'s counts per phase.
//!
//! Each check runs on `../shared/realdata/traceroute` and `../shared/lab/kp` when present
//! (saying SKIP otherwise), and always on the copies in `fixtures/traceroute` (MIT-licensed
//! files and our own hand-made Atlas results), so the suite passes without `shared/`.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, TimestampMicrosecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type};
use arrow_array::{Array, RecordBatch};
use lightsout_formats::{Compression, FileContext, Format, Input, MemorySink, ReadStats, Table};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn shared_traceroute() -> Option<PathBuf> {
    let p = manifest().join("../../../shared/realdata/traceroute");
    p.is_dir().then_some(p)
}

fn shared_lab() -> Option<PathBuf> {
    let p = manifest().join("../../../shared/lab/kp");
    p.is_dir().then_some(p)
}

fn fixtures() -> PathBuf {
    manifest().join("../../fixtures/traceroute")
}

/// The decompressed bytes of a file.
fn bytes(path: &Path) -> Vec<u8> {
    let raw = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    Compression::sniff(&raw).decoder(Box::new(std::io::Cursor::new(raw))).unwrap().read_to_end(&mut out).unwrap();
    out
}

fn read(format: &dyn Format, path: &Path) -> (MemorySink, ReadStats) {
    let raw = std::fs::read(path).unwrap();
    let dec = Compression::sniff(&raw).decoder(Box::new(std::io::Cursor::new(raw))).unwrap();
    let mut input = Input::new(dec);
    let mut sink = MemorySink::default();
    let stats = format.read(&mut input, &FileContext::new("0123456789abcdef", "test"), &mut sink).unwrap();
    assert_eq!(sink.rejects.len() as u64, stats.records_rejected + stats.records_partial, "{}", path.display());
    (sink, stats)
}

fn json_lines(data: &[u8]) -> Vec<Value> {
    data.split(|&b| b == b'\n').filter(|l| !l.iter().all(u8::is_ascii_whitespace)).map(|l| serde_json::from_slice(l).unwrap()).collect()
}

fn canon(s: &str) -> String {
    match s.parse::<IpAddr>().unwrap() {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(v6.to_string(), |v4| v4.to_string()),
        v4 => v4.to_string(),
    }
}

fn strs(b: &RecordBatch, col: &str) -> Vec<Option<String>> {
    let a = b.column_by_name(col).unwrap().as_string::<i32>();
    (0..a.len()).map(|i| (!a.is_null(i)).then(|| a.value(i).to_string())).collect()
}

fn f64s(b: &RecordBatch, col: &str) -> Vec<Option<f64>> {
    let a = b.column_by_name(col).unwrap().as_primitive::<Float64Type>();
    (0..a.len()).map(|i| (!a.is_null(i)).then(|| a.value(i))).collect()
}

fn u8s(b: &RecordBatch, col: &str) -> Vec<Option<u8>> {
    let a = b.column_by_name(col).unwrap().as_primitive::<UInt8Type>();
    (0..a.len()).map(|i| (!a.is_null(i)).then(|| a.value(i))).collect()
}

fn u16s(b: &RecordBatch, col: &str) -> Vec<u16> {
    b.column_by_name(col).unwrap().as_primitive::<UInt16Type>().values().to_vec()
}

fn u32s(b: &RecordBatch, col: &str) -> Vec<u32> {
    b.column_by_name(col).unwrap().as_primitive::<UInt32Type>().values().to_vec()
}

fn u64s(b: &RecordBatch, col: &str) -> Vec<Option<u64>> {
    let a = b.column_by_name(col).unwrap().as_primitive::<UInt64Type>();
    (0..a.len()).map(|i| (!a.is_null(i)).then(|| a.value(i))).collect()
}

fn tss(b: &RecordBatch, col: &str) -> Vec<i64> {
    b.column_by_name(col).unwrap().as_primitive::<TimestampMicrosecondType>().values().to_vec()
}

fn bools(b: &RecordBatch, col: &str) -> Vec<bool> {
    b.column_by_name(col).unwrap().as_boolean().iter().map(|v| v.unwrap()).collect()
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => (x - y).abs() < 1e-9,
        (None, None) => true,
        _ => false,
    }
}

fn sec_usec(v: &Value) -> i64 {
    v["sec"].as_i64().unwrap() * 1_000_000 + v["usec"].as_i64().unwrap()
}

/// Counts and field-by-field comparison of one warts file against sc_warts2json's output.
/// Returns (traces, hops, pings) matched.
fn check_warts(warts: &Path, expected: &Path) -> (usize, usize, usize) {
    let exp = json_lines(&bytes(expected));
    let traces: Vec<&Value> = exp.iter().filter(|o| o["type"] == "trace").collect();
    let pings: Vec<&Value> = exp.iter().filter(|o| o["type"] == "ping").collect();
    let tracelbs = exp.iter().filter(|o| o["type"] == "tracelb").count();
    let skipped = exp.iter().filter(|o| matches!(o["type"].as_str(), Some("cycle-start" | "cycle-stop"))).count();
    let hop_count: usize = traces.iter().map(|t| t["hops"].as_array().map_or(0, Vec::len)).sum();

    let (sink, stats) = read(&lightsout_formats::warts::Warts, warts);
    let name = warts.display();
    assert_eq!(sink.rows(Table::Traceroutes), traces.len(), "{name}: traces");
    assert_eq!(sink.rows(Table::TracerouteHops), hop_count, "{name}: hops");
    assert_eq!(sink.rows(Table::Pings), pings.len(), "{name}: pings");
    assert_eq!(stats.records_rejected as usize, tracelbs, "{name}: {:?}", sink.rejects);
    assert!(sink.rejects.iter().all(|r| r.reason == "tracelb not supported"));
    assert_eq!(stats.records_ok as usize, traces.len() + pings.len());
    // The list record has no JSON line of its own: cycles + list.
    assert_eq!(stats.records_skipped as usize, skipped + 1, "{name}: skipped");

    let t = sink.concat(Table::Traceroutes);
    let h = sink.concat(Table::TracerouteHops);
    let (ts, src, dst, stop, hc) =
        (tss(&t, "ts"), strs(&t, "src_addr"), strs(&t, "dst_addr"), strs(&t, "stop_reason"), u16s(&t, "hop_count"));
    let (hts, ttl, addr, rtt, rttl) = (tss(&h, "ts"), u8s(&h, "ttl"), strs(&h, "addr"), f64s(&h, "rtt_ms"), u8s(&h, "reply_ttl"));
    let (itype, icode, ids) = (u8s(&h, "icmp_type"), u8s(&h, "icmp_code"), strs(&h, "trace_id"));
    let trace_ids = strs(&t, "trace_id");
    let mut k = 0;
    for (i, e) in traces.iter().enumerate() {
        assert_eq!(ts[i], sec_usec(&e["start"]), "{name} trace {i} start");
        assert_eq!(src[i], e["src"].as_str().map(canon), "{name} trace {i} src");
        assert_eq!(dst[i], e["dst"].as_str().map(canon), "{name} trace {i} dst");
        assert_eq!(stop[i].as_deref(), e["stop_reason"].as_str(), "{name} trace {i} stop_reason");
        assert_eq!(u64::from(hc[i]), e["hop_count"].as_u64().unwrap(), "{name} trace {i} hop_count");
        for eh in e["hops"].as_array().map(Vec::as_slice).unwrap_or_default() {
            assert_eq!(ids[k], trace_ids[i]);
            assert_eq!(u64::from(ttl[k].unwrap()), eh["probe_ttl"].as_u64().unwrap(), "{name} hop {k}");
            assert_eq!(addr[k].as_deref(), Some(canon(eh["addr"].as_str().unwrap()).as_str()), "{name} hop {k}");
            assert!(close(rtt[k], eh["rtt"].as_f64()), "{name} hop {k} rtt {:?} vs {}", rtt[k], eh["rtt"]);
            assert_eq!(rttl[k].map(u64::from), eh["reply_ttl"].as_u64(), "{name} hop {k} reply_ttl");
            assert_eq!(itype[k].map(u64::from), eh["icmp_type"].as_u64(), "{name} hop {k} icmp_type");
            assert_eq!(icode[k].map(u64::from), eh["icmp_code"].as_u64(), "{name} hop {k} icmp_code");
            let tx = eh.get("tx").map_or(ts[i], sec_usec);
            assert_eq!(hts[k], tx, "{name} hop {k} ts");
            k += 1;
        }
    }
    let p = sink.concat(Table::Pings);
    let (pts, sent, replies, dst_replies) = (tss(&p, "ts"), u32s(&p, "sent"), u32s(&p, "replies"), u32s(&p, "dst_replies"));
    for (i, e) in pings.iter().enumerate() {
        let responses = e["responses"].as_array().map(Vec::as_slice).unwrap_or_default();
        let dst = e["dst"].as_str().unwrap();
        let mut echo: Vec<u64> = responses
            .iter()
            .filter(|r| r["from"] == dst && matches!(r["icmp_type"].as_u64(), Some(0 | 129)))
            .map(|r| r["seq"].as_u64().unwrap())
            .collect();
        echo.sort_unstable();
        echo.dedup();
        assert_eq!(pts[i], sec_usec(&e["start"]), "{name} ping {i}");
        assert_eq!(u64::from(sent[i]), e["ping_sent"].as_u64().unwrap(), "{name} ping {i}");
        assert_eq!(replies[i] as usize, responses.len(), "{name} ping {i}");
        assert_eq!(dst_replies[i] as usize, echo.len(), "{name} ping {i}");
    }

    // The JSON read by our scamper JSON reader gives the same rows.
    let (jsink, jstats) = read(&lightsout_formats::scamper_json::ScamperJson, expected);
    assert_eq!(jstats.records_ok, stats.records_ok);
    assert_eq!(jsink.concat(Table::TracerouteHops), h, "{name}: hops from JSON differ");
    let jt = jsink.concat(Table::Traceroutes);
    for col in [
        "ts",
        "trace_id",
        "src_addr",
        "dst_addr",
        "af",
        "proto",
        "reached",
        "stop_reason",
        "hop_count",
        "last_responsive_addr",
        "last_responsive_ttl",
    ] {
        assert_eq!(jt.column_by_name(col), t.column_by_name(col), "{name}: traceroutes.{col} from JSON differs");
    }
    let jp = jsink.concat(Table::Pings);
    for col in ["ts", "src_addr", "dst_addr", "sent", "replies", "dst_replies", "errors", "loss", "rtt_min_ms", "rtt_max_ms"] {
        assert_eq!(jp.column_by_name(col), p.column_by_name(col), "{name}: pings.{col} from JSON differs");
    }
    (traces.len(), hop_count, pings.len())
}

fn check_warts_dir(dir: &Path) -> usize {
    let mut checked = 0;
    let mut names: Vec<PathBuf> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "warts")).collect();
    names.sort();
    for w in names {
        let stem = w.file_stem().unwrap().to_string_lossy().into_owned();
        let exp_dir = dir.join("warts_expected");
        let exp = std::fs::read_dir(&exp_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(&format!("{stem}.sc_warts2json")))
            .unwrap_or_else(|| panic!("no sc_warts2json output for {stem}"));
        let (t, h, p) = check_warts(&w, &exp);
        println!("{stem:50} traces={t:5} hops={h:5} pings={p:3} match sc_warts2json");
        checked += 1;
    }
    checked
}

/// Our hop rows of a text trace against jc's parse.
fn check_jc(txt: &Path, expected: &Path) -> usize {
    let exp: Value = serde_json::from_slice(&bytes(expected)).unwrap();
    let (sink, stats) = read(&lightsout_formats::tracetext::TraceText, txt);
    let name = txt.display();
    assert_eq!(stats.records_ok, 1, "{name}: one trace, rejects {:?}", sink.rejects);
    assert_eq!(stats.records_rejected, 0, "{name}: {:?}", sink.rejects);
    let h = sink.concat(Table::TracerouteHops);
    let (ttl, addr, name_col, rtt, timeout) =
        (u8s(&h, "ttl"), strs(&h, "addr"), strs(&h, "name"), f64s(&h, "rtt_ms"), bools(&h, "timeout"));
    let rows: Vec<usize> = (0..h.num_rows()).collect();
    let hops = exp["hops"].as_array().unwrap();
    let mut compared = 0;
    if hops.first().is_some_and(|x| x.get("probes").is_some()) {
        // traceroute: per hop number, the replies in order (jc leaves out the '*').
        let t = sink.concat(Table::Traceroutes);
        assert_eq!(strs(&t, "dst_addr")[0].as_deref(), exp["destination_ip"].as_str(), "{name}: destination");
        let mut ttls: Vec<u8> = ttl.iter().map(|t| t.unwrap()).collect();
        ttls.dedup();
        let jc_ttls: Vec<u8> = hops.iter().map(|x| x["hop"].as_u64().unwrap() as u8).collect();
        assert_eq!(ttls, jc_ttls, "{name}: hop numbers");
        for hop in hops {
            let n = hop["hop"].as_u64().unwrap() as u8;
            let ours: Vec<usize> = rows.iter().copied().filter(|&i| ttl[i] == Some(n) && !timeout[i]).collect();
            let probes = hop["probes"].as_array().unwrap();
            assert_eq!(ours.len(), probes.len(), "{name}: hop {n} replies");
            for (&i, p) in ours.iter().zip(probes) {
                assert_eq!(addr[i].as_deref(), p["ip"].as_str(), "{name}: hop {n} address");
                assert!(close(rtt[i], p["rtt"].as_f64()), "{name}: hop {n} rtt {:?} vs {}", rtt[i], p["rtt"]);
                compared += 1;
            }
        }
    } else {
        // tracepath: every line but the [LOCALHOST] one, by TTL, in order within a TTL (tracepath
        // may print a TTL again after later ones; hop rows are in TTL order).
        let mut jc: Vec<&Value> = hops.iter().filter(|x| x["host"] != "[LOCALHOST]").collect();
        jc.sort_by_key(|x| x["ttl"].as_u64());
        assert_eq!(jc.len(), h.num_rows(), "{name}: tracepath lines");
        for (i, x) in jc.iter().enumerate() {
            assert_eq!(u64::from(ttl[i].unwrap()), x["ttl"].as_u64().unwrap(), "{name}: line {i} ttl");
            let host = name_col[i].clone().or(addr[i].clone());
            assert_eq!(host.as_deref(), x["host"].as_str(), "{name}: line {i} host");
            assert!(close(rtt[i], x["reply_ms"].as_f64()), "{name}: line {i} rtt");
            compared += 1;
        }
    }
    compared
}

fn check_jc_dir(dir: &Path) -> usize {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("jc_") && p.extension().is_some_and(|e| e == "txt"))
        .collect();
    names.sort();
    for txt in &names {
        let stem = txt.file_stem().unwrap().to_string_lossy().into_owned();
        let n = check_jc(txt, &dir.join("jc_expected").join(format!("{stem}.json")));
        println!("{stem:50} {n:3} replies match jc");
    }
    names.len()
}

/// The results of an Atlas file, parsed here without the reader: a JSON document (array,
/// object or wrapper) or one JSON value per line.
fn atlas_results(path: &Path) -> Vec<Value> {
    let data = bytes(path);
    let values = match serde_json::from_slice::<Value>(&data) {
        Ok(v) => vec![v],
        Err(_) => json_lines(&data),
    };
    let mut out = Vec::new();
    for v in values {
        match v {
            Value::Array(a) => out.extend(a),
            Value::Object(o) if o.contains_key("results") => out.extend(o["results"].as_array().unwrap().iter().cloned()),
            other => out.push(other),
        }
    }
    out
}

/// Counts and field-by-field comparison of an Atlas file of well-formed traceroutes.
fn check_atlas(path: &Path) -> (usize, usize) {
    let results = atlas_results(path);
    let traces: Vec<&Value> = results.iter().filter(|r| r["type"] == "traceroute").collect();
    assert_eq!(traces.len(), results.len(), "{}: only traceroutes expected", path.display());
    // One hop row per reply object, plus one per per-hop error; entries without a hop number
    // are errors of the result as a whole.
    let hop_rows = |r: &Value| -> usize {
        r["result"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e.get("hop").is_some())
            .map(|e| usize::from(e.get("error").is_some()) + e["result"].as_array().map_or(0, Vec::len))
            .sum()
    };
    let hops: usize = traces.iter().map(|r| hop_rows(r)).sum();
    let (sink, stats) = read(&lightsout_formats::atlas::Atlas, path);
    let name = path.display();
    assert_eq!(
        (stats.records_ok as usize, stats.records_rejected, stats.records_partial),
        (traces.len(), 0, 0),
        "{name}: {:?}",
        sink.rejects
    );
    assert_eq!(sink.rows(Table::TracerouteHops), hops, "{name}: hop rows");
    let t = sink.concat(Table::Traceroutes);
    let h = sink.concat(Table::TracerouteHops);
    let (msm, prb, ts, dst, err, reached) =
        (u64s(&t, "msm_id"), u64s(&t, "probe_id"), tss(&t, "ts"), strs(&t, "dst_addr"), strs(&t, "error"), bools(&t, "reached"));
    let (ttl, addr, rtt, timeout, late) = (u8s(&h, "ttl"), strs(&h, "addr"), f64s(&h, "rtt_ms"), bools(&h, "timeout"), bools(&h, "late"));
    let mut k = 0;
    for (i, r) in traces.iter().enumerate() {
        assert_eq!(msm[i], r["msm_id"].as_u64(), "{name} result {i}");
        assert_eq!(prb[i], r["prb_id"].as_u64(), "{name} result {i}");
        assert_eq!(ts[i], r["timestamp"].as_i64().unwrap() * 1_000_000, "{name} result {i}");
        assert_eq!(dst[i], r["dst_addr"].as_str().map(canon), "{name} result {i}");
        let mut any_dst = false;
        for e in r["result"].as_array().unwrap() {
            let Some(n) = e["hop"].as_u64() else {
                assert_eq!(err[i].as_deref(), e["error"].as_str(), "{name} result {i} error");
                continue;
            };
            if e.get("error").is_some() {
                assert_eq!(ttl[k], Some(n as u8));
                k += 1;
            }
            for reply in e["result"].as_array().map(Vec::as_slice).unwrap_or_default() {
                assert_eq!(ttl[k], Some(n as u8), "{name} result {i} hop {n}");
                assert_eq!(timeout[k], reply.get("x").is_some(), "{name} result {i} hop {n}");
                assert_eq!(late[k], reply.get("late").is_some(), "{name} result {i} hop {n}");
                assert_eq!(addr[k], reply["from"].as_str().map(canon), "{name} result {i} hop {n}");
                assert!(close(rtt[k], reply["rtt"].as_f64()), "{name} result {i} hop {n}");
                any_dst |= reply["from"].as_str().is_some() && reply["from"] == r["dst_addr"];
                k += 1;
            }
        }
        assert_eq!(reached[i], any_dst, "{name} result {i} reached");
    }
    (traces.len(), hops)
}

#[test]
fn warts_match_sc_warts2json_in_fixtures() {
    assert_eq!(check_warts_dir(&fixtures()), 7);
}

#[test]
fn warts_match_sc_warts2json_in_shared_realdata() {
    let Some(dir) = shared_traceroute() else {
        eprintln!("SKIP: ../shared/realdata/traceroute not present");
        return;
    };
    assert!(check_warts_dir(&dir) >= 7);
}

#[test]
fn text_matches_jc_in_fixtures() {
    assert_eq!(check_jc_dir(&fixtures()), 23);
}

#[test]
fn text_matches_jc_in_shared_realdata() {
    let Some(dir) = shared_traceroute() else {
        eprintln!("SKIP: ../shared/realdata/traceroute not present");
        return;
    };
    assert!(check_jc_dir(&dir) >= 23);
}

#[test]
fn atlas_matches_its_json_in_shared_realdata() {
    let Some(dir) = shared_traceroute() else {
        eprintln!("SKIP: ../shared/realdata/traceroute not present");
        return;
    };
    let mut n = 0;
    for f in [
        "atlas_pierky_msm1033154.wrapped.json",
        "atlas_pierky_msm3082698.wrapped.json",
        "atlas_sagan_tests_traceroute.jsonl",
        "pantrace_atlas.jsonl",
    ] {
        let (t, h) = check_atlas(&dir.join(f));
        println!("{f:50} traces={t:4} hop rows={h:5} match the JSON");
        n += t;
    }
    assert_eq!(n, 87 + 8 + 19 + 14);
}

#[test]
fn atlas_matches_its_json_in_fixtures() {
    let dir = fixtures();
    assert_eq!(check_atlas(&dir.join("pantrace_atlas.jsonl")), (14, 480));
    assert_eq!(check_atlas(&dir.join("atlas_wrapped.json")).0, 3);
    assert_eq!(check_atlas(&dir.join("atlas_single.json")).0, 1);
}

/// verify.txt's `traces <phase> {...}` and `pings <phase> {...}` lines.
fn verify_counts(verify: &str, what: &str) -> BTreeMap<String, BTreeMap<String, u64>> {
    let mut out = BTreeMap::new();
    for line in verify.lines() {
        let t: Vec<&str> = line.split_whitespace().collect();
        if t.len() < 3 || t[0] != what {
            continue;
        }
        let dict = line[line.find('{').unwrap() + 1..line.rfind('}').unwrap()].to_string();
        let mut counts = BTreeMap::new();
        let mut rest = dict.as_str();
        while let Some(a) = rest.find('\'') {
            let b = a + 1 + rest[a + 1..].find('\'').unwrap();
            let key = rest[a + 1..b].to_string();
            let after = &rest[b + 1..];
            let num: String = after.trim_start_matches([':', ' ']).chars().take_while(char::is_ascii_digit).collect();
            counts.insert(key, num.parse().unwrap());
            rest = &after[after.find(|c: char| c.is_ascii_digit()).unwrap() + num.len()..];
        }
        out.insert(t[1].to_string(), counts);
    }
    out
}

fn phase(events: &[(String, f64, f64)], ts_us: i64) -> String {
    let t = ts_us as f64 / 1e6;
    events.iter().find(|(_, s, e)| *s <= t && t < *e).map_or("baseline".to_string(), |(id, _, _)| id.clone())
}

fn check_lab(warts: &Path, warts_gz: &Path, json: &Path, truth: &Path, verify: &Path) {
    let (ws, wstats) = read(&lightsout_formats::warts::Warts, warts);
    let (gs, _) = read(&lightsout_formats::warts::Warts, warts_gz);
    let (js, jstats) = read(&lightsout_formats::scamper_json::ScamperJson, json);
    assert_eq!((wstats.records_rejected, jstats.records_rejected), (0, 0));
    let (wt, gt, jt) = (ws.concat(Table::Traceroutes), gs.concat(Table::Traceroutes), js.concat(Table::Traceroutes));
    assert_eq!(wt.num_rows(), 264);
    assert_eq!(wt, gt, "warts and warts.gz differ");
    assert_eq!(bools(&wt, "reached"), bools(&jt, "reached"), "warts and JSON differ in reached");
    assert_eq!(tss(&wt, "ts"), tss(&jt, "ts"));
    assert_eq!(ws.concat(Table::TracerouteHops), js.concat(Table::TracerouteHops));

    let truth: Value = serde_json::from_slice(&bytes(truth)).unwrap();
    let events: Vec<(String, f64, f64)> = truth["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["id"].as_str().unwrap().to_string(), e["start_epoch"].as_f64().unwrap(), e["end_epoch"].as_f64().unwrap()))
        .collect();
    let verify = String::from_utf8(bytes(verify)).unwrap();

    let mut traces: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    let (ts, reached, stop, last) = (tss(&wt, "ts"), bools(&wt, "reached"), strs(&wt, "stop_reason"), strs(&wt, "last_responsive_addr"));
    for i in 0..wt.num_rows() {
        let key = if reached[i] {
            "reached".to_string()
        } else {
            format!("unreached({},last={})", stop[i].as_deref().unwrap(), last[i].as_deref().unwrap_or("-"))
        };
        *traces.entry(phase(&events, ts[i])).or_default().entry(key).or_default() += 1;
    }
    assert_eq!(traces, verify_counts(&verify, "traces"));
    assert_eq!(traces["baseline"]["reached"], 144);

    let p = ws.concat(Table::Pings);
    let (pts, replies, dst_replies) = (tss(&p, "ts"), u32s(&p, "replies"), u32s(&p, "dst_replies"));
    let mut pings: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for i in 0..p.num_rows() {
        let key = match (dst_replies[i], replies[i]) {
            (d, _) if d > 0 => "echo-reply",
            (_, r) if r > 0 => "icmp-unreachable",
            _ => "no-response",
        };
        *pings.entry(phase(&events, pts[i])).or_default().entry(key.to_string()).or_default() += 1;
    }
    assert_eq!(pings, verify_counts(&verify, "pings"));
    assert_eq!(js.concat(Table::Pings).column_by_name("dst_replies"), p.column_by_name("dst_replies"));
    println!("lab: traces by phase {traces:?}\nlab: pings by phase {pings:?}");
}

#[test]
fn lab_traces_and_pings_match_verify_by_phase_in_fixtures() {
    let d = fixtures().join("lab");
    // The fixtures keep the lab's warts only gzipped: read it twice, once decompressed here.
    let tmp = std::env::temp_dir().join(format!("lightsout-vp1-{}.warts", std::process::id()));
    std::fs::write(&tmp, bytes(&d.join("vp1.kp.warts.gz"))).unwrap();
    check_lab(&tmp, &d.join("vp1.kp.warts.gz"), &d.join("vp1.kp.json.gz"), &d.join("truth.json"), &d.join("verify.txt"));
    let _ = std::fs::remove_file(&tmp);
}

#[test]
fn lab_traces_and_pings_match_verify_by_phase_in_shared() {
    let Some(d) = shared_lab() else {
        eprintln!("SKIP: ../shared/lab/kp not present");
        return;
    };
    let t = d.join("traceroute");
    check_lab(&t.join("vp1.kp.warts"), &t.join("vp1.kp.warts.gz"), &t.join("vp1.kp.json"), &d.join("truth.json"), &d.join("verify.txt"));
}

#[test]
fn atlas_hand_made_variants_in_fixtures() {
    let path = fixtures().join("atlas_variants.jsonl");
    let (sink, stats) = read(&lightsout_formats::atlas::Atlas, &path);
    assert_eq!(
        (stats.records_ok, stats.records_rejected, stats.records_skipped, stats.records_partial),
        (12, 4, 1, 0),
        "{:?}",
        sink.rejects
    );
    let t = sink.concat(Table::Traceroutes);
    let stop: Vec<String> = strs(&t, "stop_reason").into_iter().map(Option::unwrap).collect();
    assert_eq!(stop, ["COMPLETED", "UNREACH", "GAPLIMIT", "COMPLETED", "ERROR", "ERROR", "COMPLETED", "COMPLETED", "COMPLETED"]);
    assert_eq!(bools(&t, "reached"), [true, false, false, true, false, false, true, true, true]);
    assert_eq!(strs(&t, "dst_addr")[5], None, "name resolution failed");
    assert!(strs(&t, "error")[5].as_deref().unwrap().starts_with("name resolution failed"));
    assert_eq!(
        strs(&t, "proto"),
        [Some("ICMP"), Some("UDP"), Some("UDP"), Some("TCP"), Some("ICMP"), Some("UDP"), Some("UDP"), None, Some("ICMP")]
            .map(|s| s.map(String::from))
    );
    assert_eq!(u8s(&t, "af"), [Some(4), Some(4), Some(4), Some(6), Some(6), Some(4), Some(4), Some(4), Some(4)]);
    assert_eq!(strs(&t, "dst_addr")[6].as_deref(), Some("192.0.2.7"), "firmware 4400 'addr'");
    assert_eq!(strs(&t, "src_addr")[6].as_deref(), Some("10.9.9.9"), "firmware 4400 'srcaddr'");
    assert_eq!(u8s(&t, "last_responsive_ttl")[3], Some(255));

    let h = sink.concat(Table::TracerouteHops);
    let (ids, ttl, late, rtt, err, icmp) =
        (strs(&h, "trace_id"), u8s(&h, "ttl"), bools(&h, "late"), f64s(&h, "rtt_ms"), strs(&h, "error"), strs(&h, "icmp_error"));
    let of =
        |n: usize| -> Vec<usize> { (0..h.num_rows()).filter(|&i| ids[i].as_deref() == Some(&format!("0123456789abcdef:{n}"))).collect() };
    let late_rows: Vec<usize> = of(0).into_iter().filter(|&i| late[i]).collect();
    assert_eq!(late_rows.len(), 1);
    assert_eq!((ttl[late_rows[0]], rtt[late_rows[0]]), (Some(2), None));
    assert_eq!(of(1).iter().filter_map(|&i| icmp[i].clone()).collect::<Vec<_>>(), ["net-unreach", "net-unreach"]);
    assert_eq!(of(3).iter().filter_map(|&i| icmp[i].clone()).collect::<Vec<_>>(), ["admin-prohibited", "beyond-scope", "unreach-7"]);
    assert_eq!(of(2).iter().filter(|&&i| ttl[i] == Some(255)).count(), 3);
    assert_eq!(err[of(4)[0]].as_deref(), Some("connect failed: Network is unreachable"));
    assert!(of(5).is_empty());
    assert_eq!(of(7).len(), 9, "firmware 1 text result");

    let p = sink.concat(Table::Pings);
    assert_eq!(u32s(&p, "dst_replies"), [3, 0, 3]);
    assert_eq!(u32s(&p, "replies"), [4, 0, 3]);
    assert_eq!(u32s(&p, "errors"), [0, 1, 0]);
    assert_eq!(f64s(&p, "loss"), [Some(0.0), Some(1.0), Some(0.0)]);
    assert_eq!(f64s(&p, "rtt_min_ms")[2], Some(19.938));

    let lines: Vec<Option<u64>> = sink.rejects.iter().map(|r| r.line).collect();
    assert_eq!(lines, [Some(14), Some(15), Some(16), Some(17)]);
    assert!(sink.rejects[0].reason.starts_with("not a RIPE Atlas result"));
    assert!(sink.rejects[1].reason.starts_with("not JSON"));
    assert!(sink.rejects[3].reason.contains("prb_id"));

    // The same results as a pretty-printed array and wrapped: same traces.
    let (a, astats) = read(&lightsout_formats::atlas::Atlas, &fixtures().join("atlas_array.json"));
    assert_eq!((astats.records_ok, sink.rows(Table::Pings) > 0), (3, true));
    assert_eq!(strs(&a.concat(Table::Traceroutes), "stop_reason"), [Some("COMPLETED".to_string()), Some("UNREACH".to_string())]);
}

fn head_of(path: &Path) -> Vec<u8> {
    let mut b = bytes(path);
    b.truncate(lightsout_formats::format::SNIFF_BYTES);
    b
}

#[test]
fn sniffing_picks_the_right_reader_and_never_takes_mrt() {
    let dir = fixtures();
    let mut files: Vec<PathBuf> = Vec::new();
    for d in [dir.clone(), dir.join("warts_expected"), dir.join("lab")] {
        files.extend(std::fs::read_dir(d).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_file()));
    }
    let mut checked = 0;
    for p in files {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let expect = if name.contains(".warts") {
            "warts"
        } else if name.contains("sc_warts2json") || name.starts_with("vp1.kp.json") {
            "scamper_json"
        } else if name.starts_with("atlas_") || name.starts_with("pantrace_atlas") {
            "atlas"
        } else if name.starts_with("jc_") {
            "tracetext"
        } else {
            continue;
        };
        let got = lightsout_formats::registry::sniff(&head_of(&p)).map(|f| f.name());
        assert_eq!(got, Some(expect), "{name}");
        checked += 1;
    }
    assert!(checked >= 40, "{checked}");
    let ours: [&dyn Format; 4] = [
        &lightsout_formats::atlas::Atlas,
        &lightsout_formats::warts::Warts,
        &lightsout_formats::scamper_json::ScamperJson,
        &lightsout_formats::tracetext::TraceText,
    ];
    let mrt_dirs = [manifest().join("../../../shared/realdata/mrt"), manifest().join("../../../shared/lab/kp/mrt")];
    let mut mrt = 0;
    for d in mrt_dirs.iter().filter(|d| d.is_dir()) {
        for p in std::fs::read_dir(d).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_file() && !p.to_string_lossy().ends_with(".md")) {
            let head = head_of(&p);
            for f in ours {
                assert!(!f.sniff(&head), "{} sniffed as {}", p.display(), f.name());
            }
            mrt += 1;
        }
    }
    if mrt == 0 {
        eprintln!("SKIP: no MRT samples under ../shared to check sniffing against");
    }
}
