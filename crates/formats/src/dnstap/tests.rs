//! dnstap reader tests: the project's own fixture (every message type), damage, bounds, and
//! a property test over arbitrary and mutated streams.

use super::framestream::write_fstrm;
use super::proto::{Dnstap, Message};
use super::reader::{DNSTAP_CONTENT_TYPE, read_dnstap_counted};
use crate::compress::Input;
use crate::dns::pairing::Pairer;
use crate::dns::wire::tests::message_with;
use crate::format::{FileContext, MemorySink, ReadStats};
use crate::table::Table;
use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use proptest::prelude::*;
use prost::Message as _;
use std::net::IpAddr;

/// 2026-11-29T04:00:00Z in seconds.
const T0: u64 = 1_795_924_800;

/// One dnstap message of the fixture.
struct Msg {
    ty: i32,
    proto: i32,
    client: &'static str,
    cport: u32,
    server: &'static str,
    sport: u32,
    /// (query time, response time) in milliseconds after T0.
    qt_ms: Option<u64>,
    rt_ms: Option<u64>,
    wire: Vec<u8>,
}

fn ip_bytes(s: &str) -> Vec<u8> {
    match s.parse::<IpAddr>().unwrap() {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

fn encode(m: &Msg) -> Vec<u8> {
    let is_response = m.ty % 2 == 0;
    let fam = if m.client.contains(':') { 2 } else { 1 };
    let split = |ms: u64| (T0 + ms / 1000, ((ms % 1000) * 1_000_000) as u32);
    let msg = Message {
        r#type: Some(m.ty),
        socket_family: Some(fam),
        socket_protocol: Some(m.proto),
        query_address: Some(ip_bytes(m.client)),
        response_address: Some(ip_bytes(m.server)),
        query_port: Some(m.cport),
        response_port: Some(m.sport),
        query_time_sec: m.qt_ms.map(|t| split(t).0),
        query_time_nsec: m.qt_ms.map(|t| split(t).1),
        query_message: (!is_response).then(|| m.wire.clone()),
        query_zone: None,
        response_time_sec: m.rt_ms.map(|t| split(t).0),
        response_time_nsec: m.rt_ms.map(|t| split(t).1),
        response_message: is_response.then(|| m.wire.clone()),
        policy: None,
        http_protocol: None,
    };
    Dnstap {
        identity: Some(b"lightsout-test".to_vec()),
        version: Some(b"own fixture 1".to_vec()),
        extra: None,
        message: Some(msg),
        r#type: Some(1),
    }
    .encode_to_vec()
}

/// A query and its response message of family `fam` (1 auth .. 7 update).
#[allow(clippy::too_many_arguments)]
fn pair(
    fam: i32,
    proto: i32,
    client: &'static str,
    cport: u32,
    server: &'static str,
    id: u16,
    name: &str,
    qtype: u16,
    q_ms: u64,
    r_ms: Option<u64>,
    rcode: u8,
    opcode: u8,
) -> Vec<Msg> {
    let base = |ty: i32, wire: Vec<u8>, qt: Option<u64>, rt: Option<u64>| Msg {
        ty,
        proto,
        client,
        cport,
        server,
        sport: 53,
        qt_ms: qt,
        rt_ms: rt,
        wire,
    };
    let mut v = vec![base(fam * 2 - 1, message_with(id, false, opcode, 0, false, name, qtype, 0), Some(q_ms), None)];
    if let Some(r) = r_ms {
        let answers = u16::from(rcode == 0 && opcode == 0);
        v.push(base(fam * 2, message_with(id, true, opcode, rcode, false, name, qtype, answers), Some(q_ms), Some(r)));
    }
    v
}

/// The data frames of `fixtures/dns/own_all_types.dnstap`: every message type, an unanswered
/// query, a response without query, a response logged before its query, IPv6, DoT, and a
/// truncated UDP answer followed by its TCP retry.
pub(crate) fn own_fixture_frames() -> Vec<Vec<u8>> {
    let mut m = Vec::new();
    m.extend(pair(3, 1, "192.0.2.10", 40000, "192.0.2.53", 1, "WWW.Example.test", 1, 0, Some(6), 0, 0)); // client
    m.extend(pair(2, 1, "0.0.0.0", 50000, "198.51.100.53", 2, "www.example.test", 1, 1, Some(5), 0, 0)); // resolver
    m.extend(pair(1, 1, "203.0.113.9", 41000, "198.51.100.53", 3, "example.test", 6, 10, Some(11), 0, 0)); // auth
    m.extend(pair(4, 2, "192.0.2.53", 45000, "192.0.2.99", 4, "fwd.example.test", 28, 20, Some(40), 2, 0)); // forwarder
    m.extend(pair(5, 1, "192.0.2.10", 41000, "192.0.2.53", 5, "stub.example.test", 15, 50, Some(51), 5, 0)); // stub
    m.extend(pair(6, 1, "192.0.2.10", 42000, "192.0.2.53", 6, "tool.example.test", 16, 60, Some(62), 0, 0)); // tool
    m.extend(pair(7, 1, "192.0.2.20", 43000, "198.51.100.53", 7, "example.test", 6, 70, Some(71), 0, 5)); // update
    m.extend(pair(3, 1, "192.0.2.10", 40001, "192.0.2.53", 8, "lost.example.test", 1, 80, None, 0, 0)); // unanswered
    let mut orphan = pair(3, 1, "192.0.2.10", 40002, "192.0.2.53", 9, "orphan.example.test", 1, 90, Some(91), 0, 0);
    m.push(orphan.remove(1)); // response without its query
    let mut ooo = pair(3, 1, "192.0.2.10", 40003, "192.0.2.53", 10, "ooo.example.test", 1, 100, Some(101), 3, 0);
    ooo.swap(0, 1); // response logged before its query
    m.extend(ooo);
    m.extend(pair(3, 1, "2001:db8::10", 40004, "2001:db8::53", 11, "v6.example.test", 28, 110, Some(111), 3, 0));
    m.extend(pair(3, 3, "192.0.2.10", 40005, "192.0.2.53", 12, "dot.example.test", 1, 120, Some(125), 0, 0));
    // A truncated UDP answer, then the client's retry over TCP from another port.
    let mut tc = pair(3, 1, "192.0.2.10", 40006, "192.0.2.53", 13, "big.example.test", 16, 130, Some(131), 0, 0);
    tc[1].wire = message_with(13, true, 0, 0, true, "big.example.test", 16, 0);
    m.extend(tc);
    m.extend(pair(3, 2, "192.0.2.10", 40007, "192.0.2.53", 13, "big.example.test", 16, 140, Some(150), 0, 0));
    m.iter().map(encode).collect()
}

pub(crate) fn own_fixture() -> Vec<u8> {
    write_fstrm(DNSTAP_CONTENT_TYPE, &own_fixture_frames())
}

fn fixture_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/dns").join(name)
}

fn ctx() -> FileContext {
    FileContext::new("0123456789abcdef", "test")
}

fn read(bytes: &[u8], pairer: Pairer) -> (MemorySink, ReadStats, u64) {
    let mut input = Input::from_bytes(bytes);
    let mut sink = MemorySink::default();
    let (stats, framed) = read_dnstap_counted(&mut input, &ctx(), &mut sink, pairer).unwrap();
    (sink, stats, framed)
}

fn col<'a>(b: &'a RecordBatch, name: &str) -> &'a dyn Array {
    b.column_by_name(name).unwrap().as_ref()
}

fn strings(b: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let a = col(b, name).as_string::<i32>();
    (0..a.len()).map(|i| a.is_valid(i).then(|| a.value(i).to_string())).collect()
}

#[test]
fn the_committed_fixture_is_what_the_generator_writes() {
    let generated = own_fixture();
    let path = fixture_path("own_all_types.dnstap");
    if std::env::var_os("LIGHTSOUT_WRITE_FIXTURES").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    assert_eq!(std::fs::read(&path).unwrap(), generated, "regenerate with LIGHTSOUT_WRITE_FIXTURES=1");
}

#[test]
fn every_message_type_pairs_into_the_expected_rows() {
    let (sink, stats, framed) = read(&own_fixture(), Pairer::default());
    assert_eq!((stats.records_ok, stats.records_rejected, stats.records_skipped, stats.records_partial), (26, 0, 2, 0));
    assert_eq!(framed, 28);
    let b = sink.concat(Table::DnsEvents);
    let got: Vec<String> = (0..b.num_rows())
        .map(|i| {
            let s = |n: &str| strings(&b, n)[i].clone().unwrap_or_else(|| "-".into());
            format!("{} {} {} {} {} {} {}", s("role"), s("message_type"), s("qname"), s("qtype"), s("rcode"), s("proto"), s("opcode"))
        })
        .collect();
    let want = [
        "client query-response www.example.test A NOERROR udp QUERY",
        "resolver query-response www.example.test A NOERROR udp QUERY",
        "auth query-response example.test SOA NOERROR udp QUERY",
        "forwarder query-response fwd.example.test AAAA SERVFAIL tcp QUERY",
        "stub query-response stub.example.test MX REFUSED udp QUERY",
        "tool query-response tool.example.test TXT NOERROR udp QUERY",
        "update query-response example.test SOA NOERROR udp UPDATE",
        "client query-response ooo.example.test A NXDOMAIN udp QUERY",
        "client query-response v6.example.test AAAA NXDOMAIN udp QUERY",
        "client query-response dot.example.test A NOERROR dot QUERY",
        "client query-response big.example.test TXT NOERROR udp QUERY",
        "client query-response big.example.test TXT NOERROR tcp QUERY",
        "client query-only lost.example.test A - udp QUERY",
        "client response-only orphan.example.test A NOERROR udp QUERY",
    ];
    assert_eq!(got, want);
    let lat = col(&b, "latency_ms").as_primitive::<arrow_array::types::Float64Type>();
    assert_eq!((lat.value(0), lat.value(1)), (6.0, 4.0));
    assert_eq!(lat.value(3), 20.0);
    let tc = col(&b, "truncated").as_boolean();
    assert!(tc.value(10) && !tc.value(11));
    assert_eq!(strings(&b, "client_addr")[8].as_deref(), Some("2001:db8::10"));
    assert_eq!(strings(&b, "server_id")[0].as_deref(), Some("lightsout-test"));
    let ts = col(&b, "ts").as_primitive::<arrow_array::types::TimestampMicrosecondType>();
    assert_eq!(ts.value(0), T0 as i64 * 1_000_000);
}

#[test]
fn unanswered_queries_time_out_in_stream_time() {
    let mut frames = own_fixture_frames();
    // A late client query 31 s after the start pushes the unanswered one out of the window.
    frames.extend(pair(3, 1, "192.0.2.10", 40100, "192.0.2.53", 99, "late.example.test", 1, 31_000, Some(31_001), 0, 0).iter().map(encode));
    let (sink, stats, _) = read(&write_fstrm(DNSTAP_CONTENT_TYPE, &frames), Pairer::new(30_000_000, 5_000_000, 1 << 20));
    assert_eq!(stats.records_ok, 28);
    let b = sink.concat(Table::DnsEvents);
    let names = strings(&b, "qname");
    let lost = names.iter().position(|n| n.as_deref() == Some("lost.example.test")).unwrap();
    let late = names.iter().position(|n| n.as_deref() == Some("late.example.test")).unwrap();
    assert!(lost < late, "the timed-out query is emitted when stream time passes its window");
}

#[test]
fn damage_is_rejected_with_offsets_and_reading_goes_on() {
    let good = own_fixture_frames();
    let mut frames = vec![good[0].clone(), vec![0xff, 0xff, 0xff], good[1].clone()];
    // A message whose DNS query does not parse.
    let mut bad_dns = Dnstap::decode(good[2].as_slice()).unwrap();
    bad_dns.message.as_mut().unwrap().query_message = Some(vec![1, 2, 3]);
    frames.push(bad_dns.encode_to_vec());
    // No message, bad nanoseconds, unknown type.
    frames.push(Dnstap { r#type: Some(1), ..Default::default() }.encode_to_vec());
    let mut bad_ns = Dnstap::decode(good[0].as_slice()).unwrap();
    bad_ns.message.as_mut().unwrap().query_time_nsec = Some(2_000_000_000);
    frames.push(bad_ns.encode_to_vec());
    let mut bad_ty = Dnstap::decode(good[0].as_slice()).unwrap();
    bad_ty.message.as_mut().unwrap().r#type = Some(15);
    frames.push(bad_ty.encode_to_vec());
    let mut file = write_fstrm(DNSTAP_CONTENT_TYPE, &frames);
    // A truncated last frame after the STOP.
    let cut_at = file.len() as u64;
    file.extend(100u32.to_be_bytes());
    file.extend([7u8; 10]);
    let (sink, stats, framed) = read(&file, Pairer::default());
    assert_eq!(stats.records_ok + stats.records_rejected + stats.records_skipped, framed);
    assert_eq!(stats.records_rejected, 6, "{:?}", sink.rejects);
    let reasons: Vec<&str> = sink.rejects.iter().map(|r| r.reason.as_str()).collect();
    assert!(reasons[0].starts_with("protobuf:"), "{reasons:?}");
    assert!(reasons[1].starts_with("query_message: DNS message of 3 bytes"));
    assert_eq!(reasons[2], "Dnstap.message: missing");
    assert!(reasons[3].starts_with("query_time_nsec"));
    assert!(reasons[4].starts_with("Message.type: 15"));
    assert!(reasons[5].starts_with("truncated data frame: 10 of 100"));
    assert_eq!(sink.rejects[5].offset, cut_at);
    assert_eq!(sink.rejects[5].end_offset, Some(file.len() as u64));
    assert!(stats.stopped.is_some());
    // The first bad frame's offset is the position of its length prefix.
    let start_len = 8 + 4 + 4 + 4 + DNSTAP_CONTENT_TYPE.len();
    assert_eq!(sink.rejects[0].offset as usize, start_len + 4 + good[0].len());
    assert_eq!(sink.rows(Table::DnsEvents), 1);
}

#[test]
fn another_content_type_is_one_reject_then_dnstap_again() {
    let mut file = write_fstrm(b"test:hello", &[b"Hello, world".to_vec(), b"again".to_vec()]);
    let second = file.len() as u64;
    file.extend(own_fixture());
    let (sink, stats, framed) = read(&file, Pairer::default());
    assert_eq!(stats.records_rejected, 1);
    assert_eq!(sink.rejects[0].offset, 0);
    assert_eq!(sink.rejects[0].end_offset, Some(second));
    assert!(sink.rejects[0].reason.contains("\"test:hello\" is not protobuf:dnstap.Dnstap; skipped 2 data frames"));
    assert_eq!(stats.records_ok, 26);
    assert_eq!(stats.records_ok + stats.records_rejected + stats.records_skipped, framed);
}

#[test]
fn pairing_memory_is_capped() {
    let frames: Vec<Vec<u8>> = (0..200u16)
        .flat_map(|i| pair(3, 1, "192.0.2.10", 30000 + u32::from(i), "192.0.2.53", i, "x.test", 1, u64::from(i), None, 0, 0))
        .map(|m| encode(&m))
        .collect();
    let (sink, stats, _) = read(&write_fstrm(DNSTAP_CONTENT_TYPE, &frames), Pairer::new(i64::MAX / 2, 5_000_000, 16));
    assert_eq!(stats.records_ok, 200);
    assert_eq!(sink.rows(Table::DnsEvents), 200);
}

fn check_accounting(bytes: &[u8]) {
    let (sink, stats, framed) = read(bytes, Pairer::new(1_000_000, 500_000, 8));
    assert_eq!(stats.records_ok + stats.records_rejected + stats.records_skipped, framed, "{stats:?}");
    assert_eq!(sink.rejects.len() as u64, stats.records_rejected + stats.records_partial);
    assert!(sink.rows(Table::DnsEvents) as u64 <= stats.records_ok);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check_accounting(&bytes);
        // The same bytes behind a valid START frame, so that they are read as frames.
        let mut framed = write_fstrm(DNSTAP_CONTENT_TYPE, &[]);
        framed.truncate(framed.len() - 12);
        framed.extend(&bytes);
        check_accounting(&framed);
    }

    #[test]
    fn mutated_fixtures_never_panic(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..12), cut in any::<prop::sample::Index>()) {
        let mut file = own_fixture();
        for (at, b) in edits {
            let i = at.index(file.len());
            file[i] = b;
        }
        check_accounting(&file);
        let n = cut.index(file.len());
        check_accounting(&file[..n]);
    }
}
