//! Regression tests for what the fuzz targets found, one per cause, named after it. The
//! offending bytes are in `fixtures/damaged/regressions/<target>-<cause>.bin` (the fuzz
//! corpora replay them on every run, see `fuzz/seed.sh`).

use lightsout_formats::accounting::{CheckOptions, Checked, read_checked};
use lightsout_formats::{Format, Reject};
use std::path::Path;

fn replay(format: &dyn Format, name: &str) -> Checked {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/damaged/regressions").join(name);
    let data = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    read_checked(format, &data, CheckOptions::default()).unwrap_or_else(|v| panic!("{name}: {v}"))
}

fn reasons(rejects: &[Reject]) -> Vec<&str> {
    rejects.iter().map(|r| r.reason.as_str()).collect()
}

/// An MRT UPDATE with several kinds of damage (malformed attributes and NLRI) wrote one
/// `partial:` reject per problem and counted each as a partial record, so a file could have
/// more partial records than records read, and a damaged record that kept no prefix counted as
/// skipped. Now a record's problems make one reject: `partial:` when it kept rows, a plain
/// reject when it kept none.
#[test]
fn regression_mrt_partial_counted_per_problem() {
    let c = replay(&lightsout_formats::mrt::Mrt, "mrt-partial-counted-per-problem.bin");
    assert!(c.stats.records_partial > 0, "{:?}", reasons(&c.sink.rejects));
    let mut partial_offsets: Vec<u64> = c.sink.rejects.iter().filter(|r| r.reason.starts_with("partial:")).map(|r| r.offset).collect();
    let n = partial_offsets.len();
    partial_offsets.dedup();
    assert_eq!(partial_offsets.len(), n, "one partial reject per record: {:?}", reasons(&c.sink.rejects));
}

/// One TCP segment completed two DNS messages that both failed to decode (zero-length
/// messages): two records, two rejects with the same offset and reason, indistinguishable in
/// `ingest_rejects`. The reason now says which message of the segment it is.
#[test]
fn regression_pcap_tcp_segment_with_two_empty_messages() {
    let c = replay(&lightsout_formats::pcap::Pcap, "pcap-tcp-segment-with-two-empty-messages.bin");
    let r = reasons(&c.sink.rejects);
    assert!(r.iter().any(|r| r.starts_with("DNS payload (TCP message 1 of ")), "{r:?}");
    assert!(r.iter().any(|r| r.starts_with("DNS payload (TCP message 2 of ")), "{r:?}");
}
