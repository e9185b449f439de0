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

mod common;

use arrow::array::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use common::check_golden;
use common::golden_lake::{CASE, build_lake};
use lightsout::detect::{Case, DetectOptions, detect};
use std::path::Path;

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

/// A derived table of `det`, rendered as by [`render`].
fn table(det: &lightsout::detect::Detection, name: &str) -> String {
    let t = &det.tables[name];
    render(&t.schema, &t.batches)
}

/// The rendered rows that contain every one of `needles`.
fn rows_with<'a>(rows: &'a str, needles: &[&str]) -> Vec<&'a str> {
    rows.lines().filter(|l| needles.iter().all(|n| l.contains(n))).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_query_matches_its_golden_output() {
    let d = tempfile::tempdir().unwrap();
    build_lake(d.path());
    let case = Case::parse(CASE, Path::new(".")).unwrap();
    let det = detect(&case, d.path(), &DetectOptions::default()).await.unwrap();
    for (name, t) in &det.tables {
        // Per-bin tables are long; keep the golden files to the bins of the story.
        check_golden(&format!("{name}.txt"), &render(&t.schema, &t.batches));
    }
    let windows = lightsout::detect::output::windows_csv(&det.windows);
    check_golden("windows_judged.txt", &windows);
    let events = lightsout::detect::output::events_csv(&det.events);
    check_golden("events.txt", &events);
    // Three events: the upstream failure, the flap, the outage; the session reset is none.
    let kinds: Vec<(&str, &str)> = det.events.iter().map(|e| (e.kind.as_str(), e.verdict.as_str())).collect();
    assert_eq!(kinds, [("upstream_loss", "upstream:64510"), ("prefix_outage", "internal"), ("outage", "internal")], "{events}");
    let outage = &det.events[2];
    assert_eq!(outage.dark_prefixes, ["10.0.0.0/24", "10.0.2.0/23"]);
    assert_eq!(outage.dark_addresses, ["10.0.0.10", "10.0.2.10"]);
    assert_eq!(outage.dark_names, ["www.e.example"]);
    assert!(outage.signals.iter().any(|s| s == "trace_reach") && outage.signals.iter().any(|s| s == "dns_answered"));
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

/// Tables kept as Parquet on a shared folder (what a cluster run does; `ip_to_asn` then builds
/// its routing table from the stored route intervals) give the same tables, windows and events.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_tables_give_the_same_results() {
    let d = tempfile::tempdir().unwrap();
    build_lake(d.path());
    let case = Case::parse(CASE, Path::new(".")).unwrap();
    let memory = detect(&case, d.path(), &DetectOptions::default()).await.unwrap();
    let opts = DetectOptions { shared_tables: Some(d.path().join("shared")), ..DetectOptions::default() };
    let shared = detect(&case, d.path(), &opts).await.unwrap();
    assert!(d.path().join("shared/trace_measurements/part-0.parquet").is_file());
    for (name, t) in &memory.tables {
        let s = &shared.tables[name];
        assert_eq!(render(&t.schema, &t.batches), render(&s.schema, &s.batches), "{name}");
    }
    let asns = render(&shared.tables["trace_measurements"].schema, &shared.tables["trace_measurements"].batches);
    assert!(asns.contains("last_responsive_asn=3356"), "ip_to_asn from the stored routes");
    use lightsout::detect::output::{events_csv, windows_csv};
    assert_eq!(windows_csv(&memory.windows), windows_csv(&shared.windows));
    assert_eq!(events_csv(&memory.events), events_csv(&shared.events));
}

/// Units inside other units: a visible /24 inside a visible /23 is counted once (in the /23),
/// and a traceroute to an address inside both belongs to each unit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_units_are_counted_once() {
    let d = tempfile::tempdir().unwrap();
    build_lake(d.path());
    // 10.0.0.0/23 holds the routed 10.0.0.0/24 (so both units are visible) and the traced
    // 10.0.0.10; 10.0.2.0/23 stays a unit of its own.
    let case = CASE.replace(r#"prefixes = ["10.0.0.0/24", "10.0.2.0/23"]"#, r#"prefixes = ["10.0.0.0/23", "10.0.0.0/24", "10.0.2.0/23"]"#);
    assert_ne!(case, CASE, "the golden case changed: update this test");
    let case = Case::parse(&case, Path::new(".")).unwrap();
    let det = detect(&case, d.path(), &DetectOptions::default()).await.unwrap();
    let vis = &det.tables["bgp_visibility"];
    let rows = render(&vis.schema, &vis.batches);
    // Bin 10 (00:10, before any event): every unit visible; the entity's IPv4 space is the two
    // /23s, 4 /24 equivalents, not 5.
    let at = |scope: &str, signal: &str| {
        rows.lines()
            .find(|l| l.contains(&format!("scope={scope} |")) && l.contains(&format!("signal={signal} |")) && l.contains("| bin=10 |"))
            .unwrap_or_else(|| panic!("no {signal} row for {scope} in bin 10:\n{rows}"))
            .to_string()
    };
    assert!(at("10.0.0.0/24", "bgp_prefix_visibility").contains("value=1.0 |"), "{rows}");
    assert!(at("10.0.0.0/23", "bgp_prefix_visibility").contains("value=2.0 |"), "{rows}");
    assert!(at("*", "bgp_visibility_v4").contains("value=4.0 |"), "{rows}");
    let tm = &det.tables["trace_measurements"];
    let traces = render(&tm.schema, &tm.batches);
    for unit in ["10.0.0.0/23", "10.0.0.0/24"] {
        assert!(traces.lines().any(|l| l.contains(&format!("unit={unit} |")) && l.contains("dst_addr=10.0.0.10 |")), "{unit}:\n{traces}");
    }
    assert!(!traces.lines().any(|l| l.contains("unit=10.0.2.0/23 |") && l.contains("dst_addr=10.0.0.10 |")), "{traces}");
}

/// Per-unit series that could carry nothing are left out of the signals: a unit never reached
/// through an upstream has no upstream-split series for it, a unit nothing probed has no
/// traceroute series, a unit of a family without any full-feed peer has no prefix visibility
/// series. The entity-wide series stay whole, and a unit that is routable but dark all along
/// keeps its visibility series (zero in every bin: that is a finding, not missing data).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn series_that_cannot_carry_a_value_are_left_out() {
    let d = tempfile::tempdir().unwrap();
    build_lake(d.path());
    // 10.9.0.0/24: never announced, never probed. 2001:db8::/32: IPv6, and no peer is full-feed
    // in IPv6 (the lake has no IPv6 route at all).
    let case = CASE.replace(
        r#"prefixes = ["10.0.0.0/24", "10.0.2.0/23"]"#,
        r#"prefixes = ["10.0.0.0/24", "10.0.2.0/23", "10.9.0.0/24", "2001:db8::/32"]"#,
    );
    assert_ne!(case, CASE, "the golden case changed: update this test");
    let case = Case::parse(&case, Path::new(".")).unwrap();
    let det = detect(&case, d.path(), &DetectOptions::default()).await.unwrap();
    let rows = |name: &str| table(&det, name);
    let count = |rows: &str, needles: &[&str]| rows_with(rows, needles).len();
    let reach = rows("trace_reach");
    let bins = count(&reach, &["scope=* |"]);
    assert!(bins > 40, "{bins} bins");

    let split = rows("bgp_upstream_split");
    assert_eq!(count(&split, &["scope=10.9.0.0/24 |"]), 0, "{split}");
    assert_eq!(count(&split, &["scope=2001:db8::/32 |"]), 0, "{split}");
    for up in ["64510", "64520"] {
        assert_eq!(count(&split, &["scope=* |", &format!("upstream_asn={up} |")]), bins, "{split}");
        assert_eq!(count(&split, &["scope=10.0.0.0/24 |", &format!("upstream_asn={up} |")]), bins, "{split}");
    }

    assert_eq!(count(&reach, &["scope=10.9.0.0/24 |"]), 0, "{reach}");
    assert_eq!(count(&reach, &["scope=2001:db8::/32 |"]), 0, "{reach}");
    assert_eq!(count(&reach, &["scope=10.0.2.0/23 |"]), bins, "{reach}");

    let vis = rows("bgp_visibility");
    assert_eq!(count(&vis, &["scope=2001:db8::/32 |"]), 0, "{vis}");
    assert_eq!(count(&vis, &["scope=* |", "signal=bgp_visibility_v6 |", "value=NULL |"]), bins, "{vis}");
    // Dark all along, in a family that has full-feed peers: zero wherever there is data.
    let dark = count(&vis, &["scope=10.9.0.0/24 |"]);
    assert_eq!(dark, bins, "{vis}");
    assert_eq!(count(&vis, &["scope=10.9.0.0/24 |", "value=0.0 |"]) + count(&vis, &["scope=10.9.0.0/24 |", "value=NULL |"]), bins);
    assert!(count(&vis, &["scope=10.9.0.0/24 |", "value=0.0 |"]) > 30, "{vis}");

    // The same stories are told: the dark unit gets an 'insufficient data' or drop reading
    // of its own, never a window from the series that were left out.
    let windows = lightsout::detect::output::windows_csv(&det.windows);
    assert!(!windows.lines().any(|l| l.contains("2001:db8::/32")), "{windows}");
    let golden = detect(&Case::parse(CASE, Path::new(".")).unwrap(), d.path(), &DetectOptions::default()).await.unwrap();
    let kinds = |det: &lightsout::detect::Detection| det.events.iter().map(|e| (e.kind.clone(), e.verdict.clone())).collect::<Vec<_>>();
    assert_eq!(kinds(&det), kinds(&golden));
}

/// A peer that reaches a unit through two of its prefixes at once counts once: in the unit's
/// visibility and in its upstream split, also while one of the two routes is gone (its two
/// routes overlap, and entity_route_peers merges them per peer before they are counted).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_with_two_routes_into_a_unit_counts_once() {
    let d = tempfile::tempdir().unwrap();
    build_lake(d.path());
    // 10.0.0.0/22 holds both routed prefixes, 10.0.0.0/24 and 10.0.2.0/23.
    let case = CASE.replace(r#"prefixes = ["10.0.0.0/24", "10.0.2.0/23"]"#, r#"prefixes = ["10.0.0.0/22"]"#);
    assert_ne!(case, CASE, "the golden case changed: update this test");
    let case = Case::parse(&case, Path::new(".")).unwrap();
    let det = detect(&case, d.path(), &DetectOptions::default()).await.unwrap();
    let line = |rows: &str, needles: &[&str]| -> String {
        let found = rows_with(rows, needles);
        assert_eq!(found.len(), 1, "{needles:?}:\n{rows}");
        found[0].to_string()
    };
    // entity_route_peers merged each peer's two routes into the /22: in bins 10 and 31 one
    // span per peer, scope and upstream (none: through any) holds the bin.
    let erp = table(&det, "entity_route_peers");
    let holds = |l: &&str, bin: i64| {
        let at = |k: &str| l.split(&format!("{k}=")).nth(1).unwrap().split(' ').next().unwrap().parse::<i64>().unwrap();
        at("first_bin") <= bin && bin < at("end_bin")
    };
    for bin in [10, 31] {
        for (peer, up) in [("65001", "NULL"), ("65001", "64510"), ("65002", "64510"), ("65003", "64520")] {
            for scope in ["10.0.0.0/22", "*"].into_iter().filter(|s| *s != "*" || up != "NULL") {
                let needles = [&format!("scope={scope} |") as &str, &format!("upstream_asn={up} |"), &format!("peer_asn={peer} |")];
                let spans = rows_with(&erp, &needles).into_iter().filter(|l| holds(l, bin)).count();
                assert_eq!(spans, 1, "bin {bin}, {needles:?}:\n{erp}");
            }
        }
    }
    let vis = table(&det, "bgp_unit_visibility");
    let split = table(&det, "bgp_upstream_split");
    // Bin 10: both prefixes up; bin 31: 10.0.2.0/23 withdrawn (at 30), 10.0.0.0/24 still up.
    for bin in ["10", "31"] {
        let b = format!("| bin={bin} |");
        assert!(line(&vis, &["unit=10.0.0.0/22 |", &b]).contains("| peers=3 | full_feed_peers=3 |"), "bin {bin}:\n{vis}");
        for (scope, up, hits) in [("10.0.0.0/22", "64510", 2), ("10.0.0.0/22", "64520", 1), ("*", "64510", 2), ("*", "64520", 1)] {
            let l = line(&split, &[&format!("scope={scope} |"), &format!("upstream_asn={up} |"), &b]);
            assert!(l.contains(&format!("| hits={hits} |")), "bin {bin}, {scope} via {up}: {l}");
        }
    }
}
