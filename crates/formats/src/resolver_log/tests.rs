//! Resolver-log reader tests on the project's own BIND and unbound snippets, and a property
//! test over arbitrary and mutated logs.

use super::{looks_like_resolver_log, read_resolver_log};
use crate::compress::Input;
use crate::format::{FileContext, MemorySink, ReadStats};
use crate::table::Table;
use crate::zeek::tests::{fixture, line_count};
use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use proptest::prelude::*;

fn read(bytes: &[u8], year: Option<i32>) -> (MemorySink, ReadStats) {
    let mut input = Input::from_bytes(bytes);
    let mut sink = MemorySink::default();
    let stats = read_resolver_log(&mut input, &FileContext::new("0123456789abcdef", "t"), &mut sink, year).unwrap();
    assert_eq!(stats.records_ok + stats.records_rejected + stats.records_skipped, line_count(bytes), "{stats:?}");
    (sink, stats)
}

fn strings(b: &RecordBatch, name: &str) -> Vec<String> {
    let a = b.column_by_name(name).unwrap().as_string::<i32>();
    (0..a.len()).map(|i| if a.is_valid(i) { a.value(i).to_string() } else { "-".into() }).collect()
}

#[test]
fn bind_query_log() {
    let log = fixture("own_bind_query.log");
    assert!(looks_like_resolver_log(&log));
    let (sink, stats) = read(&log, None);
    assert_eq!((stats.records_ok, stats.records_rejected, stats.records_skipped), (6, 3, 5));
    let b = sink.concat(Table::DnsEvents);
    assert!(strings(&b, "message_type").iter().all(|m| m == "query-log"));
    assert!(strings(&b, "rcode").iter().all(|r| r == "-"), "a query log line carries no response");
    assert_eq!(
        strings(&b, "qname"),
        ["www.example.test", "mail.example.test", "v6.example.test", "old.example.test", "r5424.example.test", "syslog.example.test"]
    );
    assert_eq!(strings(&b, "proto")[2], "tcp");
    assert_eq!(strings(&b, "server_id")[4..], ["ns1".to_string(), "ns1".to_string()]);
    let ts = b.column_by_name("ts").unwrap().as_primitive::<arrow_array::types::TimestampMicrosecondType>();
    assert_eq!((ts.value(0), ts.value(2), ts.value(5)), (1_795_924_801_000_000, 1_795_924_802_250_000, 1_795_924_805_125_000));
    let lines: Vec<(Option<u64>, bool)> =
        sink.rejects.iter().map(|r| (r.line, r.reason.starts_with("ts: syslog timestamp without a year"))).collect();
    assert_eq!(lines, [(Some(9), true), (Some(11), false), (Some(13), false)]);
    // With the year, the syslog-only line reads.
    let (sink, stats) = read(&log, Some(2026));
    assert_eq!((stats.records_ok, stats.records_rejected), (7, 2));
    let b = sink.concat(Table::DnsEvents);
    let ts = b.column_by_name("ts").unwrap().as_primitive::<arrow_array::types::TimestampMicrosecondType>();
    assert_eq!(ts.value(6), 1_795_924_806_000_000);
}

#[test]
fn bind_query_errors_and_security() {
    let (sink, stats) = read(&fixture("own_bind_query_errors.log"), None);
    assert_eq!((stats.records_ok, stats.records_rejected, stats.records_skipped), (5, 0, 1));
    let b = sink.concat(Table::DnsEvents);
    assert_eq!(strings(&b, "message_type"), ["query-error", "query-error", "query-error", "query-denied", "query-denied"]);
    assert_eq!(strings(&b, "rcode"), ["SERVFAIL", "SERVFAIL", "REFUSED", "REFUSED", "REFUSED"]);
    assert_eq!(strings(&b, "error")[..3], ["timed out".to_string(), "SERVFAIL".to_string(), "REFUSED".to_string()]);
    assert_eq!(strings(&b, "qtype")[4], "AXFR");
}

#[test]
fn unbound_queries_and_replies() {
    let log = fixture("own_unbound.log");
    assert!(looks_like_resolver_log(&log));
    let (sink, stats) = read(&log, None);
    assert_eq!((stats.records_ok, stats.records_rejected, stats.records_skipped), (6, 2, 2));
    let b = sink.concat(Table::DnsEvents);
    assert_eq!(strings(&b, "message_type"), ["query-log", "response-log", "response-log", "query-log", "response-log", "response-log"]);
    assert_eq!(strings(&b, "rcode"), ["-", "NOERROR", "NXDOMAIN", "-", "SERVFAIL", "FORMERR"]);
    let ts = b.column_by_name("ts").unwrap().as_primitive::<arrow_array::types::TimestampMicrosecondType>();
    let rts = b.column_by_name("response_ts").unwrap().as_primitive::<arrow_array::types::TimestampMicrosecondType>();
    // The reply line is written when the reply leaves: the query came SECONDS earlier.
    assert_eq!((ts.value(1), rts.value(1)), (1_795_924_800_987_500, 1_795_924_801_000_000));
    assert_eq!(read(&log, Some(2026)).1.records_ok, 7);
}

#[test]
fn sniffing_needs_a_dns_event_line() {
    assert!(!looks_like_resolver_log(b"29-Nov-2026 04:00:00.000 starting BIND 9.18\n"));
    assert!(!looks_like_resolver_log(b"#separator \\x09\n#path\tdns\n"));
    assert!(!looks_like_resolver_log(b"2026-11-29T04:02:10Z\t1795924930.724\twww.target.test\tA\tNOERROR\t66\t198.18.10.10\n"));
    assert!(!looks_like_resolver_log(&[0u8, 1, 2, 3]));
}

fn check(bytes: &[u8]) {
    let (sink, stats) = read(bytes, Some(2026));
    assert_eq!(sink.rejects.len() as u64, stats.records_rejected);
    assert_eq!(sink.rows(Table::DnsEvents) as u64, stats.records_ok);
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check(&bytes);
    }

    #[test]
    fn arbitrary_lines_after_a_prefix_never_panic(msg in "[ -~]{0,120}", prefix in prop::sample::select(vec!["", "2026-11-29T04:00:01.000Z queries: info: client ", "<30>Nov 29 04:00:05 ns1 named[1]: client @0x1 ", "[1795924801] unbound[1:0] reply: ", "[1795924801] unbound[1:0] info: ", "29-Nov-2026 04:00:03.000 client 1.2.3.4#5: query failed ("])) {
        check(format!("{prefix}{msg}\n").as_bytes());
    }

    #[test]
    fn mutated_logs_never_panic(edits in proptest::collection::vec((any::<prop::sample::Index>(), prop::sample::select(b" \n#:@()/'-.[]<>0123456789ATZ\xff".to_vec())), 1..12), which in 0usize..3) {
        let mut log = fixture(["own_bind_query.log", "own_bind_query_errors.log", "own_unbound.log"][which]);
        for (at, b) in edits {
            let i = at.index(log.len());
            log[i] = b;
        }
        check(&log);
    }
}
