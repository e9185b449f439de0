//! Zeek reader tests on the project's own fixtures (TSV with concatenated logs, the same
//! events as JSON lines, gzip) and a property test over arbitrary and mutated logs.

use super::{looks_like_zeek_dns, read_zeek};
use crate::compress::{Compression, Input};
use crate::format::{FileContext, MemorySink, ReadStats};
use crate::table::Table;
use arrow_array::RecordBatch;
use proptest::prelude::*;

pub(crate) fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/dns").join(name)).unwrap()
}

fn read(bytes: &[u8]) -> (MemorySink, ReadStats) {
    let dec = Compression::sniff(bytes).decoder(Box::new(std::io::Cursor::new(bytes.to_vec()))).unwrap();
    let mut input = Input::new(dec);
    let mut sink = MemorySink::default();
    let stats = read_zeek(&mut input, &FileContext::new("0123456789abcdef", "t"), &mut sink).unwrap();
    (sink, stats)
}

/// Lines as the reader frames them.
pub(crate) fn line_count(bytes: &[u8]) -> u64 {
    let n = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    n + u64::from(!bytes.is_empty() && bytes.last() != Some(&b'\n'))
}

/// The batch without the columns that name the encoding or the position.
fn content(b: &RecordBatch) -> RecordBatch {
    let keep: Vec<usize> =
        (0..b.num_columns()).filter(|&i| !matches!(b.schema().field(i).name().as_str(), "source_format" | "record_offset")).collect();
    b.project(&keep).unwrap()
}

#[test]
fn tsv_json_and_gzip_give_the_same_events() {
    let tsv = fixture("own_zeek_dns.log");
    let json = fixture("own_zeek_dns.json");
    let gz = fixture("own_zeek_dns.log.gz");
    assert!(looks_like_zeek_dns(&tsv) && looks_like_zeek_dns(&json));
    let (st, s1) = read(&tsv);
    let (sj, s2) = read(&json);
    let (sg, s3) = read(&gz);
    assert_eq!((s1.records_ok, s1.records_rejected, s1.records_skipped), (7, 0, 28));
    assert_eq!(s1.records_ok + s1.records_skipped, line_count(&tsv));
    assert_eq!((s2.records_ok, s2.records_skipped), (7, 1));
    assert_eq!(s3, s1);
    let (bt, bj) = (st.concat(Table::DnsEvents), sj.concat(Table::DnsEvents));
    assert_eq!(content(&bt), content(&bj));
    assert_eq!(sg.concat(Table::DnsEvents), bt);
}

#[test]
fn damaged_lines_are_rejects_with_line_numbers() {
    let mut log = fixture("own_zeek_dns.log");
    log.extend(b"1795924999.0\tCX\t192.0.2.10\n"); // wrong number of values
    log.extend(b"1795924999.0\tCX\t192.0.2.999\t1\t192.0.2.53\t53\tudp\t1\t-\tq.test\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t-\t-\tF\t0\tquery\n");
    log.extend(b"{\"ts\":\"soon\"}\n");
    log.extend(b"XXXXXXXXXX.XXXXXX\tCX\t192.0.2.10\t1\t192.0.2.53\t53\tudp\t1\t-\tq.test\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t-\t-\tF\t0\tquery\n");
    let (sink, stats) = read(&log);
    assert_eq!((stats.records_ok, stats.records_rejected), (7, 4));
    let r: Vec<(Option<u64>, &str)> = sink.rejects.iter().map(|r| (r.line, r.reason.as_str())).collect();
    assert_eq!(r[0], (Some(36), "3 values for 26 #fields"));
    assert!(r[1].1.starts_with("id.orig_h: \"192.0.2.999\""), "{r:?}");
    assert!(r[2].1.starts_with("ts: \"soon\""));
    assert!(r[3].1.starts_with("ts: masked timestamp"));
    assert!(!looks_like_zeek_dns(b"#separator \\x09\n#path\tconn\n"));
    assert!(!looks_like_zeek_dns(b"{\"fw\": 4790, \"msm_id\": 5001}"));
}

fn check(bytes: &[u8]) {
    let (sink, stats) = read(bytes);
    assert_eq!(stats.records_ok + stats.records_rejected + stats.records_skipped, line_count(bytes), "{stats:?}");
    assert_eq!(sink.rejects.len() as u64, stats.records_rejected);
    assert_eq!(sink.rows(Table::DnsEvents) as u64, stats.records_ok);
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        // Not gzip: the reader sees these bytes as they are.
        prop_assume!(!bytes.starts_with(&[0x1f, 0x8b]) && !bytes.starts_with(b"BZh") && !bytes.starts_with(&[0xfd, b'7']) && !bytes.starts_with(&[0x28, 0xb5]));
        check(&bytes);
    }

    #[test]
    fn mutated_logs_never_panic(edits in proptest::collection::vec((any::<prop::sample::Index>(), prop::sample::select(b"\t\n,-#{}\":.\\x0XT(".to_vec())), 1..12), json in any::<bool>()) {
        let mut log = fixture(if json { "own_zeek_dns.json" } else { "own_zeek_dns.log" });
        for (at, b) in edits {
            let i = at.index(log.len());
            log[i] = b;
        }
        check(&log);
    }
}
