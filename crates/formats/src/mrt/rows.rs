//! Flattening parsed MRT into rows: the only place where bgpkit's types become columns.
//!
//! In: bgpkit's UPDATE messages (read in place: the values an UPDATE shares among its
//! prefixes are formatted once into a [`Route`]), RIB entries as `BgpElem`s, and state
//! changes, each with its record's header time and offset. Out: Arrow builders for
//! `bgp_updates`, `bgp_rib` and `bgp_peer_state` that are flushed as batches. Text columns are
//! written through reused `String`s, so a row costs no allocation of its own.

use crate::format::{FileContext, FormatError, Sink};
use crate::table::Table;
use arrow_array::builder::PrimitiveBuilder;
use arrow_array::builder::{BooleanBuilder, StringBuilder, TimestampMicrosecondBuilder, UInt8Builder, UInt32Builder, UInt64Builder};
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType, RecordBatch};
use bgpkit_parser::models::{
    AsPath, AsPathSegment, Asn, AttributeValue, Attributes, BgpElem, BgpIdentifier, BgpState, BgpUpdateMessage, Community, ElemType,
    MetaCommunity, NetworkPrefix, NextHopAddress, Origin,
};
use std::fmt::Write;
use std::net::IpAddr;
use std::sync::Arc;

/// Origin and upstream AS of a path.
type PathEnds = (Option<u32>, Option<u32>);

/// The values a route's rows share, formatted once: for an UPDATE, its peer and the attributes
/// of every prefix it announces (a withdrawal uses only the peer); for a RIB entry, the entry.
/// The strings are reused from route to route, so filling one allocates nothing once they
/// have grown.
#[derive(Default)]
struct Route {
    /// The peer whose address `peer_ip` holds: consecutive routes mostly come from one peer.
    peer: Option<IpAddr>,
    peer_ip: String,
    peer_asn: u32,
    ends: PathEnds,
    as_path: Option<()>,
    path_text: String,
    next_hop: Option<()>,
    hop_text: String,
    origin: Option<&'static str>,
    local_pref: Option<u32>,
    med: Option<u32>,
    communities: Option<()>,
    communities_text: String,
    atomic: bool,
    aggregator: Option<()>,
    aggregator_text: String,
}

fn origin_name(o: Origin) -> &'static str {
    match o {
        Origin::IGP => "IGP",
        Origin::EGP => "EGP",
        Origin::INCOMPLETE => "INCOMPLETE",
    }
}

impl Route {
    fn set_peer(&mut self, ip: IpAddr, asn: u32) {
        if self.peer != Some(ip) {
            self.peer_ip.clear();
            write_ip(&mut self.peer_ip, ip);
            self.peer = Some(ip);
        }
        self.peer_asn = asn;
    }

    fn set_path(&mut self, path: Option<&AsPath>) {
        self.path_text.clear();
        self.as_path = path.map(|p| write_as_path(&mut self.path_text, p));
        self.ends = path.map(origin_and_upstream).unwrap_or((None, None));
    }

    fn set_next_hop(&mut self, hop: Option<IpAddr>) {
        self.hop_text.clear();
        self.next_hop = hop.map(|h| write_ip(&mut self.hop_text, h));
    }

    fn set_aggregator(&mut self, aggregator: Option<(Asn, Option<BgpIdentifier>)>) {
        self.aggregator_text.clear();
        self.aggregator = aggregator.map(|(asn, ip)| {
            push_u32(&mut self.aggregator_text, asn.to_u32());
            if let Some(ip) = ip {
                self.aggregator_text.push(' ');
                write_ip(&mut self.aggregator_text, IpAddr::V4(ip));
            }
        });
    }

    /// The attributes an UPDATE gives its announced prefixes, as bgpkit's elementor takes them
    /// (`get_relevant_attributes`: the last of a repeated attribute wins; communities of all
    /// kinds in attribute order; AS_PATH merged with AS4_PATH; LOCAL_PREF and MED 0 when
    /// absent; the next hop of the last MP_REACH_NLRI when there is no NEXT_HOP), read in
    /// place. Returns the prefixes of the last MP_REACH_NLRI and MP_UNREACH_NLRI.
    fn set_update<'a>(&mut self, attrs: &'a Attributes) -> (&'a [NetworkPrefix], &'a [NetworkPrefix]) {
        let (mut as_path, mut as4_path, mut origin, mut next_hop) = (None, None, None, None);
        let (mut local_pref, mut med, mut atomic, mut aggregator) = (Some(0), Some(0), false, None);
        let (mut announced, mut withdrawn): (&[NetworkPrefix], &[NetworkPrefix]) = (&[], &[]);
        let mut announced_hop = None;
        self.communities_text.clear();
        let mut communities = 0usize;
        let mut community = |out: &mut String, c: MetaCommunity| {
            if communities > 0 {
                out.push(' ');
            }
            write_community(out, &c);
            communities += 1;
        };
        for value in attrs.iter() {
            match value {
                AttributeValue::Origin(v) => origin = Some(*v),
                AttributeValue::AsPath(p) => as_path = Some(p),
                AttributeValue::As4Path(p) => as4_path = Some(p),
                AttributeValue::NextHop(v) => next_hop = Some(*v),
                AttributeValue::MultiExitDiscriminator(v) => med = Some(*v),
                AttributeValue::LocalPreference(v) => local_pref = Some(*v),
                AttributeValue::AtomicAggregate => atomic = true,
                AttributeValue::Communities(v) => v.iter().for_each(|c| community(&mut self.communities_text, MetaCommunity::Plain(*c))),
                AttributeValue::ExtendedCommunities(v) => {
                    v.iter().for_each(|c| community(&mut self.communities_text, MetaCommunity::Extended(*c)))
                }
                AttributeValue::Ipv6AddressSpecificExtendedCommunities(v) => {
                    v.iter().for_each(|c| community(&mut self.communities_text, MetaCommunity::Ipv6Extended(*c)))
                }
                AttributeValue::LargeCommunities(v) => {
                    v.iter().for_each(|c| community(&mut self.communities_text, MetaCommunity::Large(*c)))
                }
                AttributeValue::Aggregator { asn, id } | AttributeValue::As4Aggregator { asn, id } => aggregator = Some((*asn, Some(*id))),
                AttributeValue::MpReachNlri(nlri) => {
                    announced = &nlri.prefixes;
                    announced_hop = nlri.next_hop.as_ref().map(NextHopAddress::global_addr);
                }
                AttributeValue::MpUnreachNlri(nlri) => withdrawn = &nlri.prefixes,
                _ => {}
            }
        }
        self.communities = (communities > 0).then_some(());
        let merged;
        let path = match (as_path, as4_path) {
            (Some(a), Some(b)) => {
                merged = AsPath::merge_aspath_as4path(a, b);
                Some(&merged)
            }
            (a, b) => a.or(b),
        };
        self.set_path(path);
        self.set_next_hop(next_hop.or(announced_hop));
        self.origin = origin.map(origin_name);
        self.local_pref = local_pref;
        self.med = med;
        self.atomic = atomic;
        self.set_aggregator(aggregator);
        (announced, withdrawn)
    }
}

/// [`Route`] filled from bgpkit's elems (RIB entries). A text is formatted again only when its
/// value differs from the last entry's: the entries of one prefix come from different peers,
/// but a dump's consecutive prefixes often share their paths and communities.
struct ElemRoute {
    route: Route,
    path: Option<AsPath>,
    hop: Option<IpAddr>,
    communities: Option<Vec<MetaCommunity>>,
}

impl ElemRoute {
    fn new() -> Self {
        ElemRoute { route: Route::default(), path: None, hop: None, communities: None }
    }

    fn fill(&mut self, elem: &BgpElem) -> &Route {
        let r = &mut self.route;
        r.set_peer(elem.peer_ip, elem.peer_asn.to_u32());
        // A text left from an earlier entry stays in its string while the column is null.
        match &elem.as_path {
            Some(p) if self.path.as_ref() == Some(p) => r.as_path = Some(()),
            Some(p) => {
                r.set_path(Some(p));
                self.path = Some(p.clone());
            }
            None => r.as_path = None,
        }
        match elem.next_hop {
            Some(h) if self.hop == Some(h) => r.next_hop = Some(()),
            Some(h) => {
                r.set_next_hop(Some(h));
                self.hop = Some(h);
            }
            None => r.next_hop = None,
        }
        match &elem.communities {
            Some(cs) if cs.is_empty() => r.communities = None,
            Some(cs) if self.communities.as_ref() == Some(cs) => r.communities = Some(()),
            Some(cs) => {
                r.communities_text.clear();
                write_communities(&mut r.communities_text, cs);
                r.communities = Some(());
                self.communities = Some(cs.clone());
            }
            None => r.communities = None,
        }
        r.origin = elem.origin.map(origin_name);
        r.local_pref = elem.local_pref;
        r.med = elem.med;
        r.atomic = elem.atomic;
        r.set_aggregator(elem.aggr_asn.map(|a| (a, elem.aggr_ip)));
        &self.route
    }
}

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
        }
    }

    /// One row: `prefix` with `route`'s values, or only its peer for a withdrawal.
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        route: &Route,
        announce: bool,
        prefix: &NetworkPrefix,
        ctx: &FileContext,
        mrt_type: &str,
        offset: u64,
        scratch: &mut String,
    ) {
        self.collector.append_value(&ctx.collector);
        self.peer_ip.append_value(&route.peer_ip);
        self.peer_asn.append_value(route.peer_asn);
        let net = prefix.prefix.trunc();
        scratch.clear();
        write_prefix(scratch, &net);
        self.prefix.append_value(scratch.as_str());
        self.prefix_len.append_value(net.prefix_len());
        self.afi.append_value(if net.addr().is_ipv4() { 4 } else { 6 });
        self.path_id.append_option(prefix.path_id);
        fn text(announce: bool, on: Option<()>, t: &str) -> Option<&str> {
            if announce { on.map(|()| t) } else { None }
        }
        let (origin, upstream) = if announce && route.as_path.is_some() { route.ends } else { (None, None) };
        self.origin_asn.append_option(origin);
        self.upstream_asn.append_option(upstream);
        self.as_path.append_option(text(announce, route.as_path, &route.path_text));
        self.next_hop.append_option(text(announce, route.next_hop, &route.hop_text));
        self.origin.append_option(if announce { route.origin } else { None });
        self.local_pref.append_option(if announce { route.local_pref } else { None });
        self.med.append_option(if announce { route.med } else { None });
        self.communities.append_option(text(announce, route.communities, &route.communities_text));
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
        ipnet::IpNet::V4(n) => write_ipv4(out, n.addr()),
        ipnet::IpNet::V6(n) => write_ipv6(out, n.addr()),
    }
    out.push('/');
    push_u8(out, net.prefix_len());
}

/// An address as Rust's `Display` writes it.
pub(crate) fn write_ip(out: &mut String, ip: IpAddr) {
    match ip {
        IpAddr::V4(a) => write_ipv4(out, a),
        IpAddr::V6(a) => write_ipv6(out, a),
    }
}

fn write_ipv4(out: &mut String, a: std::net::Ipv4Addr) {
    for (i, o) in a.octets().iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        push_u8(out, *o);
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

/// Communities, space-separated, as bgpkit's `Display` writes each.
pub(crate) fn write_communities(out: &mut String, cs: &[MetaCommunity]) {
    for (i, c) in cs.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_community(out, c);
    }
}

/// One community as bgpkit's `Display` writes it (`65000:1`, `no-export`, `1:2:3` for a large
/// one), the common kinds without the formatting machinery.
fn write_community(out: &mut String, c: &MetaCommunity) {
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
    shared: Route,
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
            shared: Route::default(),
            len: 0,
        }
    }

    /// The rows of one UPDATE: its announced prefixes (the NLRI field, then MP_REACH_NLRI),
    /// then its withdrawn ones (the withdrawn routes field, then MP_UNREACH_NLRI), the order
    /// and the values of bgpkit's elems. The attributes are formatted once for the message
    /// and read where they lie, where going through elems cloned them for every prefix.
    /// Returns the number of rows.
    #[allow(clippy::too_many_arguments)]
    pub fn push_update(
        &mut self,
        ts: i64,
        peer_ip: IpAddr,
        peer_asn: u32,
        update: &BgpUpdateMessage,
        ctx: &FileContext,
        mrt_type: &str,
        offset: u64,
        scratch: &mut String,
    ) -> usize {
        let mut shared = std::mem::take(&mut self.shared);
        shared.set_peer(peer_ip, peer_asn);
        let (mp_announced, mp_withdrawn) = shared.set_update(&update.attributes);
        let announced = update.announced_prefixes.iter().chain(mp_announced);
        let withdrawn = update.withdrawn_prefixes.iter().chain(mp_withdrawn);
        let mut rows = 0;
        for (announce, prefix) in announced.map(|p| (true, p)).chain(withdrawn.map(|p| (false, p))) {
            self.ts.append_value(ts);
            self.elem_type.append_value(if announce { "A" } else { "W" });
            self.route.push(&shared, announce, prefix, ctx, mrt_type, offset, scratch);
            self.atomic.append_value(announce && shared.atomic);
            self.aggregator.append_option(if announce { shared.aggregator.map(|()| shared.aggregator_text.as_str()) } else { None });
            rows += 1;
        }
        self.shared = shared;
        self.len += rows;
        rows
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
    elem_route: ElemRoute,
    len: usize,
}

impl RibRows {
    pub fn new() -> Self {
        RibRows {
            dump_ts: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
            route: RouteCols::new(),
            originated_ts: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
            elem_route: ElemRoute::new(),
            len: 0,
        }
    }

    pub fn push(&mut self, dump_ts: i64, elem: &BgpElem, ctx: &FileContext, mrt_type: &str, offset: u64, scratch: &mut String) {
        self.dump_ts.append_value(dump_ts);
        let route = self.elem_route.fill(elem);
        self.route.push(route, elem.elem_type == ElemType::ANNOUNCE, &elem.prefix, ctx, mrt_type, offset, scratch);
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

    /// Every cell of `bgp_updates` row `i` but the timestamp and provenance, as text.
    fn update_row(b: &RecordBatch, i: usize) -> String {
        use arrow_array::{BooleanArray, StringArray, UInt8Array, UInt32Array};
        let cols = [
            "elem_type",
            "peer_ip",
            "peer_asn",
            "prefix",
            "prefix_len",
            "afi",
            "path_id",
            "origin_asn",
            "upstream_asn",
            "as_path",
            "next_hop",
            "origin",
            "local_pref",
            "med",
            "communities",
            "atomic_aggregate",
            "aggregator",
        ];
        let cell = |name: &str| {
            let c = b.column_by_name(name).unwrap();
            if c.is_null(i) {
                return "NULL".to_string();
            }
            let any = c.as_any();
            if let Some(a) = any.downcast_ref::<StringArray>() {
                a.value(i).to_string()
            } else if let Some(a) = any.downcast_ref::<UInt32Array>() {
                a.value(i).to_string()
            } else if let Some(a) = any.downcast_ref::<UInt8Array>() {
                a.value(i).to_string()
            } else {
                any.downcast_ref::<BooleanArray>().unwrap().value(i).to_string()
            }
        };
        cols.map(cell).join("|")
    }

    /// The same cells from one of bgpkit's elems, through bgpkit's own `Display`s.
    fn elem_row(e: &BgpElem) -> String {
        let announce = e.elem_type == ElemType::ANNOUNCE;
        let opt = |v: Option<String>| v.unwrap_or_else(|| "NULL".into());
        let ends = e.as_path.as_ref().filter(|_| announce).map(origin_and_upstream).unwrap_or((None, None));
        let net = e.prefix.prefix.trunc();
        [
            (if announce { "A" } else { "W" }).to_string(),
            e.peer_ip.to_string(),
            e.peer_asn.to_string(),
            net.to_string(),
            net.prefix_len().to_string(),
            (if net.addr().is_ipv4() { "4" } else { "6" }).to_string(),
            opt(e.prefix.path_id.map(|v| v.to_string())),
            opt(ends.0.map(|v| v.to_string())),
            opt(ends.1.map(|v| v.to_string())),
            opt(e.as_path.as_ref().map(|p| p.to_string())),
            opt(e.next_hop.map(|h| h.to_string())),
            opt(e.origin.map(|o| origin_name(o).to_string())),
            opt(e.local_pref.map(|v| v.to_string())),
            opt(e.med.map(|v| v.to_string())),
            opt(e.communities.as_ref().filter(|c| !c.is_empty()).map(|cs| cs.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(" "))),
            e.atomic.to_string(),
            opt(e.aggr_asn.map(|a| match e.aggr_ip {
                Some(ip) => format!("{a} {ip}"),
                None => a.to_string(),
            })),
        ]
        .join("|")
    }

    fn net(p: &str, path_id: Option<u32>) -> NetworkPrefix {
        NetworkPrefix::new(p.parse().unwrap(), path_id)
    }

    #[test]
    fn update_rows_are_bgpkits_elems() {
        use bgpkit_parser::Elementor;
        use bgpkit_parser::models::{Afi, ExtendedCommunity, LargeCommunity, Nlri, Safi};
        let two_byte = AsPath::from_segments(vec![seq(&[65001, 23456, 23456, 65003])]);
        let four_byte = AsPath::from_segments(vec![seq(&[4_200_000_001, 4_200_000_003])]);
        let mut reach = Nlri::new_reachable(net("2001:db8:1::/48", Some(7)), Some("2001:db8::1".parse().unwrap()));
        reach.prefixes.push(net("2001:db8:2::/48", None));
        reach.afi = Afi::Ipv6;
        reach.safi = Safi::Unicast;
        let mut unreach = Nlri::new_reachable(net("2001:db8:9::/48", None), None);
        unreach.next_hop = None;
        let full: Attributes = vec![
            AttributeValue::Origin(Origin::EGP),
            AttributeValue::AsPath(two_byte.clone()),
            AttributeValue::As4Path(four_byte),
            AttributeValue::MultiExitDiscriminator(5),
            AttributeValue::AtomicAggregate,
            AttributeValue::Aggregator { asn: Asn::new_32bit(65003), id: "192.0.2.9".parse().unwrap() },
            AttributeValue::Communities(vec![Community::Custom(Asn::new_32bit(65001), 7), Community::NoExport]),
            AttributeValue::LargeCommunities(vec![LargeCommunity::new(4_200_000_001, [1, 2])]),
            AttributeValue::ExtendedCommunities(vec![ExtendedCommunity::Raw([0, 2, 0, 1, 0, 0, 0, 9])]),
            AttributeValue::MpReachNlri(reach),
            AttributeValue::MpUnreachNlri(unreach),
        ]
        .into_iter()
        .collect();
        // Without NEXT_HOP, LOCAL_PREF, MED or communities, and with only the classic fields.
        let bare: Attributes =
            vec![AttributeValue::AsPath(two_byte), AttributeValue::NextHop("192.0.2.1".parse().unwrap())].into_iter().collect();
        let updates = [
            BgpUpdateMessage {
                withdrawn_prefixes: vec![net("198.51.100.0/24", None)],
                attributes: full,
                announced_prefixes: vec![net("203.0.113.0/24", Some(3)), net("203.0.113.128/25", None)],
            },
            BgpUpdateMessage { withdrawn_prefixes: vec![], attributes: bare, announced_prefixes: vec![net("192.0.2.0/24", None)] },
            BgpUpdateMessage {
                withdrawn_prefixes: vec![net("10.0.0.0/8", None), net("10.1.0.0/16", Some(1))],
                attributes: Attributes::default(),
                announced_prefixes: vec![],
            },
        ];
        let ctx = FileContext::new("0123456789abcdef", "test");
        let mut rows = UpdateRows::new();
        let mut expected = Vec::new();
        let (peer_ip, peer_asn): (IpAddr, u32) = ("2001:db8::ff".parse().unwrap(), 64_512);
        for u in &updates {
            let n = rows.push_update(1, peer_ip, peer_asn, u, &ctx, "BGP4MP/4", 0, &mut String::new());
            let elems = Elementor::bgp_update_to_elems(u.clone(), 1.0, &peer_ip, &Asn::new_32bit(peer_asn));
            assert_eq!(n, elems.len());
            expected.extend(elems.iter().map(elem_row));
        }
        let mut sink = crate::format::MemorySink::default();
        rows.flush(&mut sink).unwrap();
        let b = sink.concat(Table::BgpUpdates);
        let got: Vec<String> = (0..b.num_rows()).map(|i| update_row(&b, i)).collect();
        assert_eq!(got, expected);
        assert_eq!(got.len(), 9);
        // The merged path, the MP_REACH next hop and LOCAL_PREF's default made it into a row.
        assert!(got[0].contains("|4200000003|4200000001|65001 23456 4200000001 4200000003|2001:db8::1|EGP|0|5|"), "{}", got[0]);
    }

    mod any_update {
        use super::*;
        use bgpkit_parser::models::{ExtendedCommunity, LargeCommunity, Nlri};
        use proptest::collection::vec;
        use proptest::prelude::*;

        fn v4() -> impl Strategy<Value = NetworkPrefix> {
            (any::<u32>(), 0u8..=32, proptest::option::of(0u32..4))
                .prop_map(|(a, l, id)| NetworkPrefix::new(ipnet::Ipv4Net::new(a.into(), l).unwrap().into(), id))
        }

        fn v6() -> impl Strategy<Value = NetworkPrefix> {
            (any::<u128>(), 0u8..=128, proptest::option::of(0u32..4))
                .prop_map(|(a, l, id)| NetworkPrefix::new(ipnet::Ipv6Net::new(a.into(), l).unwrap().into(), id))
        }

        fn path() -> impl Strategy<Value = AsPath> {
            let asns = || vec(prop_oneof![0u32..5, 23456u32..23458, any::<u32>()], 0..5);
            vec(prop_oneof![asns().prop_map(|v| AsPathSegment::sequence(&v)), asns().prop_map(AsPathSegment::set)], 0..3)
                .prop_map(AsPath::from_segments)
        }

        fn community() -> impl Strategy<Value = Community> {
            prop_oneof![
                Just(Community::NoExport),
                Just(Community::NoAdvertise),
                Just(Community::NoExportSubConfed),
                (any::<u32>(), any::<u16>()).prop_map(|(a, v)| Community::Custom(Asn::new_32bit(a), v)),
            ]
        }

        fn next_hop() -> impl Strategy<Value = Option<NextHopAddress>> {
            proptest::option::of(prop_oneof![
                any::<u32>().prop_map(|a| NextHopAddress::Ipv4(a.into())),
                any::<u128>().prop_map(|a| NextHopAddress::Ipv6(a.into())),
                (any::<u128>(), any::<u128>()).prop_map(|(a, b)| NextHopAddress::Ipv6LinkLocal(a.into(), b.into())),
                any::<u128>().prop_map(|b| NextHopAddress::Ipv6LinkLocal("fe80::1".parse().unwrap(), b.into())),
            ])
        }

        /// Any attribute an UPDATE's rows read, each kind possibly repeated.
        fn attribute() -> impl Strategy<Value = AttributeValue> {
            prop_oneof![
                prop_oneof![Just(Origin::IGP), Just(Origin::EGP), Just(Origin::INCOMPLETE)].prop_map(AttributeValue::Origin),
                path().prop_map(AttributeValue::AsPath),
                path().prop_map(AttributeValue::As4Path),
                any::<u32>().prop_map(|a| AttributeValue::NextHop(std::net::Ipv4Addr::from(a).into())),
                any::<u128>().prop_map(|a| AttributeValue::NextHop(std::net::Ipv6Addr::from(a).into())),
                any::<u32>().prop_map(AttributeValue::MultiExitDiscriminator),
                any::<u32>().prop_map(AttributeValue::LocalPreference),
                Just(AttributeValue::AtomicAggregate),
                (any::<u32>(), any::<u32>()).prop_map(|(a, id)| AttributeValue::Aggregator { asn: Asn::new_32bit(a), id: id.into() }),
                (any::<u32>(), any::<u32>()).prop_map(|(a, id)| AttributeValue::As4Aggregator { asn: Asn::new_32bit(a), id: id.into() }),
                vec(community(), 0..4).prop_map(AttributeValue::Communities),
                vec((any::<u32>(), any::<u32>(), any::<u32>()), 0..3).prop_map(|v| AttributeValue::LargeCommunities(
                    v.into_iter().map(|(g, a, b)| LargeCommunity::new(g, [a, b])).collect()
                )),
                vec(any::<[u8; 8]>(), 0..3)
                    .prop_map(|v| AttributeValue::ExtendedCommunities(v.into_iter().map(ExtendedCommunity::Raw).collect())),
                (vec(prop_oneof![v6(), v4()], 0..4), next_hop()).prop_map(|(prefixes, hop)| {
                    let mut n = Nlri::new_reachable(NetworkPrefix::new("::/0".parse().unwrap(), None), None);
                    n.prefixes = prefixes;
                    n.next_hop = hop;
                    AttributeValue::MpReachNlri(n)
                }),
                vec(prop_oneof![v6(), v4()], 0..4).prop_map(|prefixes| {
                    let mut n = Nlri::new_unreachable(NetworkPrefix::new("::/0".parse().unwrap(), None));
                    n.prefixes = prefixes;
                    AttributeValue::MpUnreachNlri(n)
                }),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            /// Rows read in place equal rows of bgpkit's elems, for any mix of attributes.
            #[test]
            fn rows_are_bgpkits_elems(
                attrs in vec(attribute(), 0..10),
                announced in vec(v4(), 0..4),
                withdrawn in vec(v4(), 0..4),
                peer in prop_oneof![any::<u32>().prop_map(|a| IpAddr::from(std::net::Ipv4Addr::from(a))), any::<u128>().prop_map(|a| IpAddr::from(std::net::Ipv6Addr::from(a)))],
            ) {
                let update = BgpUpdateMessage { withdrawn_prefixes: withdrawn, attributes: attrs.into_iter().collect(), announced_prefixes: announced };
                let ctx = FileContext::new("0123456789abcdef", "test");
                let mut rows = UpdateRows::new();
                // A first message leaves its texts behind: none may leak into the second's rows.
                let first = BgpUpdateMessage {
                    withdrawn_prefixes: vec![],
                    attributes: vec![AttributeValue::AsPath(AsPath::from_segments(vec![AsPathSegment::sequence([1, 2])])), AttributeValue::AtomicAggregate]
                        .into_iter()
                        .collect(),
                    announced_prefixes: vec![NetworkPrefix::new("192.0.2.0/24".parse().unwrap(), None)],
                };
                rows.push_update(1, "192.0.2.1".parse().unwrap(), 1, &first, &ctx, "BGP4MP/4", 0, &mut String::new());
                let n = rows.push_update(1, peer, 64_512, &update, &ctx, "BGP4MP/4", 0, &mut String::new());
                let elems = bgpkit_parser::Elementor::bgp_update_to_elems(update, 1.0, &peer, &Asn::new_32bit(64_512));
                prop_assert_eq!(n, elems.len());
                let mut sink = crate::format::MemorySink::default();
                rows.flush(&mut sink).unwrap();
                let b = sink.concat(Table::BgpUpdates);
                let got: Vec<String> = (1..b.num_rows()).map(|i| update_row(&b, i)).collect();
                let want: Vec<String> = elems.iter().map(elem_row).collect();
                prop_assert_eq!(got, want);
            }
        }
    }

    #[test]
    fn a_rib_entry_without_a_path_has_no_origin() {
        let ctx = FileContext::new("0123456789abcdef", "test");
        let mut rib = RibRows::new();
        let mut e = BgpElem { as_path: Some(AsPath::from_segments(vec![seq(&[65001, 65002])])), ..Default::default() };
        rib.push(1, &e, &ctx, "TABLE_DUMP_V2/2", 0, &mut String::new());
        e.as_path = None;
        rib.push(1, &e, &ctx, "TABLE_DUMP_V2/2", 1, &mut String::new());
        e.as_path = Some(AsPath::from_segments(vec![seq(&[65001, 65002])]));
        rib.push(1, &e, &ctx, "TABLE_DUMP_V2/2", 2, &mut String::new());
        let mut sink = crate::format::MemorySink::default();
        rib.flush(&mut sink).unwrap();
        let b = sink.concat(Table::BgpRib);
        let origin = b.column_by_name("origin_asn").unwrap();
        let path = b.column_by_name("as_path").unwrap();
        assert_eq!((origin.is_null(0), origin.is_null(1), origin.is_null(2)), (false, true, false));
        assert_eq!((path.is_null(0), path.is_null(1), path.is_null(2)), (false, true, false));
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
