//! BGP UPDATE messages and path attributes as bytes (RFC 4271, RFC 4760, RFC 6793).
//!
//! In: a [`Route`] (the attributes a peer sends) and the prefixes it covers, or prefixes to
//! withdraw. Out: whole BGP messages (marker, length, type 2) ready to be wrapped in an MRT
//! BGP4MP_MESSAGE_AS4 record, and the attribute block of a TABLE_DUMP_V2 RIB entry. AS
//! numbers are always four octets (AS4 sessions and TABLE_DUMP_V2 both use them). IPv4
//! prefixes travel in the classic NLRI and withdrawn-routes fields with a NEXT_HOP
//! attribute; IPv6 prefixes in MP_REACH_NLRI / MP_UNREACH_NLRI (AFI 2, SAFI 1).

use ipnet::IpNet;
use std::net::IpAddr;

/// Largest BGP message (RFC 4271 §4).
pub const MAX_MESSAGE: usize = 4096;

/// ORIGIN attribute values.
pub const ORIGIN_IGP: u8 = 0;
pub const ORIGIN_INCOMPLETE: u8 = 2;

/// The attributes of one route as a peer announces it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Route {
    /// ORIGIN (0 IGP, 1 EGP, 2 INCOMPLETE).
    pub origin: u8,
    /// AS_PATH as one AS_SEQUENCE, peer first, origin (and its prepends) last.
    pub path: Vec<u32>,
    /// NEXT_HOP (IPv4) or the MP_REACH_NLRI next hop (IPv6).
    pub next_hop: IpAddr,
    pub med: Option<u32>,
    /// COMMUNITIES, each as `asn << 16 | value`.
    pub communities: Vec<u32>,
}

fn put_attr(out: &mut Vec<u8>, flags: u8, code: u8, value: &[u8]) {
    if value.len() > 255 {
        out.extend([flags | 0x10, code]);
        out.extend((value.len() as u16).to_be_bytes());
    } else {
        out.extend([flags, code, value.len() as u8]);
    }
    out.extend(value);
}

/// Appends a prefix in NLRI form: the length in bits, then just enough address bytes.
pub fn put_prefix(out: &mut Vec<u8>, net: &IpNet) {
    let len = net.prefix_len();
    out.push(len);
    let n = usize::from(len).div_ceil(8);
    match net.network() {
        IpAddr::V4(a) => out.extend(&a.octets()[..n]),
        IpAddr::V6(a) => out.extend(&a.octets()[..n]),
    }
}

/// Bytes a prefix takes in NLRI form.
pub fn prefix_size(net: &IpNet) -> usize {
    1 + usize::from(net.prefix_len()).div_ceil(8)
}

fn ip_bytes(a: &IpAddr) -> Vec<u8> {
    match a {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

/// ORIGIN, AS_PATH, NEXT_HOP (IPv4 next hops only), MED, COMMUNITIES, in type-code order.
fn common_attrs(route: &Route, out: &mut Vec<u8>) {
    put_attr(out, 0x40, 1, &[route.origin]);
    let mut path = Vec::with_capacity(2 + 4 * route.path.len());
    for seg in route.path.chunks(255) {
        path.extend([2u8, seg.len() as u8]); // AS_SEQUENCE
        for asn in seg {
            path.extend(asn.to_be_bytes());
        }
    }
    put_attr(out, 0x40, 2, &path);
    if let IpAddr::V4(nh) = route.next_hop {
        put_attr(out, 0x40, 3, &nh.octets());
    }
    if let Some(med) = route.med {
        put_attr(out, 0x80, 4, &med.to_be_bytes());
    }
    if !route.communities.is_empty() {
        let v: Vec<u8> = route.communities.iter().flat_map(|c| c.to_be_bytes()).collect();
        put_attr(out, 0xC0, 8, &v);
    }
}

/// The attribute block of a TABLE_DUMP_V2 RIB entry (RFC 6396 §4.3.4): for IPv6 routes the
/// MP_REACH_NLRI attribute holds only the next-hop length and address.
pub fn rib_attributes(route: &Route) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    common_attrs(route, &mut out);
    if route.next_hop.is_ipv6() {
        let nh = ip_bytes(&route.next_hop);
        let mut v = vec![nh.len() as u8];
        v.extend(nh);
        put_attr(&mut out, 0x80, 14, &v);
    }
    out
}

fn message(withdrawn: &[u8], attrs: &[u8], nlri: &[u8]) -> Vec<u8> {
    let len = 19 + 2 + withdrawn.len() + 2 + attrs.len() + nlri.len();
    let mut m = Vec::with_capacity(len);
    m.extend([0xFF; 16]);
    m.extend((len as u16).to_be_bytes());
    m.push(2); // UPDATE
    m.extend((withdrawn.len() as u16).to_be_bytes());
    m.extend(withdrawn);
    m.extend((attrs.len() as u16).to_be_bytes());
    m.extend(attrs);
    m.extend(nlri);
    m
}

/// Splits `prefixes` into runs whose NLRI fits in `budget` bytes.
fn runs<'a>(prefixes: &'a [IpNet], budget: usize) -> impl Iterator<Item = &'a [IpNet]> + 'a {
    let mut rest = prefixes;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut used = 0;
        let mut n = 0;
        while n < rest.len() && used + prefix_size(&rest[n]) <= budget {
            used += prefix_size(&rest[n]);
            n += 1;
        }
        let n = n.max(1);
        let (run, tail) = rest.split_at(n);
        rest = tail;
        Some(run)
    })
}

/// UPDATE messages announcing `prefixes` (all of one family, the family of the route's next
/// hop) with `route`; more than one only when they do not fit in [`MAX_MESSAGE`] bytes.
pub fn announce(route: &Route, prefixes: &[IpNet]) -> Vec<Vec<u8>> {
    let mut attrs = Vec::with_capacity(64);
    common_attrs(route, &mut attrs);
    let v6 = route.next_hop.is_ipv6();
    // Marker, length, type, two length fields, plus for IPv6 the MP_REACH_NLRI header
    // (flags, code, 2-byte length, AFI, SAFI, next-hop length and address, reserved).
    let budget = MAX_MESSAGE - 23 - attrs.len() - if v6 { 4 + 3 + 1 + 16 + 1 } else { 0 };
    let mut out = Vec::new();
    for run in runs(prefixes, budget) {
        let mut nlri = Vec::with_capacity(4 * run.len());
        for p in run {
            debug_assert_eq!(p.addr().is_ipv6(), v6);
            put_prefix(&mut nlri, p);
        }
        if v6 {
            let mut a = attrs.clone();
            let mut v = vec![0, 2, 1, 16];
            v.extend(ip_bytes(&route.next_hop));
            v.push(0);
            v.extend(nlri);
            put_attr(&mut a, 0x80, 14, &v);
            out.push(message(&[], &a, &[]));
        } else {
            out.push(message(&[], &attrs, &nlri));
        }
    }
    out
}

/// UPDATE messages withdrawing `prefixes` (all of one family).
pub fn withdraw(prefixes: &[IpNet]) -> Vec<Vec<u8>> {
    let v6 = prefixes.first().is_some_and(|p| p.addr().is_ipv6());
    let budget = MAX_MESSAGE - 23 - if v6 { 4 + 3 } else { 0 };
    let mut out = Vec::new();
    for run in runs(prefixes, budget) {
        let mut w = Vec::with_capacity(4 * run.len());
        for p in run {
            put_prefix(&mut w, p);
        }
        if v6 {
            let mut v = vec![0, 2, 1];
            v.extend(w);
            let mut a = Vec::new();
            put_attr(&mut a, 0x80, 15, &v);
            out.push(message(&[], &a, &[]));
        } else {
            out.push(message(&w, &[], &[]));
        }
    }
    out
}
