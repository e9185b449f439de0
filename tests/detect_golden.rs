//! Golden tests of every detection query on a small hand-made lake.
//!
//! The lake (written here, row by row) has one collector, four peers and an entity E
//! (AS64500: 10.0.0.0/24 and 10.0.2.0/23) behind upstreams AS64510 and AS64520, with 1-minute
//! bins. What happens (minutes after t0):
//!   0   RIB: peers 1 and 2 reach E via 64510, peer 3 via 64520; peer 4 holds one route only
//!       (not full-feed: the threshold is "more than 1"); every full peer also holds two background prefixes;
//!   15  peer 1's session goes down (state change), 17 back up, its routes re-sent;
//!   20  upstream 64510 fails: peers 1 and 2 move to 64520, back at 25;
//!   30  E withdraws 10.0.2.0/23 everywhere, re-announces it at 33;
//!   36  E withdraws everything, back at 39 (internal outage).
//! A vantage point traceroutes and pings 10.0.0.10 and 10.0.2.10 every minute (failed traces
//! die at 172.16.0.1, in AS3356's 172.16.0.0/16), and a resolver logs queries for
//! www.e.example every 20 s (dnstap client messages): SERVFAIL during the outage.
//! Each derived table is compared with `tests/golden/<query>.txt` (rows sorted). After an
//! intended change, rerun with `UPDATE_GOLDEN=1` and review the diff.

use arrow::array::{
    ArrayRef, BooleanArray, RecordBatch, StringArray, TimestampMicrosecondArray, UInt8Array, UInt32Array, UInt64Array, new_null_array,
};
use arrow::datatypes::DataType;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use lightsout::detect::{Case, DetectOptions, detect};
use lightsout::formats::Table;
use lightsout::lake::{Lake, write_batches_atomically};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

const T0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

struct Route {
    min: i64,
    peer: u8,
    kind: &'static str,
    prefix: &'static str,
    path: &'static [u32],
}

fn updates_batch(rows: &[Route]) -> RecordBatch {
    let n = rows.len();
    let s = |f: &dyn Fn(&Route) -> Option<String>| Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>())) as ArrayRef;
    let u32s = |f: &dyn Fn(&Route) -> Option<u32>| Arc::new(UInt32Array::from(rows.iter().map(f).collect::<Vec<_>>())) as ArrayRef;
    let origin = |r: &Route| (r.kind == "A").then(|| *r.path.last().unwrap());
    let upstream = |r: &Route| (r.kind == "A" && r.path.len() >= 2).then(|| r.path[r.path.len() - 2]);
    let cols: Vec<ArrayRef> = vec![
        Arc::new(
            TimestampMicrosecondArray::from(rows.iter().map(|r| (T0 + r.min * 60) * 1_000_000).collect::<Vec<_>>()).with_timezone("UTC"),
        ),
        s(&|_| Some("c1".into())),
        s(&|r| Some(format!("192.0.2.{}", r.peer))),
        u32s(&|r| Some(65000 + r.peer as u32)),
        s(&|r| Some(r.kind.into())),
        s(&|r| Some(r.prefix.into())),
        Arc::new(UInt8Array::from(rows.iter().map(|r| r.prefix.split('/').nth(1).unwrap().parse::<u8>().unwrap()).collect::<Vec<_>>())),
        Arc::new(UInt8Array::from(vec![4u8; n])),
        u32s(&|_| None),
        u32s(&|r| origin(r)),
        u32s(&|r| upstream(r)),
        s(&|r| (r.kind == "A").then(|| r.path.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(" "))),
        s(&|_| None),
        s(&|_| None),
        u32s(&|_| None),
        u32s(&|_| None),
        s(&|_| None),
        Arc::new(BooleanArray::from(vec![false; n])),
        s(&|_| None),
        s(&|_| Some("BGP4MP/4".into())),
        Arc::new(UInt64Array::from((0..n as u64).collect::<Vec<_>>())),
        s(&|_| Some("00000000000000aa".into())),
    ];
    RecordBatch::try_new(Table::BgpUpdates.schema(), cols).unwrap()
}

fn rib_batch(rows: &[Route]) -> RecordBatch {
    let u = updates_batch(rows);
    let pick = |n: &str| u.column_by_name(n).unwrap().clone();
    let dump = Arc::new(TimestampMicrosecondArray::from(vec![T0 * 1_000_000; rows.len()]).with_timezone("UTC")) as ArrayRef;
    let cols: Vec<ArrayRef> = Table::BgpRib
        .schema()
        .fields()
        .iter()
        .map(|f| match f.name().as_str() {
            "dump_ts" => dump.clone(),
            "originated_ts" => Arc::new(TimestampMicrosecondArray::from(vec![None::<i64>; rows.len()]).with_timezone("UTC")) as ArrayRef,
            "mrt_type" => Arc::new(StringArray::from(vec!["TABLE_DUMP_V2/2"; rows.len()])) as ArrayRef,
            name => pick(name),
        })
        .collect();
    RecordBatch::try_new(Table::BgpRib.schema(), cols).unwrap()
}

fn state_batch(rows: &[(i64, u8, &str, &str)]) -> RecordBatch {
    let n = rows.len();
    let cols: Vec<ArrayRef> = vec![
        Arc::new(
            TimestampMicrosecondArray::from(rows.iter().map(|r| (T0 + r.0 * 60) * 1_000_000).collect::<Vec<_>>()).with_timezone("UTC"),
        ),
        Arc::new(StringArray::from(vec!["c1"; n])),
        Arc::new(StringArray::from(rows.iter().map(|r| format!("192.0.2.{}", r.1)).collect::<Vec<_>>())),
        Arc::new(UInt32Array::from(rows.iter().map(|r| 65000 + r.1 as u32).collect::<Vec<_>>())),
        Arc::new(StringArray::from(vec![None::<&str>; n])),
        Arc::new(UInt32Array::from(vec![None::<u32>; n])),
        Arc::new(StringArray::from(rows.iter().map(|r| r.2).collect::<Vec<_>>())),
        Arc::new(StringArray::from(rows.iter().map(|r| r.3).collect::<Vec<_>>())),
        Arc::new(StringArray::from(vec!["BGP4MP/5"; n])),
        Arc::new(UInt64Array::from((0..n as u64).collect::<Vec<_>>())),
        Arc::new(StringArray::from(vec!["00000000000000aa"; n])),
    ];
    RecordBatch::try_new(Table::BgpPeerState.schema(), cols).unwrap()
}

/// A batch of `table` with the given columns; the others NULL (nullable) or zero/empty.
fn batch_of(table: Table, n: usize, mut cols: HashMap<&str, ArrayRef>) -> RecordBatch {
    let schema = table.schema();
    let arrays: Vec<ArrayRef> = schema
        .fields()
        .iter()
        .map(|f| {
            if let Some(c) = cols.remove(f.name().as_str()) {
                return c;
            }
            if f.is_nullable() {
                return new_null_array(f.data_type(), n);
            }
            match f.data_type() {
                DataType::Utf8 => Arc::new(StringArray::from(vec![""; n])) as ArrayRef,
                DataType::Boolean => Arc::new(BooleanArray::from(vec![false; n])),
                t => arrow::compute::cast(&(Arc::new(UInt64Array::from(vec![0u64; n])) as ArrayRef), t).unwrap(),
            }
        })
        .collect();
    assert!(cols.is_empty(), "unknown columns {:?}", cols.keys());
    RecordBatch::try_new(schema, arrays).unwrap()
}

fn ts_col(v: Vec<i64>) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from(v).with_timezone("UTC"))
}

fn str_col<S: AsRef<str>>(v: Vec<Option<S>>) -> ArrayRef {
    Arc::new(StringArray::from(v.iter().map(|x| x.as_ref().map(|s| s.as_ref())).collect::<Vec<_>>()))
}

/// Whether the host answered at minute `m` (the /23 flaps at 30..33, everything is dark at 36..39).
fn up(host: &str, m: i64) -> bool {
    let dark = (36..39).contains(&m);
    let flapping = host == "10.0.2.10" && (30..33).contains(&m);
    !dark && !flapping
}

fn measurement_batches() -> (RecordBatch, RecordBatch, RecordBatch) {
    let mut traces: Vec<(i64, &str, bool)> = Vec::new();
    for m in 0..45 {
        for host in ["10.0.0.10", "10.0.2.10"] {
            traces.push((m, host, up(host, m)));
        }
    }
    let n = traces.len();
    let t = |i: usize| (T0 + traces[i].0 * 60 + 5) * 1_000_000;
    let mut tr: HashMap<&str, ArrayRef> = HashMap::new();
    tr.insert("ts", ts_col((0..n).map(t).collect()));
    tr.insert("trace_id", str_col((0..n).map(|i| Some(format!("00000000000000bb:{i}"))).collect()));
    tr.insert("source", str_col(vec![Some("warts"); n]));
    tr.insert("src_addr", str_col(vec![Some("192.0.2.200"); n]));
    tr.insert("dst_addr", str_col(traces.iter().map(|x| Some(x.1)).collect()));
    tr.insert("af", Arc::new(UInt8Array::from(vec![4u8; n])));
    tr.insert("reached", Arc::new(BooleanArray::from(traces.iter().map(|x| x.2).collect::<Vec<_>>())));
    tr.insert("stop_reason", str_col(traces.iter().map(|x| Some(if x.2 { "COMPLETED" } else { "UNREACH" })).collect()));
    tr.insert("last_responsive_addr", str_col(traces.iter().map(|x| Some(if x.2 { x.1 } else { "172.16.0.1" })).collect()));
    tr.insert("file_id", str_col(vec![Some("00000000000000bb"); n]));
    let traces_b = batch_of(Table::Traceroutes, n, tr);
    let mut pg: HashMap<&str, ArrayRef> = HashMap::new();
    pg.insert("ts", ts_col((0..n).map(|i| t(i) + 10_000_000).collect()));
    pg.insert("source", str_col(vec![Some("warts"); n]));
    pg.insert("dst_addr", str_col(traces.iter().map(|x| Some(x.1)).collect()));
    pg.insert("sent", Arc::new(UInt32Array::from(vec![2u32; n])));
    pg.insert("dst_replies", Arc::new(UInt32Array::from(traces.iter().map(|x| if x.2 { 2u32 } else { 0 }).collect::<Vec<_>>())));
    pg.insert("file_id", str_col(vec![Some("00000000000000bb"); n]));
    let pings_b = batch_of(Table::Pings, n, pg);
    // DNS: a client query every 20 s; SERVFAIL 5 s later during the outage, one lost query.
    let qs: Vec<i64> = (0..45 * 3).map(|k| (T0 + k * 20) * 1_000_000).collect();
    let m = |ts: i64| (ts / 1_000_000 - T0) / 60;
    let n = qs.len();
    let lost = |k: usize| k == 110;
    let mut dn: HashMap<&str, ArrayRef> = HashMap::new();
    dn.insert("ts", ts_col(qs.clone()));
    dn.insert("source_format", str_col(vec![Some("dnstap"); n]));
    dn.insert("message_type", str_col((0..n).map(|k| Some(if lost(k) { "query-only" } else { "query-response" })).collect()));
    dn.insert("role", str_col(vec![Some("client"); n]));
    dn.insert("qname", str_col(vec![Some("www.e.example"); n]));
    dn.insert(
        "rcode",
        str_col(
            (0..n)
                .map(|k| {
                    if lost(k) {
                        None
                    } else if up("", m(qs[k])) {
                        Some("NOERROR")
                    } else {
                        Some("SERVFAIL")
                    }
                })
                .collect(),
        ),
    );
    dn.insert(
        "response_ts",
        Arc::new(
            TimestampMicrosecondArray::from(
                (0..n)
                    .map(|k| {
                        if lost(k) {
                            None
                        } else if up("", m(qs[k])) {
                            Some(qs[k] + 2_000)
                        } else {
                            Some(qs[k] + 5_000_000)
                        }
                    })
                    .collect::<Vec<_>>(),
            )
            .with_timezone("UTC"),
        ),
    );
    dn.insert("file_id", str_col(vec![Some("00000000000000cc"); n]));
    (traces_b, pings_b, batch_of(Table::DnsEvents, n, dn))
}

const VIA1: &[u32] = &[65001, 64510, 64500];
const VIA2: &[u32] = &[65003, 64520, 64500];

fn r(min: i64, peer: u8, kind: &'static str, prefix: &'static str, path: &'static [u32]) -> Route {
    Route { min, peer, kind, prefix, path }
}

fn build_lake(dir: &Path) {
    let lake = Lake::create(dir).unwrap();
    let mut rib = Vec::new();
    for p in [1u8, 2] {
        rib.push(r(0, p, "A", "10.0.0.0/24", VIA1));
        rib.push(r(0, p, "A", "10.0.2.0/23", VIA1));
    }
    rib.push(r(0, 3, "A", "10.0.0.0/24", VIA2));
    rib.push(r(0, 3, "A", "10.0.2.0/23", VIA2));
    for p in [1u8, 2, 3] {
        rib.push(r(0, p, "A", "172.16.0.0/16", &[65001, 3356]));
        rib.push(r(0, p, "A", "172.17.0.0/16", &[65001, 174]));
    }
    rib.push(r(0, 4, "A", "10.0.0.0/24", VIA1));
    let mut upd = Vec::new();
    // Peer 1 comes back after its session reset and re-sends its table.
    for (prefix, path) in
        [("10.0.0.0/24", VIA1), ("10.0.2.0/23", VIA1), ("172.16.0.0/16", &[65001u32, 3356][..]), ("172.17.0.0/16", &[65001u32, 174][..])]
    {
        upd.push(r(17, 1, "A", prefix, path));
    }
    // Upstream 64510 fails for peers 1 and 2, which move to 64520.
    for p in [1u8, 2] {
        for prefix in ["10.0.0.0/24", "10.0.2.0/23"] {
            upd.push(r(20, p, "A", prefix, VIA2));
            upd.push(r(25, p, "A", prefix, VIA1));
        }
    }
    // Prefix flap and full outage.
    for p in [1u8, 2, 3] {
        let via = if p == 3 { VIA2 } else { VIA1 };
        upd.push(r(30, p, "W", "10.0.2.0/23", &[]));
        upd.push(r(33, p, "A", "10.0.2.0/23", via));
        for prefix in ["10.0.0.0/24", "10.0.2.0/23"] {
            upd.push(r(36, p, "W", prefix, &[]));
            upd.push(r(39, p, "A", prefix, via));
        }
    }
    upd.sort_by_key(|u| u.min);
    let part = |t: Table| lake.part_path(t, Some("2026-01-01"), "00000000000000aa");
    write_batches_atomically(&lake.tmp_dir(), &part(Table::BgpRib), Table::BgpRib.schema(), &[rib_batch(&rib)]).unwrap();
    write_batches_atomically(&lake.tmp_dir(), &part(Table::BgpUpdates), Table::BgpUpdates.schema(), &[updates_batch(&upd)]).unwrap();
    let states = state_batch(&[(15, 1, "Established", "Idle"), (16, 1, "Idle", "Connect"), (17, 1, "OpenConfirm", "Established")]);
    write_batches_atomically(&lake.tmp_dir(), &part(Table::BgpPeerState), Table::BgpPeerState.schema(), &[states]).unwrap();
    let (traces, pings, dns) = measurement_batches();
    let part = |t: Table, id: &str| lake.part_path(t, Some("2026-01-01"), id);
    write_batches_atomically(&lake.tmp_dir(), &part(Table::Traceroutes, "00000000000000bb"), Table::Traceroutes.schema(), &[traces])
        .unwrap();
    write_batches_atomically(&lake.tmp_dir(), &part(Table::Pings, "00000000000000bb"), Table::Pings.schema(), &[pings]).unwrap();
    write_batches_atomically(&lake.tmp_dir(), &part(Table::DnsEvents, "00000000000000cc"), Table::DnsEvents.schema(), &[dns]).unwrap();
}

const CASE: &str = r#"
name = "golden"
start = "2026-01-01T00:05:00Z"
end = "2026-01-01T00:45:00Z"
bin = "1m"
[bgp]
full_feed_min_v4 = 1
full_feed_min_v6 = 0
history = "10m"
min_history_bins = 3
[trace]
history = "10m"
[dns]
history = "10m"
[[entity]]
name = "E"
asn = 64500
prefixes = ["10.0.0.0/24", "10.0.2.0/23"]
upstreams = [64510, 64520]
domains = ["e.example"]
"#;

/// Rows as sorted lines (`col=value` joined by ` | `).
fn render(schema: &arrow::datatypes::SchemaRef, batches: &[RecordBatch]) -> String {
    let opts = FormatOptions::default().with_null("NULL");
    let mut lines = Vec::new();
    for b in batches {
        let fmts: Vec<ArrayFormatter> = b.columns().iter().map(|c| ArrayFormatter::try_new(c.as_ref(), &opts).unwrap()).collect();
        for i in 0..b.num_rows() {
            let cells: Vec<String> = fmts.iter().enumerate().map(|(j, f)| format!("{}={}", schema.field(j).name(), f.value(i))).collect();
            lines.push(cells.join(" | "));
        }
    }
    lines.sort();
    lines.join("\n") + "\n"
}

fn check_golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(format!("{name}.txt"));
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
            "{name}: output differs from {} ({} vs {} lines)\n{}",
            path.display(),
            expected.lines().count(),
            actual.lines().count(),
            diff.join("\n")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_query_matches_its_golden_output() {
    let d = tempfile::tempdir().unwrap();
    build_lake(d.path());
    let case = Case::parse(CASE, Path::new(".")).unwrap();
    let det = detect(&case, d.path(), &DetectOptions::default()).await.unwrap();
    for (name, t) in &det.tables {
        // Per-bin tables are long; keep the golden files to the bins of the story.
        check_golden(name, &render(&t.schema, &t.batches));
    }
    let windows = lightsout::detect::output::windows_csv(&det.windows);
    check_golden("windows_judged", &windows);
    // The story, in words: the outage and the flap are internal, the upstream failure is
    // upstream:64510, the session reset of peer 1 is nothing.
    let lines: Vec<&str> = windows.lines().collect();
    let find = |signal: &str, scope: &str, start: &str| {
        lines.iter().find(|l| l.contains(signal) && l.contains(&format!(",{scope},")) && l.contains(start)).copied()
    };
    let outage = find("bgp_visibility_v4", "*", "2026-01-01T00:36:00Z").expect("outage window");
    assert!(outage.contains("2026-01-01T00:39:00Z") && outage.contains(",internal,"), "{outage}");
    let flap = find("bgp_prefix_visibility", "10.0.2.0/23", "2026-01-01T00:30:00Z").expect("flap window");
    assert!(flap.contains("2026-01-01T00:33:00Z") && flap.contains(",internal,"), "{flap}");
    let upstream = find("bgp_upstream_split", "*", "2026-01-01T00:20:00Z").expect("upstream window");
    assert!(upstream.contains(",64510,") && upstream.contains(",upstream:64510,"), "{upstream}");
    assert!(!windows.contains("T00:15:00Z") && !windows.contains("T00:16:00Z"), "the session reset fired:\n{windows}");
    // Traceroutes and DNS see the outage too, and agree with BGP; failed traces die outside.
    let trace = find("trace_reach", "*", "2026-01-01T00:36:00Z").expect("traceroute window");
    assert!(trace.contains(",internal,") && trace.contains("outside AS3356"), "{trace}");
    let flap_trace = find("trace_reach", "10.0.2.0/23", "2026-01-01T00:30:00Z").expect("traceroute flap window");
    assert!(flap_trace.contains("2026-01-01T00:33:00Z"), "{flap_trace}");
    let dns = find("dns_answered", "e.example", "2026-01-01T00:36:00Z").expect("DNS window");
    assert!(dns.contains("2026-01-01T00:39:00Z") && dns.contains(",internal,"), "{dns}");
}
