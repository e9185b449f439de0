//! Packet-capture reader tests on synthesized captures (every link type, IPv4/IPv6 fragments,
//! TCP streams, mDNS, damage) and a property test over arbitrary and mutated captures.

use super::capture::tests::{pcap_file, pcapng_file};
use super::packet::tests::udp4;
use super::reader::read_pcap_counted;
use crate::compress::Input;
use crate::dns::wire::tests::message;
use crate::format::{FileContext, MemorySink, ReadStats};
use crate::table::Table;
use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use proptest::prelude::*;

const T: i64 = 1_700_000_000_000_000;

fn read(bytes: &[u8]) -> (MemorySink, ReadStats, u64) {
    let mut input = Input::from_bytes(bytes);
    let mut sink = MemorySink::default();
    let (stats, framed) = read_pcap_counted(&mut input, &FileContext::new("0123456789abcdef", "t"), &mut sink).unwrap();
    assert_eq!(stats.records_ok + stats.records_rejected + stats.records_skipped, framed, "{stats:?} {:?}", sink.rejects);
    (sink, stats, framed)
}

fn strings(b: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let a = b.column_by_name(name).unwrap().as_string::<i32>();
    (0..a.len()).map(|i| a.is_valid(i).then(|| a.value(i).to_string())).collect()
}

fn summary(sink: &MemorySink) -> Vec<String> {
    let b = sink.concat(Table::DnsEvents);
    (0..b.num_rows())
        .map(|i| {
            let s = |n: &str| strings(&b, n)[i].clone().unwrap_or_else(|| "-".into());
            format!(
                "{} {} {}:{} {} {} {}",
                s("message_type"),
                s("proto"),
                s("client_addr"),
                b.column_by_name("client_port").unwrap().as_primitive::<arrow_array::types::UInt16Type>().value(i),
                s("qname"),
                s("rcode"),
                s("source_format")
            )
        })
        .collect()
}

/// An IPv4 header (no options) for `payload_len` bytes of `proto`.
fn ipv4_header(src: [u8; 4], dst: [u8; 4], proto: u8, payload_len: usize, id: u16, frag_off: u16, more: bool) -> Vec<u8> {
    let mut h = vec![0x45, 0];
    h.extend(((20 + payload_len) as u16).to_be_bytes());
    h.extend(id.to_be_bytes());
    h.extend(((frag_off / 8) | if more { 0x2000 } else { 0 }).to_be_bytes());
    h.extend([64, proto, 0, 0]);
    h.extend(src);
    h.extend(dst);
    h
}

fn udp_datagram(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut u = sport.to_be_bytes().to_vec();
    u.extend(dport.to_be_bytes());
    u.extend(((8 + payload.len()) as u16).to_be_bytes());
    u.extend([0, 0]);
    u.extend(payload);
    u
}

fn tcp_segment(sport: u16, dport: u16, seq: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    let mut t = sport.to_be_bytes().to_vec();
    t.extend(dport.to_be_bytes());
    t.extend(seq.to_be_bytes());
    t.extend(0u32.to_be_bytes());
    t.extend([0x50, flags]);
    t.extend(65535u16.to_be_bytes());
    t.extend([0, 0, 0, 0]);
    t.extend(payload);
    t
}

fn eth(ip: Vec<u8>) -> Vec<u8> {
    let mut f = vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    f.extend(if ip[0] >> 4 == 6 { [0x86, 0xdd] } else { [0x08, 0x00] });
    f.extend(ip);
    f
}

fn v4(src: [u8; 4], dst: [u8; 4], proto: u8, l4: Vec<u8>) -> Vec<u8> {
    let mut p = ipv4_header(src, dst, proto, l4.len(), 1, 0, false);
    p.extend(l4);
    p
}

const C: [u8; 4] = [192, 0, 2, 10];
const S: [u8; 4] = [192, 0, 2, 53];

/// A capture with UDP and TCP DNS, fragments, mDNS and damage (used by several tests).
pub(crate) fn sample_capture() -> Vec<u8> {
    pcap_file(1, &sample_packets())
}

/// The Ethernet packets of [`sample_capture`].
fn sample_packets() -> Vec<(i64, Vec<u8>)> {
    let q = message(0x1111, false, 0, "a.example", 1, 0);
    let r = message(0x1111, true, 0, "a.example", 1, 1);
    let mut packets = vec![(T, udp4(C, S, 40000, 53, &q)), (T + 1500, udp4(S, C, 53, 40000, &r))];
    // An unanswered query, and mDNS that is skipped.
    packets.push((T + 2000, udp4(C, S, 40001, 53, &message(0x2222, false, 0, "lost.example", 28, 0))));
    packets.push((T + 2500, udp4(C, [224, 0, 0, 251], 5353, 5353, &message(0, false, 0, "printer.local", 12, 0))));
    // A response split into two IPv4 fragments, second fragment first.
    let big = message(0x3333, true, 3, "frag.example", 16, 0);
    packets.push((T + 2900, udp4(C, S, 40002, 53, &message(0x3333, false, 0, "frag.example", 16, 0))));
    let dgram = udp_datagram(53, 40002, &big);
    let (a, b) = dgram.split_at(16);
    let mut f2 = ipv4_header(S, C, 17, b.len(), 77, 16, false);
    f2.extend(b);
    let mut f1 = ipv4_header(S, C, 17, a.len(), 77, 0, true);
    f1.extend(a);
    packets.push((T + 3000, eth(f2)));
    packets.push((T + 3001, eth(f1)));
    // DNS over TCP: SYN, query split in two segments, two responses in one segment, FIN.
    let tq = message(0x4444, false, 0, "tcp.example", 1, 0);
    let mut qstream = (tq.len() as u16).to_be_bytes().to_vec();
    qstream.extend(&tq);
    let mut rstream = Vec::new();
    for m in [message(0x4444, true, 0, "tcp.example", 1, 2), message(0x4445, true, 2, "other.example", 1, 0)] {
        rstream.extend((m.len() as u16).to_be_bytes());
        rstream.extend(m);
    }
    packets.push((T + 4000, eth(v4(C, S, 6, tcp_segment(40100, 53, 999, 0x02, &[])))));
    packets.push((T + 4001, eth(v4(C, S, 6, tcp_segment(40100, 53, 1000, 0x18, &qstream[..5])))));
    packets.push((T + 4002, eth(v4(C, S, 6, tcp_segment(40100, 53, 1005, 0x18, &qstream[5..])))));
    packets.push((T + 4010, eth(v4(S, C, 6, tcp_segment(53, 40100, 5000, 0x12, &[])))));
    packets.push((T + 4020, eth(v4(S, C, 6, tcp_segment(53, 40100, 5001, 0x18, &rstream)))));
    packets.push((T + 4030, eth(v4(C, S, 6, tcp_segment(40100, 53, 1000 + qstream.len() as u32, 0x11, &[])))));
    // A malformed DNS payload on port 53.
    packets.push((T + 5000, udp4(C, S, 40003, 53, &[0xde, 0xad, 0xbe, 0xef])));
    // ARP.
    let mut arp = vec![0xff; 12];
    arp.extend([0x08, 0x06]);
    arp.extend([0; 28]);
    packets.push((T + 6000, arp));
    packets
}

#[test]
fn pairs_udp_tcp_and_fragments_and_skips_mdns() {
    let (sink, stats, framed) = read(&sample_capture());
    assert_eq!(framed, 1 + 15 + 1 + 3, "header, packets, reassembled datagram, TCP messages");
    assert_eq!((stats.records_ok, stats.records_rejected, stats.records_skipped, stats.records_partial), (8, 1, 11, 0));
    assert_eq!(
        summary(&sink),
        vec![
            "query-response udp 192.0.2.10:40000 a.example NOERROR pcap",
            "query-response udp 192.0.2.10:40002 frag.example NXDOMAIN pcap",
            "query-response tcp 192.0.2.10:40100 tcp.example NOERROR pcap",
            "query-only udp 192.0.2.10:40001 lost.example - pcap",
            "response-only tcp 192.0.2.10:40100 other.example SERVFAIL pcap",
        ]
    );
    let b = sink.concat(Table::DnsEvents);
    let lat = b.column_by_name("latency_ms").unwrap().as_primitive::<arrow_array::types::Float64Type>();
    assert_eq!(lat.value(0), 1.5);
    assert_eq!(sink.rejects.len(), 1);
    assert!(sink.rejects[0].reason.starts_with("DNS payload: DNS message of 4 bytes"), "{:?}", sink.rejects);
    assert_eq!(sink.rejects[0].excerpt, "deadbeef");
}

#[test]
fn pcapng_sll_raw_and_ipv6_fragments() {
    let q = message(7, false, 0, "v6.example", 28, 0);
    let r = message(7, true, 0, "v6.example", 28, 1);
    let c6: std::net::Ipv6Addr = "2001:db8::10".parse().unwrap();
    let s6: std::net::Ipv6Addr = "2001:db8::53".parse().unwrap();
    let v6 = |src: std::net::Ipv6Addr, dst: std::net::Ipv6Addr, next: u8, payload: &[u8]| {
        let mut h = vec![0x60, 0, 0, 0];
        h.extend((payload.len() as u16).to_be_bytes());
        h.extend([next, 64]);
        h.extend(src.octets());
        h.extend(dst.octets());
        h.extend(payload);
        h
    };
    let query = v6(c6, s6, 17, &udp_datagram(41000, 53, &q));
    // The response in two IPv6 fragments.
    let dgram = udp_datagram(53, 41000, &r);
    let frag = |off: u16, more: bool, part: &[u8]| {
        let mut f = vec![17, 0];
        f.extend((off | u16::from(more)).to_be_bytes());
        f.extend(0xabcdu32.to_be_bytes());
        f.extend(part);
        v6(s6, c6, 44, &f)
    };
    let one = frag(0, true, &dgram[..24]);
    let two = frag(24, false, &dgram[24..]);
    // Linux cooked v1 around the query, raw IP for the fragments, in a pcapng.
    let mut sll = vec![0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x86, 0xdd];
    sll.extend(&query);
    let f = pcapng_file(113, &[(T, sll)]);
    let (sink, stats, _) = read(&f);
    assert_eq!((stats.records_ok, summary(&sink)), (1, vec!["query-only udp 2001:db8::10:41000 v6.example - pcapng".to_string()]));
    let f = pcap_file(101, &[(T, query.clone()), (T + 10, two), (T + 20, one)]);
    let (sink, stats, _) = read(&f);
    assert_eq!(stats.records_ok, 2);
    assert_eq!(summary(&sink), vec!["query-response udp 2001:db8::10:41000 v6.example NOERROR pcap"]);
    // Linux cooked v2 and NULL loopback.
    let mut sll2 = vec![0x86, 0xdd, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0];
    sll2.extend(&query);
    let mut null = 24u32.to_le_bytes().to_vec();
    null.extend(&query);
    assert_eq!(read(&pcap_file(276, &[(T, sll2)])).1.records_ok, 1);
    assert_eq!(read(&pcap_file(0, &[(T, null)])).1.records_ok, 1);
}

#[test]
fn damage_and_unsupported_links_are_rejects() {
    // Unsupported link type: one reject for the header, packets skipped.
    let (sink, stats, _) = read(&pcap_file(147, &[(T, vec![1, 2, 3])]));
    assert_eq!((stats.records_rejected, stats.records_skipped), (1, 1));
    assert!(sink.rejects[0].reason.starts_with("link type 147 is not supported"));
    // A capture cut inside a packet.
    let mut f = sample_capture();
    let total = f.len();
    f.truncate(total - 10);
    let (sink, stats, _) = read(&f);
    assert!(stats.stopped.is_some());
    let last = sink.rejects.last().unwrap();
    assert!(last.reason.starts_with("truncated packet record"), "{last:?}");
    assert_eq!(last.end_offset, Some(f.len() as u64));
    // A TCP stream cut inside a message: the pending bytes are one reject.
    let tq = message(0x5555, false, 0, "cut.example", 1, 0);
    let mut s = (tq.len() as u16).to_be_bytes().to_vec();
    s.extend(&tq[..10]);
    let (sink, stats, _) = read(&pcap_file(1, &[(T, eth(v4(C, S, 6, tcp_segment(40200, 53, 1, 0x18, &s))))]));
    assert_eq!((stats.records_ok, stats.records_rejected, stats.records_skipped), (0, 1, 2));
    assert!(sink.rejects[0].reason.starts_with("capture ended with 12 bytes"), "{:?}", sink.rejects);
    assert_eq!(sink.rejects[0].offset, 24);
}

fn check(bytes: &[u8]) {
    let (sink, stats, _) = read(bytes);
    assert_eq!(sink.rejects.len() as u64, stats.records_rejected + stats.records_partial);
    assert!(sink.rows(Table::DnsEvents) as u64 <= stats.records_ok);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), ng in any::<bool>()) {
        check(&bytes);
        // Behind a valid header, so that the bytes are read as records.
        let mut f = if ng { pcapng_file(1, &[]) } else { pcap_file(1, &[]) };
        f.extend(&bytes);
        check(&f);
    }

    #[test]
    fn mutated_captures_never_panic(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16), cut in any::<prop::sample::Index>(), ng in any::<bool>()) {
        let mut f = if ng { pcapng_file(1, &sample_packets()) } else { sample_capture() };
        for (at, b) in edits {
            let i = at.index(f.len());
            f[i] = b;
        }
        check(&f);
        let n = cut.index(f.len());
        check(&f[..n]);
    }

    #[test]
    fn random_packets_in_a_valid_capture_never_panic(packets in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..200), 0..20), lt in prop::sample::select(vec![0u32, 1, 101, 113, 276])) {
        let pk: Vec<(i64, Vec<u8>)> = packets.into_iter().enumerate().map(|(i, p)| (T + i as i64, p)).collect();
        check(&pcap_file(lt, &pk));
    }
}
