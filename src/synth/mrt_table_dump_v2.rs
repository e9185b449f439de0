//! TABLE_DUMP_V2 records (RFC 6396 §4.3): what RIB dumps hold.
//!
//! In: the collector's peers, and per prefix the routes held (peer index, time received,
//! attribute block from [`super::bgp_update::rib_attributes`]). Out: PEER_INDEX_TABLE (13/1),
//! RIB_IPV4_UNICAST (13/2) and RIB_IPV6_UNICAST (13/4) records appended to a buffer.

use super::bgp_update::put_prefix;
use super::mrt_header::{TYPE_TABLE_DUMP_V2, put_ip, record};
use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr};

pub const SUB_PEER_INDEX_TABLE: u16 = 1;
pub const SUB_RIB_IPV4_UNICAST: u16 = 2;
pub const SUB_RIB_IPV6_UNICAST: u16 = 4;

/// One peer of a PEER_INDEX_TABLE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexedPeer {
    pub bgp_id: Ipv4Addr,
    pub addr: IpAddr,
    pub asn: u32,
}

/// A TABLE_DUMP_V2 PEER_INDEX_TABLE; entries refer to peers by their position here. Every
/// peer is written with a four-octet AS number (peer type bit 1), as RIS does.
pub fn peer_index_table(out: &mut Vec<u8>, ts: u32, collector_id: Ipv4Addr, view: &str, peers: &[IndexedPeer]) {
    let mut b = Vec::with_capacity(16 + 24 * peers.len());
    b.extend(collector_id.octets());
    b.extend((view.len() as u16).to_be_bytes());
    b.extend(view.as_bytes());
    b.extend((peers.len() as u16).to_be_bytes());
    for p in peers {
        b.push(0x02 | u8::from(p.addr.is_ipv6()));
        b.extend(p.bgp_id.octets());
        put_ip(&mut b, &p.addr);
        b.extend(p.asn.to_be_bytes());
    }
    record(out, ts, TYPE_TABLE_DUMP_V2, SUB_PEER_INDEX_TABLE, &b);
}

/// One route of a RIB record: who holds it, since when, with which attributes (from
/// [`super::bgp_update::rib_attributes`]).
#[derive(Debug, Clone, Copy)]
pub struct RibEntry<'a> {
    pub peer_index: u16,
    pub originated: u32,
    pub attributes: &'a [u8],
}

/// A RIB_IPV4_UNICAST or RIB_IPV6_UNICAST record (chosen by the prefix's family).
pub fn rib_record(out: &mut Vec<u8>, ts: u32, sequence: u32, prefix: &IpNet, entries: &[RibEntry<'_>]) {
    let mut b = Vec::with_capacity(16 + entries.iter().map(|e| 8 + e.attributes.len()).sum::<usize>());
    b.extend(sequence.to_be_bytes());
    put_prefix(&mut b, prefix);
    b.extend((entries.len() as u16).to_be_bytes());
    for e in entries {
        b.extend(e.peer_index.to_be_bytes());
        b.extend(e.originated.to_be_bytes());
        b.extend((e.attributes.len() as u16).to_be_bytes());
        b.extend(e.attributes);
    }
    let sub = if prefix.addr().is_ipv4() { SUB_RIB_IPV4_UNICAST } else { SUB_RIB_IPV6_UNICAST };
    record(out, ts, TYPE_TABLE_DUMP_V2, sub, &b);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::bgp_update::{ORIGIN_IGP, Route, rib_attributes};
    use crate::synth::mrt_header::read_back::elems;

    fn route(next_hop: &str) -> Route {
        Route {
            origin: ORIGIN_IGP,
            path: vec![4_200_000_604, 65001, 65101, 64500, 64500],
            next_hop: next_hop.parse().unwrap(),
            med: Some(42),
            communities: vec![(64601 << 16) | 100],
        }
    }

    #[test]
    fn rib_dump_reads_back_with_peers_from_the_index_table() {
        let peers = [
            IndexedPeer { bgp_id: "203.0.113.14".parse().unwrap(), addr: "203.0.113.14".parse().unwrap(), asn: 4_200_000_604 },
            IndexedPeer { bgp_id: "203.0.113.11".parse().unwrap(), addr: "2001:db8:ffff::11".parse().unwrap(), asn: 64601 },
        ];
        let mut buf = Vec::new();
        peer_index_table(&mut buf, 1_795_000_000, "203.0.113.254".parse().unwrap(), "", &peers);
        let a4 = rib_attributes(&route("203.0.113.14"));
        let a6 = rib_attributes(&route("2001:db8:ffff::11"));
        let p4: IpNet = "198.18.132.0/23".parse().unwrap();
        let p6: IpNet = "2001:db8:4500::/48".parse().unwrap();
        rib_record(&mut buf, 1_795_000_000, 0, &p4, &[RibEntry { peer_index: 0, originated: 1_794_000_000, attributes: &a4 }]);
        rib_record(&mut buf, 1_795_000_000, 1, &p6, &[RibEntry { peer_index: 1, originated: 1_794_000_001, attributes: &a6 }]);
        let e = elems(&buf);
        assert_eq!(e.len(), 2);
        assert_eq!((e[0].prefix.to_string(), e[0].peer_ip, e[0].peer_asn.to_u32()), (p4.to_string(), peers[0].addr, peers[0].asn));
        assert_eq!((e[1].prefix.to_string(), e[1].peer_ip, e[1].peer_asn.to_u32()), (p6.to_string(), peers[1].addr, peers[1].asn));
        assert_eq!(e[1].next_hop, Some("2001:db8:ffff::11".parse().unwrap()));
        assert_eq!(e[0].as_path.as_ref().unwrap().to_string(), "4200000604 65001 65101 64500 64500");
        assert_eq!(e[0].timestamp, 1_794_000_000.0);
    }
}
