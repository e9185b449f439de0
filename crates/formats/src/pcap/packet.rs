//! From captured bytes to an IP payload: the link layer by hand, the IP layer with etherparse.
//!
//! In: a packet and its link type. Out: [`IpPacket`] (addresses, IP protocol number, payload,
//! and the fragment it is, if any), `None` for packets that are not IPv4/IPv6 (ARP, LLDP...),
//! or a reason when the link or IP header does not decode.
//!
//! Link types: NULL (0) and LOOP (108) with their 4-byte family, Ethernet (1) with any number
//! of 802.1Q/802.1ad VLAN tags, raw IP (12, 14, 101, 228, 229), Linux cooked capture v1 (113)
//! and v2 (276).

use etherparse::{IpSlice, Ipv6ExtensionSlice};
use std::net::IpAddr;

/// Where a fragment sits in its datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fragment {
    pub id: u32,
    /// Byte offset of this fragment's payload in the datagram's payload.
    pub offset: u16,
    pub more: bool,
}

/// An IP packet's addresses and payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpPacket<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// IP protocol number of the payload (17 UDP, 6 TCP).
    pub proto: u8,
    pub payload: &'a [u8],
    pub fragment: Option<Fragment>,
}

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;

fn be16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at + 2)?;
    Some(u16::from_be_bytes([s[0], s[1]]))
}

fn by_ethertype(et: u16, rest: &[u8]) -> Option<&[u8]> {
    matches!(et, ETHERTYPE_IPV4 | ETHERTYPE_IPV6).then_some(rest)
}

/// The IP bytes inside a link-layer frame, or `None` when the frame does not carry IP.
fn link_payload(linktype: i32, data: &[u8]) -> Result<Option<&[u8]>, String> {
    match linktype {
        0 | 108 => Ok(data.get(4..)),
        12 | 14 | 101 | 228 | 229 => Ok(Some(data)),
        1 => {
            let mut et = be16(data, 12).ok_or("Ethernet header cut short")?;
            let mut pos = 14;
            while matches!(et, 0x8100 | 0x88a8 | 0x9100) {
                et = be16(data, pos + 2).ok_or("VLAN tag cut short")?;
                pos += 4;
            }
            Ok(by_ethertype(et, data.get(pos..).unwrap_or(&[])))
        }
        113 => {
            let et = be16(data, 14).ok_or("Linux cooked header cut short")?;
            Ok(by_ethertype(et, data.get(16..).unwrap_or(&[])))
        }
        276 => {
            let et = be16(data, 0).ok_or("Linux cooked v2 header cut short")?;
            Ok(by_ethertype(et, data.get(20..).unwrap_or(&[])))
        }
        other => Err(format!("link type {other} is not supported")),
    }
}

/// Decodes a packet down to its IP payload.
pub fn decode(linktype: i32, data: &[u8]) -> Result<Option<IpPacket<'_>>, String> {
    let Some(ip) = link_payload(linktype, data)? else {
        return Ok(None);
    };
    if ip.is_empty() || !matches!(ip[0] >> 4, 4 | 6) {
        return Ok(None);
    }
    let slice = IpSlice::from_slice(ip).map_err(|e| format!("IP header: {e}"))?;
    let p = match &slice {
        IpSlice::Ipv4(v4) => {
            let h = v4.header();
            let payload = v4.payload();
            let fragment = payload.fragmented.then(|| Fragment {
                id: u32::from(h.identification()),
                offset: h.fragments_offset().byte_offset(),
                more: h.more_fragments(),
            });
            IpPacket {
                src: IpAddr::V4(h.source_addr()),
                dst: IpAddr::V4(h.destination_addr()),
                proto: payload.ip_number.0,
                payload: payload.payload,
                fragment,
            }
        }
        IpSlice::Ipv6(v6) => {
            let h = v6.header();
            let payload = v6.payload();
            let mut fragment = None;
            if payload.fragmented {
                for ext in v6.extensions().clone() {
                    if let Ipv6ExtensionSlice::Fragment(f) = ext {
                        fragment =
                            Some(Fragment { id: f.identification(), offset: f.fragment_offset().byte_offset(), more: f.more_fragments() });
                    }
                }
            }
            IpPacket {
                src: IpAddr::V6(h.source_addr()),
                dst: IpAddr::V6(h.destination_addr()),
                proto: payload.ip_number.0,
                payload: payload.payload,
                fragment,
            }
        }
    };
    Ok(Some(p))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An Ethernet frame carrying an IPv4/UDP datagram.
    pub(crate) fn udp4(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
        let b = etherparse::PacketBuilder::ethernet2([1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]).ipv4(src, dst, 64).udp(sport, dport);
        let mut out = Vec::new();
        b.write(&mut out, payload).unwrap();
        out
    }

    #[test]
    fn decodes_ethernet_vlan_sll_and_raw() {
        let eth = udp4([192, 0, 2, 1], [192, 0, 2, 53], 5000, 53, b"hello");
        let p = decode(1, &eth).unwrap().unwrap();
        assert_eq!(p.proto, 17);
        assert_eq!(p.src.to_string(), "192.0.2.1");
        assert_eq!(&p.payload[8..], b"hello");
        // VLAN-tagged
        let mut vlan = eth[..12].to_vec();
        vlan.extend([0x81, 0x00, 0x00, 0x05]);
        vlan.extend(&eth[12..]);
        assert_eq!(decode(1, &vlan).unwrap().unwrap().dst.to_string(), "192.0.2.53");
        // raw IP and Linux cooked
        assert!(decode(101, &eth[14..]).unwrap().is_some());
        let mut sll = vec![0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00];
        sll.extend(&eth[14..]);
        assert!(decode(113, &sll).unwrap().is_some());
        // ARP is not IP
        let mut arp = eth[..12].to_vec();
        arp.extend([0x08, 0x06, 0, 1]);
        assert_eq!(decode(1, &arp).unwrap(), None);
        assert!(decode(1, &eth[..20]).is_err());
        assert!(decode(147, &eth).is_err());
    }
}
