//! The DNS readers against real data and the reference tools.
//!
//! Inputs: `fixtures/dns` (always present: the permissively licensed real samples and files of
//! our own), `../shared/realdata/dns` (adds the samples whose licences keep them out of the
//! repository: the WRCCDC Zeek logs, CC BY-SA; the Infoblox log, Elastic License; the fail2ban
//! log, GPL) and the lab dataset `../shared/lab/kp` (held out of the repository). Each test says
//! `SKIP:` for what is absent.
//!
//! References: `dnstap-read` (bind9-dnsutils) and `tshark` are run when installed; without
//! them the tests compare with the numbers written down here, which those tools gave.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, TimestampMicrosecondType, UInt16Type};
use arrow_array::{Array, RecordBatch};
use lightsout_formats::dns::names;
use lightsout_formats::format::{Format, SNIFF_BYTES};
use lightsout_formats::{Compression, FileContext, Input, MemorySink, ReadStats, Table, registry};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> PathBuf {
    manifest().join("../../fixtures/dns")
}

fn shared_dns() -> Option<PathBuf> {
    let p = manifest().join("../../../shared/realdata/dns");
    p.is_dir().then_some(p)
}

fn lab() -> Option<PathBuf> {
    let p = manifest().join("../../../shared/lab/kp");
    p.is_dir().then_some(p)
}

/// A sample by its name under `realdata/dns`: the shared copy, else the fixture copy.
fn locate(rel: &str) -> Option<PathBuf> {
    shared_dns().map(|d| d.join(rel)).filter(|p| p.is_file()).or_else(|| Some(fixtures().join(rel)).filter(|p| p.is_file()))
}

fn input_of(path: &Path) -> Input<'static> {
    let bytes = std::fs::read(path).unwrap();
    let dec = Compression::sniff(&bytes).decoder(Box::new(std::io::Cursor::new(bytes))).unwrap();
    Input::new(dec)
}

/// Reads a file with the format its content sniffs as (and checks that it sniffs as `expect`).
fn read(path: &Path, expect: &str) -> (MemorySink, ReadStats) {
    let mut input = input_of(path);
    let head = input.peek(SNIFF_BYTES).unwrap().to_vec();
    let f = registry::sniff(&head).unwrap_or_else(|| panic!("{} is not recognised", path.display()));
    assert_eq!(f.name(), expect, "{}", path.display());
    read_as(&mut input, f)
}

fn read_as(input: &mut Input<'_>, f: &dyn Format) -> (MemorySink, ReadStats) {
    let mut sink = MemorySink::default();
    let stats = f.read(input, &FileContext::new("0000000000000000", "test"), &mut sink).unwrap();
    assert_eq!(sink.rejects.len() as u64, stats.records_rejected + stats.records_partial);
    (sink, stats)
}

/// One `dns_events` row, as the tests look at it.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    ts: i64,
    message_type: String,
    role: String,
    client: String,
    cport: Option<u16>,
    server: String,
    sport: Option<u16>,
    qname: String,
    qtype: String,
    qclass: String,
    query_id: Option<u16>,
    rcode: String,
    error: String,
    response_ts: Option<i64>,
    latency_ms: Option<f64>,
    proto: String,
    answers: Option<u16>,
}

fn rows(sink: &MemorySink) -> Vec<Row> {
    let b = sink.concat(Table::DnsEvents);
    let s = |n: &str| {
        let a = b.column_by_name(n).unwrap().as_string::<i32>();
        (0..a.len()).map(|i| if a.is_valid(i) { a.value(i).to_string() } else { "-".into() }).collect::<Vec<_>>()
    };
    let u16s = |n: &str| {
        let a = b.column_by_name(n).unwrap().as_primitive::<UInt16Type>();
        (0..a.len()).map(|i| a.is_valid(i).then(|| a.value(i))).collect::<Vec<_>>()
    };
    let tss = |n: &str| {
        let a = b.column_by_name(n).unwrap().as_primitive::<TimestampMicrosecondType>();
        (0..a.len()).map(|i| a.is_valid(i).then(|| a.value(i))).collect::<Vec<_>>()
    };
    let lat = b.column_by_name("latency_ms").unwrap().as_primitive::<Float64Type>();
    let (mt, role, client, server, qname, qtype, qclass, rcode, error, proto) = (
        s("message_type"),
        s("role"),
        s("client_addr"),
        s("server_addr"),
        s("qname"),
        s("qtype"),
        s("qclass"),
        s("rcode"),
        s("error"),
        s("proto"),
    );
    let (cport, sport, id, answers) = (u16s("client_port"), u16s("server_port"), u16s("query_id"), u16s("answers"));
    let (ts, rts) = (tss("ts"), tss("response_ts"));
    (0..b.num_rows())
        .map(|i| Row {
            ts: ts[i].unwrap(),
            message_type: mt[i].clone(),
            role: role[i].clone(),
            client: client[i].clone(),
            cport: cport[i],
            server: server[i].clone(),
            sport: sport[i],
            qname: qname[i].clone(),
            qtype: qtype[i].clone(),
            qclass: qclass[i].clone(),
            query_id: id[i],
            rcode: rcode[i].clone(),
            error: error[i].clone(),
            response_ts: rts[i],
            latency_ms: lat.is_valid(i).then(|| lat.value(i)),
            proto: proto[i].clone(),
            answers: answers[i],
        })
        .collect()
}

/// The batch without the columns that name the encoding or the position.
fn content(b: &RecordBatch) -> RecordBatch {
    let keep: Vec<usize> =
        (0..b.num_columns()).filter(|&i| !matches!(b.schema().field(i).name().as_str(), "source_format" | "record_offset")).collect();
    b.project(&keep).unwrap()
}

/// Runs a reference tool (UTC times); `None` when it is not installed.
fn tool(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).env("TZ", "UTC").output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Asserts two sorted line lists are equal, printing only the first differences.
fn assert_same_lines(ours: &[String], theirs: &[String], what: &str) {
    let only_ours: Vec<&String> = ours.iter().filter(|l| !theirs.contains(l)).take(5).collect();
    let only_theirs: Vec<&String> = theirs.iter().filter(|l| !ours.contains(l)).take(5).collect();
    assert!(ours == theirs, "{what}: {} vs {} lines; only ours: {only_ours:?}; only theirs: {only_theirs:?}", ours.len(), theirs.len());
}

fn count_by<K: Ord>(items: impl IntoIterator<Item = K>) -> BTreeMap<K, usize> {
    let mut m = BTreeMap::new();
    for k in items {
        *m.entry(k).or_insert(0) += 1;
    }
    m
}

// ---------------------------------------------------------------------------------------------
// Zeek

/// (file, data lines) of Zeek's btest baselines, as SOURCES.md counts them.
const BTEST_LOGS: [(&str, u64); 11] = [
    ("zeek/zeek_dns-two-responses.dns.log", 2),
    ("zeek/zeek_dns-zero-RRs.dns.log", 1),
    ("zeek/zeek_dns53.dns.log", 1),
    ("zeek/zeek_dns_dns_notify2.dns.log", 3),
    ("zeek/zeek_dns_dynamic-update.dns.log", 2),
    ("zeek/zeek_dns_loc-29-trunc.dns.log", 1),
    ("zeek/zeek_dns_mdns-no-assoc.dns.log", 6),
    ("zeek/zeek_dns_tkey.dns.log", 1),
    ("zeek/zeek_dnssec_rrsig.dns.log", 4),
    ("zeek/zeek_ipv6-fragmented-dns.dns.log", 3),
    ("zeek/zeek_wikipedia.dns.log", 34),
];

fn data_lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
}

#[test]
fn zeek_btest_baselines_record_for_record_and_field_by_field() {
    for (rel, n) in BTEST_LOGS {
        let path = locate(rel).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines = data_lines(&text);
        assert_eq!(lines.len() as u64, n, "{rel}");
        // As they are: every record has btest's masked time and is one reject.
        let (sink, stats) = read(&path, "zeek");
        assert_eq!((stats.records_ok, stats.records_rejected), (0, n), "{rel}");
        assert_eq!(stats.records_skipped, text.lines().count() as u64 - n);
        assert!(sink.rejects.iter().all(|r| r.reason.starts_with("ts: masked timestamp") && r.line.is_some()));
        // With a time put back, every field of every record reads as the log says.
        let unmasked = text.replace("XXXXXXXXXX.XXXXXX", "1300000000.250000");
        let mut input = Input::from_bytes(unmasked.as_bytes());
        let (sink, stats) = read_as(&mut input, &lightsout_formats::zeek::Zeek);
        assert_eq!((stats.records_ok, stats.records_rejected), (n, 0), "{rel}");
        let fields: Vec<&str> = text.lines().find_map(|l| l.strip_prefix("#fields\t")).unwrap().split('\t').collect();
        for (line, row) in lines.iter().zip(rows(&sink)) {
            let v: BTreeMap<&str, &str> = fields.iter().copied().zip(line.split('\t')).collect();
            let opt = |k: &str| Some(v[k]).filter(|s| *s != "-");
            assert_eq!(row.ts, 1_300_000_000_250_000);
            assert_eq!(Some(row.client.as_str()), opt("id.orig_h"), "{rel}: {line}");
            assert_eq!(row.cport.map(|p| p.to_string()).as_deref(), opt("id.orig_p"));
            assert_eq!(Some(row.server.as_str()), opt("id.resp_h"));
            assert_eq!(row.sport.map(|p| p.to_string()).as_deref(), opt("id.resp_p"));
            assert_eq!(row.query_id.map(|p| p.to_string()).as_deref(), opt("trans_id"));
            assert_eq!(Some(row.qname.as_str()), opt("query").map(names::normalize_qname).as_deref().or(Some("-")));
            assert_eq!(row.rcode, opt("rcode_name").unwrap_or("-"));
            let qtype = opt("qtype").map(|c| names::qtype_name(c.parse().unwrap()).into_owned());
            assert_eq!(row.qtype, qtype.unwrap_or_else(|| "-".into()));
            let expect_type = match (opt("rcode"), opt("qtype")) {
                (None, _) => "query-only",
                (Some(_), Some(_)) => "query-response",
                (Some(_), None) => "response-only",
            };
            assert_eq!(row.message_type, expect_type, "{rel}: {line}");
            assert_eq!(row.latency_ms.is_some(), opt("rtt").is_some() && opt("rcode").is_some());
        }
    }
}

#[test]
fn zeek_wrccdc_tsv_and_json_are_the_same_53615_events() {
    let (Some(tsv), Some(json)) = (
        shared_dns().map(|d| d.join("zed_wrccdc2018_zeek-default_dns.log.gz")),
        shared_dns().map(|d| d.join("zed_wrccdc2018_zeek-json_dns.json.gz")),
    ) else {
        eprintln!("SKIP: ../shared/realdata/dns not present (the WRCCDC logs are CC BY-SA and not in fixtures/)");
        return;
    };
    let (st, s1) = read(&tsv, "zeek");
    let (sj, s2) = read(&json, "zeek");
    // Every data line is a record and a row; the 9 header lines are skipped.
    assert_eq!((s1.records_ok, s1.records_rejected, s1.records_skipped), (53_615, 0, 9));
    assert_eq!((s2.records_ok, s2.records_rejected, s2.records_skipped), (53_615, 0, 0));
    let (bt, bj) = (st.concat(Table::DnsEvents), sj.concat(Table::DnsEvents));
    assert_eq!(content(&bt), content(&bj), "TSV and JSON give the same rows");
    let r = rows(&st);
    assert_eq!(
        count_by(r.iter().map(|r| r.message_type.as_str())),
        BTreeMap::from([("query-only", 9_497), ("query-response", 44_109), ("response-only", 9)])
    );
    // The first record, field by field.
    let first = &r[0];
    assert_eq!(
        (first.ts, first.client.as_str(), first.cport, first.server.as_str(), first.query_id),
        (1_521_911_720_865_716, "10.47.1.100", Some(41772), "10.0.0.100", Some(36329))
    );
    assert_eq!(
        (first.qname.as_str(), first.qtype.as_str(), first.rcode.as_str(), first.latency_ms, first.answers),
        ("ise.wrccdc.org", "A", "NOERROR", Some(0.87), Some(2))
    );
    assert_eq!(first.response_ts, Some(1_521_911_720_866_586));
    // The root name is written `(empty)`.
    assert!(r.iter().any(|r| r.qname == "." && r.qtype == "NS"));
}

// ---------------------------------------------------------------------------------------------
// dnstap

/// dnstap-read's two-letter mnemonic of a row's query or response.
fn mnemonic(role: &str, response: bool) -> String {
    let f = match role {
        "auth" => 'A',
        "resolver" => 'R',
        "client" => 'C',
        "forwarder" => 'F',
        "stub" => 'S',
        "tool" => 'T',
        "update" => 'U',
        _ => '?',
    };
    format!("{f}{}", if response { 'R' } else { 'Q' })
}

fn hms_ms(us: i64) -> String {
    let t = chrono::DateTime::from_timestamp_micros(us).unwrap();
    t.format("%d-%b-%Y %H:%M:%S%.3f").to_string()
}

/// Our rows as dnstap-read's lines (without the message size and the transport), one per
/// message. The transport is left out because a joined row keeps its query's: BIND logs the
/// response to a query it retried over TCP against the UDP query (one such response in the lab).
fn as_dnstap_read_lines(rows: &[Row]) -> Vec<String> {
    let mut out = Vec::new();
    for r in rows {
        let q = format!("{}:{}", r.client, r.cport.unwrap_or(0));
        let s = format!("{}:{}", r.server, r.sport.unwrap_or(0));
        let what = format!("{}/{}/{}", r.qname, r.qclass, r.qtype);
        if r.message_type != "response-only" {
            out.push(format!("{} {} {q} -> {s} {what}", hms_ms(r.ts), mnemonic(&r.role, false)));
        }
        if r.message_type != "query-only" {
            out.push(format!("{} {} {q} <- {s} {what}", hms_ms(r.response_ts.unwrap_or(r.ts)), mnemonic(&r.role, true)));
        }
    }
    out.sort();
    out
}

/// dnstap-read's lines without the transport and size fields, lowercased names.
fn dnstap_read_lines(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            let mut what = f[8].rsplitn(3, '/');
            let (ty, class, name) = (what.next().unwrap_or(""), what.next().unwrap_or(""), what.next().unwrap_or(""));
            let what = format!("{}/{class}/{ty}", name.to_lowercase());
            format!("{} {} {} {} {} {} {what}", f[0], f[1], f[2], f[3], f[4], f[5])
        })
        .collect();
    out.sort();
    out
}

/// Response codes per message mnemonic in `dnstap-read -y` output.
fn dnstap_read_rcodes(yaml: &str) -> BTreeMap<(String, String), usize> {
    let mut m = BTreeMap::new();
    for doc in yaml.split("\n---\n") {
        let Some(ty) = doc.lines().find_map(|l| l.trim().strip_prefix("type: ").filter(|t| t.ends_with("_RESPONSE"))) else {
            continue;
        };
        let fam = ty.trim_end_matches("_RESPONSE");
        let letter = match fam {
            "AUTH" => "A",
            "RESOLVER" => "R",
            "CLIENT" => "C",
            "FORWARDER" => "F",
            "STUB" => "S",
            "TOOL" => "T",
            "UPDATE" => "U",
            _ => "?",
        };
        let data = doc.split("response_message_data:").nth(1).unwrap_or("");
        let status = data.lines().find_map(|l| l.trim().strip_prefix("status: ")).unwrap_or("-");
        *m.entry((format!("{letter}R"), status.to_string())).or_insert(0) += 1;
    }
    m
}

fn our_rcodes(rows: &[Row]) -> BTreeMap<(String, String), usize> {
    count_by(rows.iter().filter(|r| r.message_type != "query-only").map(|r| (mnemonic(&r.role, true), r.rcode.clone())))
}

#[test]
fn dnstap_messages_match_dnstap_read() {
    let mut files = vec![(locate("dnscollector_dnstap.fstrm").unwrap(), 2u64), (fixtures().join("own_all_types.dnstap"), 26)];
    match lab() {
        Some(l) => files.extend([(l.join("dns/resolver.dnstap"), 1006), (l.join("dns/auth.dnstap"), 222)]),
        None => eprintln!("SKIP: ../shared/lab/kp not present (lab dnstap files)"),
    }
    let have_tool = tool("dnstap-read", &[&fixtures().join("own_all_types.dnstap").to_string_lossy()]).is_some();
    if !have_tool {
        eprintln!("SKIP: dnstap-read not installed; comparing with the counts it gave when the tests were written");
    }
    for (path, messages) in files {
        let (sink, stats) = read(&path, "dnstap");
        assert_eq!((stats.records_ok, stats.records_rejected, stats.records_skipped), (messages, 0, 2), "{}", path.display());
        let r = rows(&sink);
        let ours = as_dnstap_read_lines(&r);
        assert_eq!(ours.len() as u64, messages);
        if have_tool {
            let p = path.to_string_lossy();
            let plain = tool("dnstap-read", &[&p]).unwrap();
            assert_eq!(plain.lines().count() as u64, messages);
            assert_same_lines(&ours, &dnstap_read_lines(&plain), &path.display().to_string());
            let tcp_lines = plain.lines().filter(|l| l.contains(" TCP ")).count();
            let tcp_rows =
                r.iter().map(|r| (r.proto == "tcp") as usize * (1 + (r.message_type == "query-response") as usize)).sum::<usize>();
            assert!(tcp_lines.abs_diff(tcp_rows) <= 1, "{}: {tcp_lines} TCP lines, {tcp_rows} TCP messages", path.display());
            let yaml = tool("dnstap-read", &["-y", &p]).unwrap();
            assert_eq!(our_rcodes(&r), dnstap_read_rcodes(&yaml), "{}", path.display());
        }
    }
}

#[test]
fn dnstap_dnsdist_sample_field_by_field() {
    let (sink, _) = read(&locate("dnscollector_dnstap.fstrm").unwrap(), "dnstap");
    let r = rows(&sink);
    assert_eq!(r.len(), 1);
    let r = &r[0];
    assert_eq!(
        (r.message_type.as_str(), r.role.as_str(), r.client.as_str(), r.cport, r.server.as_str(), r.sport),
        ("query-response", "client", "172.19.0.1", Some(46390), "172.19.0.2", Some(53))
    );
    assert_eq!(
        (r.qname.as_str(), r.qtype.as_str(), r.rcode.as_str(), r.query_id, r.answers),
        ("www.google.com", "A", "NOERROR", Some(37578), Some(1))
    );
    assert_eq!((r.ts, r.response_ts, r.latency_ms), (1_717_613_389_590_209, Some(1_717_613_389_601_953), Some(11.744)));
}

#[test]
fn a_frame_stream_of_another_content_type_is_rejected() {
    let path = locate("fstrm_test_hello.fstrm").unwrap();
    // It sniffs as Frame Streams (so that it reaches the dnstap reader and gets a reason).
    let (sink, stats) = read(&path, "dnstap");
    assert_eq!((stats.records_ok, stats.records_rejected, sink.rows(Table::DnsEvents)), (0, 1, 0));
    let r = &sink.rejects[0];
    assert_eq!(r.reason, "content type \"test:hello\" is not protobuf:dnstap.Dnstap; skipped 10 data frames");
    assert_eq!((r.offset, r.end_offset), (0, Some(242)));
    if let Some(out) = Command::new("dnstap-read").arg(&path).output().ok().filter(|o| !o.status.success()) {
        // dnstap-read refuses it too.
        assert!(String::from_utf8_lossy(&out.stderr).contains("malformed DNSTAP data"));
    }
}

// ---------------------------------------------------------------------------------------------
// The lab: client responses by phase, query-errors lines, query logs

struct Phases(Vec<(String, f64, f64)>);

impl Phases {
    fn load(lab: &Path) -> Phases {
        let truth: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(lab.join("truth.json")).unwrap()).unwrap();
        Phases(
            truth["events"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| (e["id"].as_str().unwrap().to_string(), e["start_epoch"].as_f64().unwrap(), e["end_epoch"].as_f64().unwrap()))
                .collect(),
        )
    }

    fn of(&self, us: i64) -> String {
        let t = us as f64 / 1e6;
        self.0.iter().find(|(_, s, e)| *s <= t && t < *e).map_or("baseline".into(), |(id, _, _)| id.clone())
    }
}

#[test]
fn lab_client_responses_by_phase() {
    let Some(lab) = lab() else {
        eprintln!("SKIP: ../shared/lab/kp not present");
        return;
    };
    let phases = Phases::load(&lab);
    let (sink, stats) = read(&lab.join("dns/resolver.dnstap"), "dnstap");
    assert_eq!((stats.records_ok, stats.records_rejected), (1006, 0));
    let r = rows(&sink);
    // Binned by response time, as dnstap-read prints CLIENT_RESPONSE messages.
    let by_phase = count_by(
        r.iter()
            .filter(|r| r.role == "client" && r.message_type != "query-only")
            .map(|r| (phases.of(r.response_ts.unwrap()), r.rcode.clone())),
    );
    let want: BTreeMap<(String, String), usize> = [
        ("baseline", "NOERROR", 204),
        ("ev1-partial-U1", "NOERROR", 40),
        ("ev2-full-outage", "NOERROR", 1),
        ("ev2-full-outage", "SERVFAIL", 23),
        ("ev3-flap-a", "NOERROR", 10),
        ("ev4-flap-b", "NOERROR", 10),
    ]
    .into_iter()
    .map(|(p, c, n)| ((p.to_string(), c.to_string()), n))
    .collect();
    assert_eq!(by_phase, want);
    // verify.txt prints exactly twice these numbers (baseline NOERROR 408; ev2 NOERROR 2 +
    // SERVFAIL 46): its script counted the `status:` line of `dnstap-read -y`, which appears twice
    // per response (response_message_data and the response_message text). dnstap-read's plain
    // output has 288 CLIENT_RESPONSE lines in all, the 288 rows above.
    let verify = std::fs::read_to_string(lab.join("verify.txt")).unwrap();
    let section = verify.split("## resolver dnstap (dnstap-read): client responses by rcode").nth(1).unwrap();
    let table: Vec<&str> = section.lines().skip(1).take_while(|l| l.contains('{')).collect();
    assert_eq!(table.len(), 5, "verify.txt's table has five phases");
    for line in table {
        let (phase, dict) = line.trim().split_once(' ').unwrap();
        for part in dict.trim().trim_matches(|c| c == '{' || c == '}').split(", ") {
            let (code, n) = part.split_once(": ").unwrap();
            let n: usize = n.parse().unwrap();
            assert_eq!(n, 2 * want[&(phase.to_string(), code.trim_matches('\'').to_string())], "{line}");
        }
    }
    // No client query went unanswered: the resolver answered SERVFAIL after its own timeouts.
    assert_eq!(r.iter().filter(|r| r.role == "client" && r.message_type == "query-only").count(), 0);
    // The resolver's queries to the silent authoritative server did go unanswered.
    let unanswered = count_by(r.iter().filter(|r| r.role == "resolver" && r.message_type == "query-only").map(|r| phases.of(r.ts)));
    assert_eq!(unanswered, BTreeMap::from([("ev2-full-outage".to_string(), 208)]));

    // query-errors: 23 failure lines, all in the outage, the same 23 clients as the SERVFAILs.
    let (sink, stats) = read(&lab.join("dns/resolver-query-errors.log"), "resolver_log");
    assert_eq!((stats.records_ok, stats.records_rejected, stats.records_skipped), (23, 0, 0));
    let e = rows(&sink);
    assert!(e.iter().all(|e| e.message_type == "query-error"
        && e.rcode == "SERVFAIL"
        && e.error == "timed out"
        && phases.of(e.ts) == "ev2-full-outage"));
    assert!(verify.contains("resolver query-errors log: 23 failure lines"));
    let mut failed_ports: Vec<u16> = e.iter().map(|e| e.cport.unwrap()).collect();
    let mut servfail_ports: Vec<u16> = r.iter().filter(|r| r.role == "client" && r.rcode == "SERVFAIL").map(|r| r.cport.unwrap()).collect();
    failed_ports.sort();
    servfail_ports.sort();
    assert_eq!(failed_ports, servfail_ports);

    // Query logs: one query-log row per line, as many as the servers' CLIENT/AUTH queries.
    let (sink, stats) = read(&lab.join("dns/resolver-query.log"), "resolver_log");
    assert_eq!((stats.records_ok, stats.records_rejected, stats.records_skipped), (288, 0, 0));
    assert!(rows(&sink).iter().all(|r| r.message_type == "query-log" && r.rcode == "-"));
    let (_, stats) = read(&lab.join("dns/auth-query.log"), "resolver_log");
    assert_eq!((stats.records_ok, stats.records_rejected), (111, 0));
}

// ---------------------------------------------------------------------------------------------
// pcap

/// (file, DNS messages on port 53) as `tshark -Y 'dns && (udp.port==53 || tcp.port==53)'` shows
/// them (tshark 4.0.17).
const PCAPS: [(&str, u64); 23] = [
    ("dnscollector_dnsdump_ip4_fragmented+udp.pcap", 2),
    ("dnscollector_dnsdump_ip4_fragmented_query.pcap", 2),
    ("dnscollector_dnsdump_ip6_fragmented+udp.pcap", 2),
    ("dnscollector_dnsdump_ip6_fragmented_query.pcap", 1),
    ("dnscollector_dnsdump_tcp.pcap", 10),
    ("dnscollector_dnsdump_tcp_fastopen.pcap", 8),
    ("dnscollector_dnsdump_udp+tcp.pcap", 4),
    ("dnscollector_dnsdump_udp.pcap", 33),
    ("dnscollector_dnsdump_udp.pcapng", 33),
    ("dnscollector_dnsdump_udp_truncated+tcp_fragmented.pcap", 4),
    ("zeek/zeek_dns-edns-ecs.pcap", 85),
    ("zeek/zeek_dns-two-responses.pcap", 3),
    ("zeek/zeek_dns-zero-RRs.pcap", 2),
    ("zeek/zeek_dns53.pcap", 1),
    ("zeek/zeek_dns_dns-corrupt.pcap", 2),
    ("zeek/zeek_dns_dns_notify2.pcap", 4),
    ("zeek/zeek_dns_dynamic-update.pcap", 4),
    ("zeek/zeek_dns_loc-29-trunc.pcap", 2),
    ("zeek/zeek_dns_mdns-no-assoc.pcap", 0),
    ("zeek/zeek_dns_tkey.pcap", 2),
    ("zeek/zeek_dnssec_rrsig.pcap", 7),
    ("zeek/zeek_ipv6-fragmented-dns.pcap", 5),
    ("zeek/zeek_wikipedia.pcap", 28),
];

fn rcode_number(name: &str) -> String {
    let n = match name {
        "NOERROR" => 0,
        "FORMERR" => 1,
        "SERVFAIL" => 2,
        "NXDOMAIN" => 3,
        "NOTIMP" => 4,
        "REFUSED" => 5,
        "NOTAUTH" => 9,
        other => panic!("no number for {other}"),
    };
    n.to_string()
}

/// Our rows as (id, QR, rcode, name, type), one per message.
fn as_messages(rows: &[Row]) -> Vec<String> {
    let mut out = Vec::new();
    for r in rows {
        let id = format!("{:#06x}", r.query_id.unwrap());
        if r.message_type != "response-only" {
            out.push(format!("{id} 0 - {} {}", r.qname, r.qtype));
        }
        if r.message_type != "query-only" {
            out.push(format!("{id} 1 {} {} {}", rcode_number(&r.rcode), r.qname, r.qtype));
        }
    }
    out.sort();
    out
}

/// tshark's DNS messages as (id, QR, rcode, name, type); several messages in one packet are
/// comma-separated.
fn tshark_messages(path: &Path) -> Option<Vec<String>> {
    let p = path.to_string_lossy();
    let args = [
        "-r",
        &p,
        "-Y",
        "dns && (udp.port==53 || tcp.port==53)",
        "-T",
        "fields",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
        "-e",
        "dns.id",
        "-e",
        "dns.flags.response",
        "-e",
        "dns.flags.rcode",
        "-e",
        "dns.qry.name",
        "-e",
        "dns.qry.type",
    ];
    let text = tool("tshark", &args)?;
    let mut out = Vec::new();
    for line in text.lines() {
        let cols: Vec<Vec<&str>> = line.split('\t').map(|c| c.split(',').collect()).collect();
        for i in 0..cols[0].len() {
            let get = |c: usize| cols.get(c).and_then(|v| v.get(i)).copied().unwrap_or("");
            let qr = get(1);
            let rcode = if qr == "1" { get(2) } else { "-" };
            let name = match get(3) {
                "<Root>" | "" => ".".to_string(),
                n => n.to_lowercase(),
            };
            let ty = names::qtype_name(get(4).parse().unwrap_or(0)).into_owned();
            out.push(format!("{} {qr} {rcode} {name} {ty}", get(0)));
        }
    }
    out.sort();
    Some(out)
}

#[test]
fn pcap_messages_match_tshark() {
    let have_tshark = tool("tshark", &["-v"]).is_some();
    if !have_tshark {
        eprintln!("SKIP: tshark not installed; comparing with the counts it gave when the tests were written");
    }
    for (rel, messages) in PCAPS {
        let path = locate(rel).unwrap_or_else(|| panic!("{rel} missing from fixtures/dns"));
        let (sink, stats) = read(&path, "pcap");
        assert_eq!((stats.records_ok, stats.records_rejected, stats.stopped.as_deref()), (messages, 0, None), "{rel}: {:?}", sink.rejects);
        let r = rows(&sink);
        let ours = as_messages(&r);
        assert_eq!(ours.len() as u64, messages, "{rel}");
        if have_tshark {
            assert_same_lines(&ours, &tshark_messages(&path).unwrap(), rel);
        }
    }
}

#[test]
fn pcap_pairs_and_flags_field_by_field() {
    let read_rows = |rel: &str| rows(&read(&locate(rel).unwrap(), "pcap").0);
    // A truncated UDP answer, then the TCP retry with a 2048-record answer over many segments.
    let r = read_rows("dnscollector_dnsdump_udp_truncated+tcp_fragmented.pcap");
    let got: Vec<(Option<u16>, &str, &str, Option<u16>)> =
        r.iter().map(|r| (r.query_id, r.proto.as_str(), r.message_type.as_str(), r.answers)).collect();
    assert_eq!(got, [(Some(0xc06b), "udp", "query-response", Some(0)), (Some(0xd2e3), "tcp", "query-response", Some(2048))]);
    // TCP Fast Open: the query rides in the SYN.
    let r = read_rows("dnscollector_dnsdump_tcp_fastopen.pcap");
    assert_eq!(r.iter().filter(|r| r.message_type == "query-response" && r.proto == "tcp" && r.qname == "www.google.com").count(), 4);
    // Zeek's baselines for the same captures: two responses to one query, a response alone.
    let r = read_rows("zeek/zeek_dns-two-responses.pcap");
    assert_eq!(r.iter().map(|r| r.message_type.as_str()).collect::<Vec<_>>(), ["query-response", "response-only"]);
    assert_eq!(
        (r[0].client.as_str(), r[0].cport, r[0].qname.as_str(), r[0].latency_ms),
        ("55.247.223.174", Some(27285), "www.cmu.edu", Some(0.214))
    );
    let r = read_rows("zeek/zeek_dns53.pcap");
    assert_eq!(
        (r[0].message_type.as_str(), r[0].client.as_str(), r[0].server.as_str(), r[0].answers),
        ("response-only", "10.20.1.31", "207.158.192.40", Some(8))
    );
    // IPv6 fragments reassembled: the 3230-byte TXT answers of Netalyzr.
    let r = read_rows("zeek/zeek_ipv6-fragmented-dns.pcap");
    assert_eq!(r.iter().filter(|r| r.message_type == "query-response").count(), 2);
    // The oversized query sent twice, never answered.
    let r = read_rows("dnscollector_dnsdump_ip4_fragmented_query.pcap");
    assert!(r.iter().all(|r| r.message_type == "query-only" && r.query_id == Some(0xaaaa)));
    // mDNS is not DNS for lightsout.
    let (_, stats) = read(&locate("zeek/zeek_dns_mdns-no-assoc.pcap").unwrap(), "pcap");
    assert_eq!((stats.records_ok, stats.records_skipped), (0, 7));
}

// ---------------------------------------------------------------------------------------------
// Resolver logs that cannot be copied into fixtures/

#[test]
fn infoblox_and_fail2ban_named_logs() {
    let Some(dir) = shared_dns() else {
        eprintln!("SKIP: ../shared/realdata/dns not present (Elastic License and GPL samples, not in fixtures/)");
        return;
    };
    let log = dir.join("elastic_infoblox_nios_test-dns.log");
    let (sink, stats) = read(&log, "resolver_log");
    // 8 response-log lines with BIND's own time; 6 query lines with only a syslog time (no
    // year); 14 other named messages (RPZ, notify, transfers, DNSSEC validation, CEF).
    assert_eq!((stats.records_ok, stats.records_rejected, stats.records_skipped), (8, 6, 14));
    assert!(sink.rejects.iter().all(|r| r.reason.starts_with("ts: syslog timestamp without a year")));
    assert!(rows(&sink).iter().all(|r| r.message_type == "response-log"));
    let mut input = input_of(&log);
    let (sink, stats) = read_as(&mut input, &lightsout_formats::resolver_log::ResolverLog::with_year(2022));
    assert_eq!((stats.records_ok, stats.records_rejected), (14, 0));
    let kinds = count_by(rows(&sink).iter().map(|r| r.message_type.clone()));
    assert_eq!(kinds, BTreeMap::from([("query-error".into(), 2), ("query-log".into(), 4), ("response-log".into(), 8)]));

    let log = dir.join("fail2ban_named-refused.log");
    let mut input = input_of(&log);
    let (sink, stats) = read_as(&mut input, &lightsout_formats::resolver_log::ResolverLog::with_year(2013));
    // 14 denied queries and transfers, of which the journal line has no time at all; the 2
    // "bad zone transfer request" lines, blank lines and fail2ban's `#` annotations are skipped.
    assert_eq!((stats.records_ok, stats.records_rejected), (13, 1));
    assert!(rows(&sink).iter().all(|r| r.message_type == "query-denied" && r.rcode == "REFUSED"));
    assert_eq!(sink.rejects[0].reason, "ts: the line has no timestamp");
}

// ---------------------------------------------------------------------------------------------
// Sniffing

const DNS_FORMATS: [&str; 4] = ["dnstap", "pcap", "zeek", "resolver_log"];

fn head_of(path: &Path) -> Vec<u8> {
    input_of(path).peek(SNIFF_BYTES).unwrap().to_vec()
}

#[test]
fn every_sample_sniffs_as_its_format_and_none_steals_mrt_or_traceroutes() {
    let mut dns: Vec<(PathBuf, &str)> = Vec::new();
    for e in std::fs::read_dir(fixtures()).unwrap().chain(std::fs::read_dir(fixtures().join("zeek")).unwrap()) {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let kind = if name.ends_with(".pcap") || name.ends_with(".pcapng") {
            "pcap"
        } else if name.ends_with(".fstrm") || name.ends_with(".dnstap") {
            "dnstap"
        } else if name.contains("zeek") && (name.contains(".log") || name.ends_with(".json")) {
            "zeek"
        } else if name.ends_with(".log") {
            "resolver_log"
        } else {
            continue;
        };
        dns.push((p, kind));
    }
    assert_eq!(dns.len(), 43, "fixtures/dns holds 43 DNS samples");
    for (p, kind) in &dns {
        let f = registry::sniff(&head_of(p)).map(|f| f.name());
        assert_eq!(f, Some(*kind), "{}", p.display());
    }
    let mut others: Vec<PathBuf> = Vec::new();
    for dir in [
        "../../../shared/realdata/mrt",
        "../../../shared/realdata/traceroute",
        "../../../shared/lab/kp/mrt",
        "../../../shared/lab/kp/traceroute",
    ] {
        let d = manifest().join(dir);
        if let Ok(rd) = std::fs::read_dir(&d) {
            others.extend(rd.map(|e| e.unwrap().path()).filter(|p| p.is_file() && !p.to_string_lossy().ends_with(".md")));
        }
    }
    if let Some(l) = lab() {
        others.push(l.join("dns/client.log"));
    }
    if others.is_empty() {
        eprintln!("SKIP: no MRT or traceroute samples under ../shared");
    }
    for p in others {
        let head = head_of(&p);
        for f in registry::formats().iter().filter(|f| DNS_FORMATS.contains(&f.name())) {
            assert!(!f.sniff(&head), "{} sniffs {}", f.name(), p.display());
        }
        if let Some(f) = registry::sniff(&head) {
            assert!(!DNS_FORMATS.contains(&f.name()));
        }
    }
}
