//! Criterion benchmarks of the hot parsers, on the project's fixtures (decompressed in memory
//! first, so that only parsing and row building are timed).
//!
//! `cargo bench -p lightsout-formats --bench parsers`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lightsout_formats::{Compression, FileContext, Format, Input, MemorySink, registry};
use std::io::Read;
use std::path::Path;

fn load(rel: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures").join(rel);
    let raw = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mut out = Vec::new();
    Compression::sniff(&raw).decoder(Box::new(std::io::Cursor::new(raw))).unwrap().read_to_end(&mut out).unwrap();
    out
}

fn bench_format(c: &mut Criterion, name: &str, format: &str, rel: &str) {
    let data = load(rel);
    let f: &dyn Format = registry::by_name(format).unwrap();
    let ctx = FileContext::new("0000000000000000", "bench");
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function(format, |b| {
        b.iter(|| {
            let mut sink = MemorySink::default();
            let mut input = Input::from_bytes(&data);
            f.read(&mut input, &ctx, &mut sink).unwrap();
            sink.total_rows()
        })
    });
    g.finish();
}

fn parsers(c: &mut Criterion) {
    bench_format(c, "mrt_updates", "mrt", "mrt/ryu_updates.20161101.0000.bz2");
    bench_format(c, "mrt_legacy", "mrt", "mrt/ris_rrc15_updates.20100227.1610.gz");
    bench_format(c, "warts", "warts", "traceroute/pantrace_trace.warts");
    bench_format(c, "atlas", "atlas", "traceroute/atlas_variants.jsonl");
    bench_format(c, "dnstap", "dnstap", "dns/own_all_types.dnstap");
    bench_format(c, "pcap", "pcap", "dns/dnscollector_dnsdump_udp_truncated+tcp_fragmented.pcap");
    bench_format(c, "zeek", "zeek", "dns/own_zeek_dns.log");
}

criterion_group!(benches, parsers);
criterion_main!(benches);
