//! Flattening parsed MRT into rows: the only place where bgpkit's types become columns.
//!
//! In: `BgpElem`s (with the record's header time and offset) and state changes. Out: Arrow
//! builders for `bgp_updates`, `bgp_rib` and `bgp_peer_state` that are flushed as batches.
//! Text columns are written through one reused `String`, so a row costs no allocation of its
//! own beyond what bgpkit already made.

use crate::format::{FileContext, FormatError, Sink};
use crate::table::Table;
use arrow_array::builder::PrimitiveBuilder;
use arrow_array::builder::{BooleanBuilder, StringBuilder, TimestampMicrosecondBuilder, UInt8Builder, UInt32Builder, UInt64Builder};
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType, RecordBatch};
use bgpkit_parser::models::{AsPath, AsPathSegment, BgpElem, BgpState, Community, ElemType, MetaCommunity};
use std::fmt::Write;
use std::net::IpAddr;
use std::sync::Arc;

/// The text of the last value seen: the prefixes of one UPDATE share their peer, path,
/// next hop and communities, so each is formatted once per message, not once per row.
struct Cached<K> {
    key: Option<K>,
    text: String,
}

impl<K: PartialEq + Clone> Cached<K> {
    fn new() -> Self {
        Cached { key: None, text: String::new() }
    }

    fn get(&mut self, k: &K, fmt: impl FnOnce(&K, &mut String)) -> &str {
        if self.key.as_ref() != Some(k) {
            self.text.clear();
            fmt(k, &mut self.text);
            self.key = Some(k.clone());
        }
        &self.text
    }
}

/// Origin and upstream AS of a path.
type PathEnds = (Option<u32>, Option<u32>);

/// Attributes shared by update and RIB rows.
struct RouteCols {
    collector: StringBuilder,
    peer_ip: StringBuilder,
    peer_asn: UInt32Builder,
    prefix: StringBuilder,
    prefix_len: UInt8Builder,
    afi: UInt8Builder,
    path_id: UInt32Builder,
    origin_asn: UInt32Builder,
    upstream_asn: UInt32Builder,
    as_path: StringBuilder,
    next_hop: StringBuilder,
    origin: StringBuilder,
    local_pref: UInt32Builder,
    med: UInt32Builder,
    communities: StringBuilder,
    mrt_type: StringBuilder,
    record_offset: UInt64Builder,
    file_id: StringBuilder,
    peer_text: Cached<IpAddr>,
    path_text: Cached<AsPath>,
    path_ends: Option<(AsPath, PathEnds)>,
    hop_text: Cached<IpAddr>,
    communities_text: Cached<Vec<MetaCommunity>>,
}

impl RouteCols {
    fn new() -> Self {
        RouteCols {
            collector: StringBuilder::new(),
            peer_ip: StringBuilder::new(),
            peer_asn: UInt32Builder::new(),
            prefix: StringBuilder::new(),
            prefix_len: UInt8Builder::new(),
            afi: UInt8Builder::new(),
            path_id: UInt32Builder::new(),
            origin_asn: UInt32Builder::new(),
            upstream_asn: UInt32Builder::new(),
            as_path: StringBuilder::new(),
            next_hop: StringBuilder::new(),
            origin: StringBuilder::new(),
            local_pref: UInt32Builder::new(),
            med: UInt32Builder::new(),
            communities: StringBuilder::new(),
            mrt_type: StringBuilder::new(),
            record_offset: UInt64Builder::new(),
            file_id: StringBuilder::new(),
            peer_text: Cached::new(),
            path_text: Cached::new(),
            path_ends: None,
            hop_text: Cached::new(),
            communities_text: Cached::new(),
        }
    }

    fn push(&mut self, elem: &BgpElem, ctx: &FileContext, mrt_type: &str, offset: u64, scratch: &mut String) {
        self.collector.append_value(&ctx.collector);
        self.peer_ip.append_value(self.peer_text.get(&elem.peer_ip, |ip, t| {
            let _ = write!(t, "{ip}");
        }));
        self.peer_asn.append_value(elem.peer_asn.to_u32());
        let net = elem.prefix.prefix.trunc();
        scratch.clear();
        write_prefix(scratch, &net);
        self.prefix.append_value(scratch.as_str());
        self.prefix_len.append_value(net.prefix_len());
        self.afi.append_value(if net.addr().is_ipv4() { 4 } else { 6 });
        self.path_id.append_option(elem.prefix.path_id);
        let (origin, upstream) = match (&elem.elem_type, &elem.as_path) {
            (ElemType::ANNOUNCE, Some(p)) => match &self.path_ends {
                Some((last, ends)) if last == p => *ends,
                _ => {
                    let ends = origin_and_upstream(p);
                    self.path_ends = Some((p.clone(), ends));
                    ends
                }
            },
            _ => (None, None),
        };
        self.origin_asn.append_option(origin);
        self.upstream_asn.append_option(upstream);
        match &elem.as_path {
            Some(p) => self.as_path.append_value(self.path_text.get(p, |p, t| write_as_path(t, p))),
            None => self.as_path.append_null(),
        }
        match &elem.next_hop {
            Some(h) => self.next_hop.append_value(self.hop_text.get(h, |h, t| {
                let _ = write!(t, "{h}");
            })),
            None => self.next_hop.append_null(),
        }
        match elem.origin {
            Some(bgpkit_parser::models::Origin::IGP) => self.origin.append_value("IGP"),
            Some(bgpkit_parser::models::Origin::EGP) => self.origin.append_value("EGP"),
            Some(bgpkit_parser::models::Origin::INCOMPLETE) => self.origin.append_value("INCOMPLETE"),
            None => self.origin.append_null(),
        }
        self.local_pref.append_option(elem.local_pref);
        self.med.append_option(elem.med);
        match &elem.communities {
            Some(cs) if !cs.is_empty() => self.communities.append_value(self.communities_text.get(cs, |cs, t| write_communities(t, cs))),
            _ => self.communities.append_null(),
        }
        self.mrt_type.append_value(mrt_type);
        self.record_offset.append_value(offset);
        self.file_id.append_value(&ctx.file_id);
    }

    /// `collector`, `peer_ip`, `peer_asn`: the columns that lead both tables.
    fn take_peer(&mut self, n: usize) -> [ArrayRef; 3] {
        [take_str(&mut self.collector, n), take_str(&mut self.peer_ip, n), take_prim(&mut self.peer_asn, n)]
    }

    /// `prefix` to `communities`: the route, in both tables' column order.
    fn take_route(&mut self, n: usize) -> [ArrayRef; 12] {
        [
            take_str(&mut self.prefix, n),
            take_prim(&mut self.prefix_len, n),
            take_prim(&mut self.afi, n),
            take_prim(&mut self.path_id, n),
            take_prim(&mut self.origin_asn, n),
            take_prim(&mut self.upstream_asn, n),
            take_str(&mut self.as_path, n),
            take_str(&mut self.next_hop, n),
            take_str(&mut self.origin, n),
            take_prim(&mut self.local_pref, n),
            take_prim(&mut self.med, n),
            take_str(&mut self.communities, n),
        ]
    }

    /// `mrt_type`, `record_offset`, `file_id`: the columns that end both tables.
    fn take_provenance(&mut self, n: usize) -> [ArrayRef; 3] {
        [take_str(&mut self.mrt_type, n), take_prim(&mut self.record_offset, n), take_str(&mut self.file_id, n)]
    }
}

/// Writes a prefix as `a.b.c.d/len` (IPv4 without the formatting machinery; IPv6 through it).
pub(crate) fn write_prefix(out: &mut String, net: &ipnet::IpNet) {
    match net {
        ipnet::IpNet::V4(n) => {
            for (i, o) in n.addr().octets().iter().enumerate() {
                if i > 0 {
                    out.push('.');
                }
                push_u8(out, *o);
            }
            out.push('/');
            push_u8(out, n.prefix_len());
        }
        ipnet::IpNet::V6(n) => {
            write_ipv6(out, n.addr());
            out.push('/');
            push_u8(out, n.prefix_len());
        }
    }
}

/// An IPv6 address as Rust's `Display` writes it (RFC 5952: the longest run of two or more
/// zero groups, the first of equals, becomes `::`; lowercase hex without leading zeros).
pub(crate) fn write_ipv6(out: &mut String, a: std::net::Ipv6Addr) {
    if a.to_ipv4_mapped().is_some() {
        let _ = write!(out, "{a}");
        return;
    }
    let g = a.segments();
    let (mut best, mut best_len, mut i) = (8usize, 0usize, 0usize);
    while i < 8 {
        if g[i] == 0 {
            let start = i;
            while i < 8 && g[i] == 0 {
                i += 1;
            }
            if i - start > best_len && i - start >= 2 {
                best = start;
                best_len = i - start;
            }
        } else {
            i += 1;
        }
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let group = |out: &mut String, v: u16| {
        let mut started = false;
        for shift in [12u16, 8, 4, 0] {
            let d = (v >> shift) & 0xf;
            if d != 0 || started || shift == 0 {
                out.push(HEX[d as usize] as char);
                started = true;
            }
        }
    };
    let mut k = 0;
    while k < 8 {
        if k == best {
            out.push_str("::");
            k += best_len;
            continue;
        }
        if k > 0 && k != best + best_len {
            out.push(':');
        }
        group(out, g[k]);
        k += 1;
    }
}

fn push_u8(out: &mut String, v: u8) {
    if v >= 100 {
        out.push((b'0' + v / 100) as char);
    }
    if v >= 10 {
        out.push((b'0' + (v / 10) % 10) as char);
    }
    out.push((b'0' + v % 10) as char);
}

fn push_u32(out: &mut String, v: u32) {
    // itoa writes two digits per step from a table and hands back text without a UTF-8 check
    // (a loop of divisions and `from_utf8` was 1.5 to 2% of ingest's CPU time).
    out.push_str(itoa::Buffer::new().format(v));
}

/// An AS path as bgpkit's `Display` writes it (`1 2 {3,4}`), without the formatting machinery.
pub(crate) fn write_as_path(out: &mut String, path: &AsPath) {
    for (index, segment) in path.iter_segments().enumerate() {
        if index != 0 {
            out.push(' ');
        }
        match segment {
            AsPathSegment::AsSequence(v) | AsPathSegment::ConfedSequence(v) => {
                for (i, asn) in v.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    push_u32(out, asn.to_u32());
                }
            }
            AsPathSegment::AsSet(v) | AsPathSegment::ConfedSet(v) => {
                out.push('{');
                for (i, asn) in v.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    push_u32(out, asn.to_u32());
                }
                out.push('}');
            }
        }
    }
}

/// Communities, space-separated, as bgpkit's `Display` writes each (`65000:1`, `no-export`,
/// `1:2:3` for large ones), the common kinds without the formatting machinery.
pub(crate) fn write_communities(out: &mut String, cs: &[MetaCommunity]) {
    for (i, c) in cs.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        match c {
            MetaCommunity::Plain(Community::Custom(asn, v)) => {
                push_u32(out, asn.to_u32());
                out.push(':');
                push_u32(out, *v as u32);
            }
            MetaCommunity::Large(l) => {
                push_u32(out, l.global_admin);
                out.push(':');
                push_u32(out, l.local_data[0]);
                out.push(':');
                push_u32(out, l.local_data[1]);
            }
            other => {
                let _ = write!(out, "{other}");
            }
        }
    }
}

/// The builder's array, leaving the builder sized for `rows` more rows of the same text
/// volume: the next batch then fills buffers allocated once instead of growing them by
/// doubling (each growth a copy, and fresh pages the kernel zeroes: a third of the row
/// building time with empty builders).
fn take_str(b: &mut StringBuilder, rows: usize) -> ArrayRef {
    let a = b.finish();
    let bytes = a.value_data().len();
    *b = StringBuilder::with_capacity(rows, bytes + bytes / 8 + 64);
    Arc::new(a)
}

/// [`take_str`] for a primitive column (its data type, such as a time zone, kept).
fn take_prim<T: ArrowPrimitiveType>(b: &mut PrimitiveBuilder<T>, rows: usize) -> ArrayRef {
    let a = b.finish();
    *b = PrimitiveBuilder::<T>::with_capacity(rows).with_data_type(a.data_type().clone());
    Arc::new(a)
}

fn take_bool(b: &mut BooleanBuilder, rows: usize) -> ArrayRef {
    let a = b.finish();
    *b = BooleanBuilder::with_capacity(rows);
    Arc::new(a)
}

fn append_display<T: std::fmt::Display>(b: &mut StringBuilder, v: Option<&T>, scratch: &mut String) {
    match v {
        Some(v) => {
            scratch.clear();
            let _ = write!(scratch, "{v}");
            b.append_value(scratch.as_str());
        }
        None => b.append_null(),
    }
}

/// The origin AS (last AS of the path, when it is a plain sequence element) and the upstream
/// AS (the first AS before the origin that differs from it, so prepending is skipped). Either
/// is `None` when the path ends in an AS_SET or is too short.
pub fn origin_and_upstream(path: &AsPath) -> (Option<u32>, Option<u32>) {
    let mut origin: Option<u32> = None;
    let mut upstream: Option<u32> = None;
    let mut set_at_end = false;
    for segment in path.iter_segments() {
        match segment {
            AsPathSegment::AsSequence(v) => {
                for asn in v {
                    let a = asn.to_u32();
                    match origin {
                        Some(o) if o == a => {}
                        Some(o) => {
                            upstream = Some(o);
                            origin = Some(a);
                        }
                        None => origin = Some(a),
                    }
                    set_at_end = false;
                }
            }
            AsPathSegment::AsSet(v) => {
                if !v.is_empty() {
                    set_at_end = true;
                }
            }
            // Confederation segments are internal to the peer's confederation.
            AsPathSegment::ConfedSequence(_) | AsPathSegment::ConfedSet(_) => {}
        }
    }
    if set_at_end { (None, None) } else { (origin, upstream) }
}

/// `bgp_updates` rows.
pub struct UpdateRows {
    ts: TimestampMicrosecondBuilder,
    elem_type: StringBuilder,
    route: RouteCols,
    atomic: BooleanBuilder,
    aggregator: StringBuilder,
    len: usize,
}

impl UpdateRows {
    pub fn new() -> Self {
        UpdateRows {
            ts: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
            elem_type: StringBuilder::new(),
            route: RouteCols::new(),
            atomic: BooleanBuilder::new(),
            aggregator: StringBuilder::new(),
            len: 0,
        }
    }

    pub fn push(&mut self, ts: i64, elem: &BgpElem, ctx: &FileContext, mrt_type: &str, offset: u64, scratch: &mut String) {
        self.ts.append_value(ts);
        self.elem_type.append_value(if elem.elem_type.is_announce() { "A" } else { "W" });
        self.route.push(elem, ctx, mrt_type, offset, scratch);
        self.atomic.append_value(elem.atomic);
        match (elem.aggr_asn, elem.aggr_ip) {
            (Some(asn), ip) => {
                scratch.clear();
                let _ = write!(scratch, "{asn}");
                if let Some(ip) = ip {
                    let _ = write!(scratch, " {ip}");
                }
                self.aggregator.append_value(scratch.as_str());
            }
            _ => self.aggregator.append_null(),
        }
        self.len += 1;
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn flush(&mut self, sink: &mut dyn Sink) -> Result<(), FormatError> {
        if self.len == 0 {
            return Ok(());
        }
        let n = self.len;
        let r = &mut self.route;
        let mut cols: Vec<ArrayRef> = vec![take_prim(&mut self.ts, n)];
        cols.extend(r.take_peer(n));
        cols.push(take_str(&mut self.elem_type, n));
        cols.extend(r.take_route(n));
        cols.push(take_bool(&mut self.atomic, n));
        cols.push(take_str(&mut self.aggregator, n));
        cols.extend(r.take_provenance(n));
        self.len = 0;
        emit(sink, Table::BgpUpdates, cols)
    }
}

/// `bgp_rib` rows.
pub struct RibRows {
    dump_ts: TimestampMicrosecondBuilder,
    route: RouteCols,
    originated_ts: TimestampMicrosecondBuilder,
    len: usize,
}

impl RibRows {
    pub fn new() -> Self {
        RibRows {
            dump_ts: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
            route: RouteCols::new(),
            originated_ts: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
            len: 0,
        }
    }

    pub fn push(&mut self, dump_ts: i64, elem: &BgpElem, ctx: &FileContext, mrt_type: &str, offset: u64, scratch: &mut String) {
        self.dump_ts.append_value(dump_ts);
        self.route.push(elem, ctx, mrt_type, offset, scratch);
        // bgpkit puts the entry's originated time in the elem's timestamp for RIB entries.
        if elem.timestamp.is_finite() && elem.timestamp > 0.0 {
            self.originated_ts.append_value((elem.timestamp * 1e6).round() as i64);
        } else {
            self.originated_ts.append_null();
        }
        self.len += 1;
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn flush(&mut self, sink: &mut dyn Sink) -> Result<(), FormatError> {
        if self.len == 0 {
            return Ok(());
        }
        let n = self.len;
        let r = &mut self.route;
        let mut cols: Vec<ArrayRef> = vec![take_prim(&mut self.dump_ts, n)];
        cols.extend(r.take_peer(n));
        cols.extend(r.take_route(n));
        cols.push(take_prim(&mut self.originated_ts, n));
        cols.extend(r.take_provenance(n));
        self.len = 0;
        emit(sink, Table::BgpRib, cols)
    }
}

/// One BGP session state change.
pub struct StateChange {
    pub peer_ip: IpAddr,
    pub peer_asn: u32,
    pub local_ip: Option<IpAddr>,
    pub local_asn: Option<u32>,
    pub old_state: BgpState,
    pub new_state: BgpState,
}

/// `bgp_peer_state` rows.
pub struct PeerStateRows {
    ts: TimestampMicrosecondBuilder,
    collector: StringBuilder,
    peer_ip: StringBuilder,
    peer_asn: UInt32Builder,
    local_ip: StringBuilder,
    local_asn: UInt32Builder,
    old_state: StringBuilder,
    new_state: StringBuilder,
    mrt_type: StringBuilder,
    record_offset: UInt64Builder,
    file_id: StringBuilder,
    len: usize,
}

/// The name of a BGP FSM state as bgpdump prints it (RFC 4271 names; 7 and 8 are Quagga's
/// Clearing and Deleted).
pub fn state_name(s: BgpState) -> &'static str {
    match s {
        BgpState::Idle => "Idle",
        BgpState::Connect => "Connect",
        BgpState::Active => "Active",
        BgpState::OpenSent => "OpenSent",
        BgpState::OpenConfirm => "OpenConfirm",
        BgpState::Established => "Established",
        BgpState::Clearing => "Clearing",
        BgpState::Deleted => "Deleted",
    }
}

impl PeerStateRows {
    pub fn new() -> Self {
        PeerStateRows {
            ts: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
            collector: StringBuilder::new(),
            peer_ip: StringBuilder::new(),
            peer_asn: UInt32Builder::new(),
            local_ip: StringBuilder::new(),
            local_asn: UInt32Builder::new(),
            old_state: StringBuilder::new(),
            new_state: StringBuilder::new(),
            mrt_type: StringBuilder::new(),
            record_offset: UInt64Builder::new(),
            file_id: StringBuilder::new(),
            len: 0,
        }
    }

    pub fn push(&mut self, ts: i64, sc: &StateChange, ctx: &FileContext, mrt_type: &str, offset: u64, scratch: &mut String) {
        self.ts.append_value(ts);
        self.collector.append_value(&ctx.collector);
        append_display(&mut self.peer_ip, Some(&sc.peer_ip), scratch);
        self.peer_asn.append_value(sc.peer_asn);
        append_display(&mut self.local_ip, sc.local_ip.as_ref(), scratch);
        self.local_asn.append_option(sc.local_asn);
        self.old_state.append_value(state_name(sc.old_state));
        self.new_state.append_value(state_name(sc.new_state));
        self.mrt_type.append_value(mrt_type);
        self.record_offset.append_value(offset);
        self.file_id.append_value(&ctx.file_id);
        self.len += 1;
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn flush(&mut self, sink: &mut dyn Sink) -> Result<(), FormatError> {
        if self.len == 0 {
            return Ok(());
        }
        let cols: Vec<ArrayRef> = vec![
            Arc::new(self.ts.finish()),
            Arc::new(self.collector.finish()),
            Arc::new(self.peer_ip.finish()),
            Arc::new(self.peer_asn.finish()),
            Arc::new(self.local_ip.finish()),
            Arc::new(self.local_asn.finish()),
            Arc::new(self.old_state.finish()),
            Arc::new(self.new_state.finish()),
            Arc::new(self.mrt_type.finish()),
            Arc::new(self.record_offset.finish()),
            Arc::new(self.file_id.finish()),
        ];
        self.len = 0;
        emit(sink, Table::BgpPeerState, cols)
    }
}

/// Assembles a batch of `table` from finished columns and hands it to the sink.
pub(crate) fn emit(sink: &mut dyn Sink, table: Table, cols: Vec<ArrayRef>) -> Result<(), FormatError> {
    let batch = RecordBatch::try_new(table.schema(), cols).map_err(|source| FormatError::Arrow { table, source })?;
    sink.batch(table, batch)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bgpkit_parser::models::{AsPath, AsPathSegment};

    fn seq(v: &[u32]) -> AsPathSegment {
        AsPathSegment::sequence(v)
    }

    #[test]
    fn paths_and_communities_are_written_as_bgpkit_displays_them() {
        use bgpkit_parser::models::{Asn, LargeCommunity};
        let p = AsPath::from_segments(vec![seq(&[65100, 4_200_000_000, 0, 9, 10, u32::MAX]), AsPathSegment::set([3, 4])]);
        let mut s = String::new();
        write_as_path(&mut s, &p);
        assert_eq!(s, p.to_string());
        let cs = vec![
            MetaCommunity::Plain(Community::Custom(Asn::new_32bit(65000), 65535)),
            MetaCommunity::Plain(Community::NoExport),
            MetaCommunity::Large(LargeCommunity { global_admin: 4_200_000_000, local_data: [0, 7] }),
        ];
        let mut s = String::new();
        write_communities(&mut s, &cs);
        assert_eq!(s, cs.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(" "));
    }

    #[test]
    fn ipv6_addresses_are_written_as_rust_displays_them() {
        let mut x: u64 = 99;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            // Mostly zero groups, to exercise the compression rules.
            let g: [u16; 8] = std::array::from_fn(|_| if next() % 3 == 0 { (next() % 0x1_0000) as u16 } else { 0 });
            let a = std::net::Ipv6Addr::from(g);
            let mut s = String::new();
            write_ipv6(&mut s, a);
            assert_eq!(s, a.to_string(), "{g:?}");
        }
    }

    #[test]
    fn prefixes_are_written_as_ipnet_displays_them() {
        for p in ["0.0.0.0/0", "10.0.0.0/8", "192.168.100.0/24", "255.255.255.255/32", "2001:db8::/32", "::/0"] {
            let net: ipnet::IpNet = p.parse().unwrap();
            let mut s = String::new();
            write_prefix(&mut s, &net);
            assert_eq!(s, net.to_string());
        }
    }

    #[test]
    fn upstream_skips_prepending_and_sets_hide_the_origin() {
        let p = AsPath::from_segments(vec![seq(&[65100, 65200, 65030, 65010, 65010, 65010])]);
        assert_eq!(origin_and_upstream(&p), (Some(65010), Some(65030)));
        let p = AsPath::from_segments(vec![seq(&[65010])]);
        assert_eq!(origin_and_upstream(&p), (Some(65010), None));
        let p = AsPath::from_segments(vec![seq(&[1, 2]), AsPathSegment::set([3, 4])]);
        assert_eq!(origin_and_upstream(&p), (None, None));
    }
}
