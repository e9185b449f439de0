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

/// bgpkit reports some failures on bytes it did read (an IPv6 address that does not parse) as
/// I/O errors; the reader took them for a broken stream and stopped, leaving the rest of the
/// file unread and unreported (the 14 bytes of a last record here). Only a failure of the
/// stream itself stops the reader now; after a parse failure it resynchronises and goes on.
#[test]
fn regression_mrt_parse_error_taken_for_a_broken_stream() {
    let c = replay(&lightsout_formats::mrt::Mrt, "mrt-unread-tail.bin");
    assert_eq!(c.stats.stopped, None);
    let last = c.sink.rejects.last().unwrap();
    assert_eq!((last.offset, last.end_offset), (7681, Some(7695)), "{last:?}");
    assert!(c.sink.rejects.iter().any(|r| r.offset == 7493 && r.reason.contains("Cannot parse IPv6 address")));
}

/// After a recovery scan that found no boundary, reading starts a new pass of bgpkit's
/// iterator, whose offsets count from the start of that pass: the rejects of a second pass
/// carried offsets near 0 (here the last record's reject said 0..14 instead of 7681..7695).
#[test]
fn regression_mrt_offsets_after_a_failed_recovery_scan() {
    let c = replay(&lightsout_formats::mrt::Mrt, "mrt-unread-tail.bin");
    let offsets: Vec<u64> = c.sink.rejects.iter().map(|r| r.offset).collect();
    assert!(offsets.windows(2).all(|w| w[0] <= w[1]), "{offsets:?}");
    assert!(offsets.iter().all(|&o| o >= 620), "{offsets:?}");
}

/// A dnstap frame with several damaged fields (addresses, ports) wrote one `partial:` reject
/// per field and counted each as a partial record. Now one reject names them all.
#[test]
fn regression_dnstap_partial_counted_per_field() {
    for name in ["dnstap-partial-counted-per-field.bin", "dnstap_message-partial-counted-per-field.bin"] {
        let c = replay(&lightsout_formats::dnstap::Dnstap, name);
        let partial: Vec<&Reject> = c.sink.rejects.iter().filter(|r| r.reason.starts_with("partial:")).collect();
        assert!(!partial.is_empty(), "{name}");
        assert!(partial.iter().any(|r| r.reason.contains("; ")), "{name}: problems of one frame in one reject: {partial:?}");
    }
}

/// A JSON array of results cut off after a damaged element: the element was one reject (at
/// offset 4) and the unterminated array another, reported from the array's start (offset 0),
/// so the two ranges overlapped and went back in the stream. The array's reject now starts
/// where it broke off.
#[test]
fn regression_atlas_unterminated_array_rejected_from_its_start() {
    let c = replay(&lightsout_formats::atlas::Atlas, "atlas-unterminated-array-rejected-from-its-start.bin");
    let last = c.sink.rejects.last().unwrap();
    assert!(last.reason.starts_with("the stream ends inside an array of results"), "{last:?}");
    assert!(last.offset > 4, "{last:?}");
    assert_eq!(last.end_offset, Some(200));
}
