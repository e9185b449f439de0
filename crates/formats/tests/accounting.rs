//! The accounting invariant as property tests: for every format and any damage of its
//! fixtures (cuts, bit flips, inserted, deleted and repeated bytes), records framed = records
//! ok + rejected + skipped, every reject is counted once and nothing is written twice
//! (`lightsout_formats::accounting` checks the details). Where the number of records can be
//! known without the reader (lines of a log, headers of an MRT file whose bodies are damaged)
//! the count is checked against it. Also: every fixture read by every format.

use lightsout_formats::accounting::{CheckOptions, read_checked};
use lightsout_formats::{Format, registry};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn fixture_files() -> Vec<PathBuf> {
    fn walk(d: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(d).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if !matches!(p.extension().and_then(|e| e.to_str()), Some("md" | "sh")) {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures"), &mut out);
    out
}

/// The decompressed bytes of a fixture, up to where its stream breaks (damaged fixtures) and at
/// most 1 MiB (the decompression bomb).
fn decompressed(p: &Path) -> Vec<u8> {
    use std::io::Read;
    let raw = std::fs::read(p).unwrap();
    let c = lightsout_formats::Compression::sniff(&raw);
    let mut out = Vec::new();
    if let Ok(d) = c.decoder(Box::new(std::io::Cursor::new(raw))) {
        let _ = d.take(1 << 20).read_to_end(&mut out);
    }
    out
}

#[test]
fn every_fixture_read_by_every_format_keeps_the_contract() {
    let mut failures = Vec::new();
    for p in fixture_files() {
        let data = decompressed(&p);
        for f in registry::formats() {
            if let Err(v) = read_checked(*f, &data, CheckOptions::default()) {
                failures.push(format!("{}: {v}", p.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A fixture's bytes, decompressed.
fn fixture(rel: &str) -> Vec<u8> {
    decompressed(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures").join(rel))
}

/// One kind of damage, applied at positions given as fractions of the length.
#[derive(Debug, Clone)]
enum Damage {
    /// Cut the stream at this point.
    Truncate(f64),
    /// Flip one bit of the byte at this point.
    Flip(f64, u8),
    /// Insert these bytes at this point.
    Insert(f64, Vec<u8>),
    /// Delete up to n bytes from this point.
    Delete(f64, usize),
    /// Repeat up to n bytes from this point right after themselves.
    Repeat(f64, usize),
}

fn at(len: usize, f: f64) -> usize {
    ((len as f64) * f) as usize
}

fn apply(data: &[u8], damage: &[Damage]) -> Vec<u8> {
    let mut d = data.to_vec();
    for x in damage {
        let len = d.len();
        match x {
            Damage::Truncate(f) => d.truncate(at(len, *f)),
            Damage::Flip(f, bit) if len > 0 => {
                let i = at(len, *f).min(len - 1);
                d[i] ^= 1 << (bit % 8);
            }
            Damage::Flip(..) => {}
            Damage::Insert(f, bytes) => {
                let i = at(len, *f);
                d.splice(i..i, bytes.iter().copied());
            }
            Damage::Delete(f, n) => {
                let i = at(len, *f);
                d.drain(i..(i + n).min(len));
            }
            Damage::Repeat(f, n) => {
                let i = at(len, *f);
                let piece = d[i..(i + n).min(len)].to_vec();
                d.splice(i..i, piece);
            }
        }
    }
    d
}

fn damage() -> impl Strategy<Value = Vec<Damage>> {
    let frac = 0.0f64..1.0;
    let one = prop_oneof![
        frac.clone().prop_map(Damage::Truncate),
        (frac.clone(), any::<u8>()).prop_map(|(f, b)| Damage::Flip(f, b)),
        (frac.clone(), proptest::collection::vec(any::<u8>(), 1..64)).prop_map(|(f, b)| Damage::Insert(f, b)),
        (frac.clone(), 1usize..200).prop_map(|(f, n)| Damage::Delete(f, n)),
        (frac, 1usize..200).prop_map(|(f, n)| Damage::Repeat(f, n)),
    ];
    proptest::collection::vec(one, 1..5)
}

/// Every format with a few of its fixtures (small ones: each case reads them twice).
fn samples() -> Vec<(&'static dyn Format, Vec<u8>)> {
    let f = |name: &str| registry::by_name(name).unwrap();
    [
        ("mrt", "mrt/mrtparse_bird-mrtdump_bgp"),
        ("mrt", "mrt/mrtparse_quagga_rib"),
        ("mrt", "mrt/ryu_rib.20161101.0000_pick.bz2"),
        ("mrt", "mrt/mrtparse_openbgpd_rib_table"),
        ("warts", "traceroute/dioptra_warts_trace_google_dns_v4_default.warts"),
        ("warts", "traceroute/dioptra_warts_ping_google_dns_v6_default.warts"),
        ("atlas", "traceroute/atlas_array.json"),
        ("atlas", "traceroute/atlas_variants.jsonl"),
        ("scamper_json", "traceroute/warts_expected/dioptra_warts_trace_google_dns_v4_default.sc_warts2json-20211212.json"),
        ("tracetext", "traceroute/jc_generic_traceroute1.txt"),
        ("tracetext", "traceroute/jc_centos-7.7_tracepath.txt"),
        ("dnstap", "dns/own_all_types.dnstap"),
        ("dnstap", "dns/fstrm_test_hello.fstrm"),
        ("pcap", "dns/dnscollector_dnsdump_udp+tcp.pcap"),
        ("pcap", "dns/dnscollector_dnsdump_udp.pcapng"),
        ("pcap", "dns/dnscollector_dnsdump_ip4_fragmented+udp.pcap"),
        ("zeek", "dns/own_zeek_dns.log"),
        ("zeek", "dns/own_zeek_dns.json"),
        ("resolver_log", "dns/own_bind_query.log"),
        ("resolver_log", "dns/own_unbound.log"),
    ]
    .into_iter()
    .map(|(n, p)| (f(n), fixture(p)))
    .collect()
}

/// Lines of a stream as the line readers count them (a last line without its break counts).
fn lines(data: &[u8]) -> u64 {
    let n = data.iter().filter(|&&b| b == b'\n').count() as u64;
    n + u64::from(!data.is_empty() && !data.ends_with(b"\n"))
}

/// Offsets of the record headers of a well-formed MRT stream.
fn mrt_headers(data: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 12 <= data.len() {
        out.push(at);
        let len = u32::from_be_bytes([data[at + 8], data[at + 9], data[at + 10], data[at + 11]]) as usize;
        at += 12 + len;
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// For every format and any damage of its fixtures: records framed = ok + rejected +
    /// skipped, every reject counted once, nothing written twice (see `accounting`).
    #[test]
    fn random_damage_keeps_the_accounting_of_every_format(damage in damage(), small_buffer in any::<bool>()) {
        let opts = CheckOptions { input_buffer: if small_buffer { 64 } else { 1 << 16 }, ..CheckOptions::default() };
        for (format, data) in samples() {
            let damaged = apply(&data, &damage);
            if let Err(v) = read_checked(format, &damaged, opts) {
                prop_assert!(false, "{v} after {damage:?}");
            }
        }
    }

    /// Line formats: whatever the damage to the bytes between line breaks, every line is one
    /// record (counted independently of the reader).
    #[test]
    fn damaged_logs_keep_one_record_per_line(edits in proptest::collection::vec((0.0f64..1.0, any::<u8>()), 1..16)) {
        for (name, rel) in [("zeek", "dns/own_zeek_dns.log"), ("zeek", "dns/own_zeek_dns.json"), ("resolver_log", "dns/own_bind_query.log"), ("resolver_log", "dns/own_unbound.log")] {
            let mut data = fixture(rel);
            for (f, b) in &edits {
                let i = at(data.len(), *f).min(data.len() - 1);
                if data[i] != b'\n' && *b != b'\n' {
                    data[i] = *b;
                }
            }
            let c = read_checked(registry::by_name(name).unwrap(), &data, CheckOptions::default());
            let c = c.map_err(|v| TestCaseError::fail(v.to_string()))?;
            prop_assert_eq!(c.stats.records_framed, lines(&data), "{}", rel);
        }
    }

    /// MRT: damage inside record bodies (the 12-byte headers left intact) never loses a
    /// record unaccounted: each record is framed on its own (ok, skipped or rejected), or lies
    /// inside the byte range of a reject (bgpkit confirms a boundary after a damaged record by
    /// the three records after it, so a good record between two damaged ones is skipped with
    /// them, inside the reject's range).
    #[test]
    fn mrt_with_damaged_bodies_keeps_every_record(edits in proptest::collection::vec((0.0f64..1.0, any::<u8>()), 1..12)) {
        for rel in ["mrt/mrtparse_bird-mrtdump_bgp", "mrt/mrtparse_quagga_rib", "mrt/ryu_rib.20161101.0000_pick.bz2"] {
            let mut data = fixture(rel);
            let headers = mrt_headers(&data);
            for (f, b) in &edits {
                let i = at(data.len(), *f).min(data.len() - 1);
                if !headers.iter().any(|&h| i >= h && i < h + 12) {
                    data[i] = *b;
                }
            }
            let c = read_checked(&lightsout_formats::mrt::Mrt, &data, CheckOptions::default()).map_err(|v| TestCaseError::fail(v.to_string()))?;
            let swallowed = headers
                .iter()
                .filter(|&&h| c.sink.rejects.iter().any(|r| r.offset < h as u64 && r.end_offset.is_some_and(|e| h as u64 > r.offset && (h as u64) < e)))
                .count() as u64;
            prop_assert_eq!(c.stats.records_framed + swallowed, headers.len() as u64, "{}: {:?}", rel, c.sink.rejects);
        }
    }

    /// Every truncation of every sample keeps the contract (the end of a file is where most
    /// real damage is).
    #[test]
    fn every_cut_keeps_the_accounting(cut in 0.0f64..1.0) {
        for (format, data) in samples() {
            let n = at(data.len(), cut);
            if let Err(v) = read_checked(format, &data[..n], CheckOptions::default()) {
                prop_assert!(false, "{v} when cut at {n}");
            }
        }
    }
}

#[test]
fn a_broken_contract_is_caught() {
    // A format that writes one reject twice and counts a record it never framed: the check
    // must say so (the property tests above would otherwise prove nothing).
    struct Liar;
    impl Format for Liar {
        fn name(&self) -> &'static str {
            "liar"
        }
        fn description(&self) -> &'static str {
            "test"
        }
        fn tables(&self) -> &'static [lightsout_formats::Table] {
            &[]
        }
        fn sniff(&self, _: &[u8]) -> bool {
            false
        }
        fn read(
            &self,
            input: &mut lightsout_formats::Input<'_>,
            _: &lightsout_formats::FileContext,
            sink: &mut dyn lightsout_formats::Sink,
        ) -> Result<lightsout_formats::ReadStats, lightsout_formats::FormatError> {
            let _ = input.drain();
            let r = lightsout_formats::Reject::binary(0, "bad", b"x");
            sink.reject(r.clone())?;
            sink.reject(r)?;
            Ok(lightsout_formats::ReadStats { records_rejected: 2, records_framed: 2, ..Default::default() })
        }
    }
    let v = read_checked(&Liar, b"abc", CheckOptions::default()).unwrap_err();
    assert!(v.what.contains("written twice"), "{v}");
    struct Miscount;
    impl Format for Miscount {
        fn name(&self) -> &'static str {
            "miscount"
        }
        fn description(&self) -> &'static str {
            "test"
        }
        fn tables(&self) -> &'static [lightsout_formats::Table] {
            &[]
        }
        fn sniff(&self, _: &[u8]) -> bool {
            false
        }
        fn read(
            &self,
            input: &mut lightsout_formats::Input<'_>,
            _: &lightsout_formats::FileContext,
            _: &mut dyn lightsout_formats::Sink,
        ) -> Result<lightsout_formats::ReadStats, lightsout_formats::FormatError> {
            let _ = input.drain();
            Ok(lightsout_formats::ReadStats { records_skipped: 1, records_framed: 2, ..Default::default() })
        }
    }
    let v = read_checked(&Miscount, b"abc", CheckOptions::default()).unwrap_err();
    assert!(v.what.contains("2 records framed, but 0 ok + 0 rejected + 1 skipped"), "{v}");
}
