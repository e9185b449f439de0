//! What every traceroute and ping reader produces, before it becomes columns.
//!
//! In: nothing (each format folder fills these structs from its own records). Out: [`Trace`],
//! [`Hop`] and [`Ping`], the one shape that RIPE Atlas JSON, scamper warts, scamper JSON and
//! traceroute text are all brought to, and the vocabularies that keep the formats comparable:
//! [`StopReason`] (scamper's names, which Atlas and text are mapped to) and [`IcmpError`]
//! (Atlas `err` codes, traceroute `!H` annotations and ICMP type/code pairs in one set).
//!
//! The derived columns (`reached`, `last_responsive_*`, `trace_id`, `loss`) are computed from
//! these structs in one place, [`rows`], so that a trace means the same thing whatever file it
//! came from. `docs/tables/traceroute.md` documents the tables column by column.

pub mod json;
pub mod lines;
pub mod rows;

use std::net::IpAddr;

/// One traceroute, as read from any format.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trace {
    /// Start of the measurement, UTC microseconds.
    pub ts_us: i64,
    /// End of the measurement, UTC microseconds, when the format says (Atlas `endtime`).
    pub end_ts_us: Option<i64>,
    /// RIPE Atlas measurement id.
    pub msm_id: Option<u64>,
    /// RIPE Atlas probe id.
    pub probe_id: Option<u64>,
    /// Source address of the probes (canonical).
    pub src_addr: Option<IpAddr>,
    /// Destination address (canonical); `None` when the target name did not resolve or the
    /// text output does not say.
    pub dst_addr: Option<IpAddr>,
    /// Destination name, when the format gives one.
    pub dst_name: Option<String>,
    /// Address family (4 or 6) when known.
    pub af: Option<u8>,
    /// Probe protocol: `ICMP`, `UDP` or `TCP`.
    pub proto: Option<&'static str>,
    /// Why the traceroute stopped; `None` when the format does not say and it cannot be
    /// inferred.
    pub stop_reason: Option<StopReason>,
    /// Number of TTLs probed (scamper: its `hop_count`).
    pub hop_count: u16,
    /// Error of the measurement as a whole (Atlas result-level `error`).
    pub error: Option<String>,
    /// Byte offset of the record in the decompressed stream.
    pub record_offset: u64,
    /// Replies, timeouts and per-TTL errors, in file order.
    pub hops: Vec<Hop>,
}

/// One reply, timeout or per-TTL error of a traceroute.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hop {
    /// When the probe was sent (scamper `tx`), else the trace's start, UTC microseconds.
    pub ts_us: i64,
    /// TTL (hop limit) of the probe; Atlas's final hop is 255.
    pub ttl: u8,
    /// Address the reply came from (canonical); `None` for timeouts and errors.
    pub addr: Option<IpAddr>,
    /// Host name printed next to (or instead of) the address by text traceroutes.
    pub name: Option<String>,
    /// AS number printed by `traceroute -A`/`-a`.
    pub asn: Option<u32>,
    /// Round-trip time in milliseconds; `None` for timeouts and late replies.
    pub rtt_ms: Option<f64>,
    /// TTL of the reply packet.
    pub reply_ttl: Option<u8>,
    /// ICMP type of the reply (scamper only).
    pub icmp_type: Option<u8>,
    /// ICMP code of the reply (scamper only).
    pub icmp_code: Option<u8>,
    /// Destination-unreachable class of the reply.
    pub icmp_error: Option<IcmpError>,
    /// No reply for this probe.
    pub timeout: bool,
    /// The reply came after the prober had given up on it (Atlas `late`).
    pub late: bool,
    /// Error reported by the prober instead of a reply (Atlas hop `error`).
    pub error: Option<String>,
}

/// One ping measurement, as read from any format.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ping {
    /// Start of the measurement, UTC microseconds.
    pub ts_us: i64,
    pub msm_id: Option<u64>,
    pub probe_id: Option<u64>,
    pub src_addr: Option<IpAddr>,
    pub dst_addr: Option<IpAddr>,
    pub dst_name: Option<String>,
    pub af: Option<u8>,
    pub proto: Option<&'static str>,
    /// Probes sent.
    pub sent: u32,
    /// Responses of any kind (echo replies, duplicates, ICMP errors from routers).
    pub replies: u32,
    /// Probes answered by the expected reply from the destination address itself.
    pub dst_replies: u32,
    /// Probes that got an error instead of a reply (ICMP errors from routers, prober errors).
    pub errors: u32,
    /// Round-trip times of the destination's replies, in milliseconds.
    pub rtts_ms: Vec<f64>,
    /// Used when the format gives only a summary and no per-reply times (Atlas firmware 1):
    /// (min, avg, max) in milliseconds.
    pub rtt_summary: Option<(f64, f64, f64)>,
    /// Byte offset of the record in the decompressed stream.
    pub record_offset: u64,
}

/// Why a traceroute stopped: scamper's vocabulary, which the other formats are mapped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StopReason {
    /// scamper's null reason.
    None,
    /// A reply came from the destination.
    Completed,
    /// An ICMP destination unreachable (other than from the destination) ended the trace.
    Unreach,
    /// Another ICMP message ended the trace.
    Icmp,
    /// A forwarding loop was detected.
    Loop,
    /// Too many consecutive TTLs without a reply (Atlas: it jumped to hop 255 and got nothing).
    GapLimit,
    /// The prober could not send (Atlas `error`, scamper ERROR).
    Error,
    /// The maximum TTL was reached.
    HopLimit,
    /// A hop in scamper's global stop set was reached.
    Gss,
    /// The measurement was halted.
    Halted,
    /// A stop code this reader does not know.
    Unknown,
}

impl StopReason {
    /// The value written to `traceroutes.stop_reason`.
    pub const fn name(self) -> &'static str {
        match self {
            StopReason::None => "NONE",
            StopReason::Completed => "COMPLETED",
            StopReason::Unreach => "UNREACH",
            StopReason::Icmp => "ICMP",
            StopReason::Loop => "LOOP",
            StopReason::GapLimit => "GAPLIMIT",
            StopReason::Error => "ERROR",
            StopReason::HopLimit => "HOPLIMIT",
            StopReason::Gss => "GSS",
            StopReason::Halted => "HALTED",
            StopReason::Unknown => "UNKNOWN",
        }
    }

    /// scamper's numeric stop reason (warts).
    pub const fn from_scamper_code(code: u8) -> StopReason {
        match code {
            0 => StopReason::None,
            1 => StopReason::Completed,
            2 => StopReason::Unreach,
            3 => StopReason::Icmp,
            4 => StopReason::Loop,
            5 => StopReason::GapLimit,
            6 => StopReason::Error,
            7 => StopReason::HopLimit,
            8 => StopReason::Gss,
            9 => StopReason::Halted,
            _ => StopReason::Unknown,
        }
    }

    /// scamper's stop reason name (JSON); unknown names give `None`.
    pub fn from_scamper_name(name: &str) -> Option<StopReason> {
        Some(match name {
            "NONE" => StopReason::None,
            "COMPLETED" => StopReason::Completed,
            "UNREACH" => StopReason::Unreach,
            "ICMP" => StopReason::Icmp,
            "LOOP" => StopReason::Loop,
            "GAPLIMIT" => StopReason::GapLimit,
            "ERROR" => StopReason::Error,
            "HOPLIMIT" => StopReason::HopLimit,
            "GSS" => StopReason::Gss,
            "HALTED" => StopReason::Halted,
            _ => return None,
        })
    }
}

/// The class of an ICMP destination-unreachable (or packet-too-big) reply, whichever way the
/// format spells it: Atlas `err` letters, traceroute `!X` annotations or ICMP type/code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IcmpError {
    /// Atlas `N`, `!N`, ICMPv4 3/0, 3/6, 3/11, ICMPv6 1/0.
    NetUnreach,
    /// Atlas `H`, `!H`, ICMPv4 3/1, 3/7, 3/12, ICMPv6 1/3.
    HostUnreach,
    /// Atlas `P`, `!P`, ICMPv4 3/2.
    ProtoUnreach,
    /// Atlas `p`, ICMPv4 3/3, ICMPv6 1/4 (the normal answer of a UDP traceroute's target).
    PortUnreach,
    /// Atlas `A`, `!X`, `!A`, ICMPv4 3/9, 3/10, 3/13, ICMPv6 1/1, 1/5, 1/6.
    AdminProhibited,
    /// `!F`, ICMPv4 3/4, ICMPv6 type 2 (packet too big).
    FragNeeded,
    /// `!S`, ICMPv4 3/5.
    SrcRouteFailed,
    /// Atlas `h`, ICMPv6 1/2.
    BeyondScope,
    /// `!V`, ICMPv4 3/14.
    HostPrecedence,
    /// `!C`, ICMPv4 3/15.
    PrecedenceCutoff,
    /// Any other unreachable code (Atlas numeric `err`, `!<N>`, unknown ICMP codes).
    Code(u16),
}

impl IcmpError {
    /// The value written to `traceroute_hops.icmp_error`.
    pub fn name(self) -> String {
        match self {
            IcmpError::NetUnreach => "net-unreach".into(),
            IcmpError::HostUnreach => "host-unreach".into(),
            IcmpError::ProtoUnreach => "proto-unreach".into(),
            IcmpError::PortUnreach => "port-unreach".into(),
            IcmpError::AdminProhibited => "admin-prohibited".into(),
            IcmpError::FragNeeded => "frag-needed".into(),
            IcmpError::SrcRouteFailed => "srcroute-failed".into(),
            IcmpError::BeyondScope => "beyond-scope".into(),
            IcmpError::HostPrecedence => "host-precedence".into(),
            IcmpError::PrecedenceCutoff => "precedence-cutoff".into(),
            IcmpError::Code(c) => format!("unreach-{c}"),
        }
    }

    /// From an ICMP type and code; `None` for messages that are not errors of reachability
    /// (time exceeded, echo reply, ...).
    pub fn from_icmp(v6: bool, icmp_type: u8, code: u8) -> Option<IcmpError> {
        if v6 {
            match (icmp_type, code) {
                (1, 0) => Some(IcmpError::NetUnreach),
                (1, 1) | (1, 5) | (1, 6) => Some(IcmpError::AdminProhibited),
                (1, 2) => Some(IcmpError::BeyondScope),
                (1, 3) => Some(IcmpError::HostUnreach),
                (1, 4) => Some(IcmpError::PortUnreach),
                (1, c) => Some(IcmpError::Code(c.into())),
                (2, _) => Some(IcmpError::FragNeeded),
                _ => None,
            }
        } else {
            match (icmp_type, code) {
                (3, 0) | (3, 6) | (3, 11) => Some(IcmpError::NetUnreach),
                (3, 1) | (3, 7) | (3, 12) => Some(IcmpError::HostUnreach),
                (3, 2) => Some(IcmpError::ProtoUnreach),
                (3, 3) => Some(IcmpError::PortUnreach),
                (3, 4) => Some(IcmpError::FragNeeded),
                (3, 5) => Some(IcmpError::SrcRouteFailed),
                (3, 9) | (3, 10) | (3, 13) => Some(IcmpError::AdminProhibited),
                (3, 14) => Some(IcmpError::HostPrecedence),
                (3, 15) => Some(IcmpError::PrecedenceCutoff),
                (3, c) => Some(IcmpError::Code(c.into())),
                _ => None,
            }
        }
    }

    /// From a RIPE Atlas `err` letter.
    pub fn from_atlas_letter(s: &str) -> Option<IcmpError> {
        Some(match s {
            "N" => IcmpError::NetUnreach,
            "H" => IcmpError::HostUnreach,
            "A" => IcmpError::AdminProhibited,
            "P" => IcmpError::ProtoUnreach,
            "p" => IcmpError::PortUnreach,
            "h" => IcmpError::BeyondScope,
            _ => return None,
        })
    }

    /// From a traceroute annotation such as `!H`, `!X`, `!<10>` or `!F-1500`; `None` for
    /// annotations that are not errors (BSD's lone `!` for a reply TTL <= 1, `!T...`).
    pub fn from_annotation(a: &str) -> Option<IcmpError> {
        let rest = a.strip_prefix('!')?;
        if let Some(code) = rest.strip_prefix('<').and_then(|r| r.strip_suffix('>')) {
            return code.parse::<u16>().ok().map(IcmpError::Code);
        }
        if rest.starts_with('F') {
            return Some(IcmpError::FragNeeded);
        }
        Some(match rest {
            "N" => IcmpError::NetUnreach,
            "H" => IcmpError::HostUnreach,
            "P" => IcmpError::ProtoUnreach,
            "S" => IcmpError::SrcRouteFailed,
            "X" | "A" => IcmpError::AdminProhibited,
            "V" => IcmpError::HostPrecedence,
            "C" => IcmpError::PrecedenceCutoff,
            "Z" => IcmpError::Code(10),
            _ => return None,
        })
    }
}

/// Infers why a traceroute stopped when the format does not record it (Atlas, text), from
/// its rows: a reply from the destination is COMPLETED; an unreachable at the last TTL probed
/// is UNREACH; only prober errors there is ERROR; only timeouts at `gap_ttl` (Atlas's final
/// hop 255) is GAPLIMIT; the last TTL at or past `max_hops` is HOPLIMIT. When none of these
/// holds, `assume_hoplimit` says whether the prober is known to stop only for these reasons
/// (Atlas: then it ran out of hops) or the output may simply be cut short (text: `None`).
pub fn infer_stop_reason(
    trace: &Trace,
    reached: bool,
    gap_ttl: Option<u8>,
    max_hops: Option<u16>,
    assume_hoplimit: bool,
) -> Option<StopReason> {
    if reached {
        return Some(StopReason::Completed);
    }
    let Some(last) = trace.hops.iter().map(|h| h.ttl).max() else {
        return if trace.error.is_some() { Some(StopReason::Error) } else { None };
    };
    let at_last = || trace.hops.iter().filter(move |h| h.ttl == last);
    if at_last().any(|h| h.icmp_error.is_some() && !h.timeout) {
        return Some(StopReason::Unreach);
    }
    if at_last().all(|h| h.error.is_some()) {
        return Some(StopReason::Error);
    }
    let all_silent = at_last().all(|h| h.timeout || h.error.is_some());
    if all_silent && gap_ttl == Some(last) {
        return Some(StopReason::GapLimit);
    }
    if max_hops.is_some_and(|m| u16::from(last) >= m) {
        return Some(StopReason::HopLimit);
    }
    if assume_hoplimit { Some(StopReason::HopLimit) } else { None }
}

/// The canonical form of an address: IPv4-mapped IPv6 (`::ffff:192.0.2.1`) becomes IPv4, so
/// that longest-prefix matches against IPv4 prefixes work whatever the writer did.
pub fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// Parses an address written as text and returns its canonical form. Accepts an IPv6 zone
/// suffix (`fe80::1%eth0`, the zone is dropped) and surrounding brackets.
pub fn parse_addr(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    let s = s.strip_prefix('[').and_then(|x| x.strip_suffix(']')).unwrap_or(s);
    let s = match s.find('%') {
        Some(i) if s.contains(':') => &s[..i],
        _ => s,
    };
    s.parse::<IpAddr>().ok().map(canonical)
}

/// The address family of an address.
pub fn af_of(addr: IpAddr) -> u8 {
    if addr.is_ipv4() { 4 } else { 6 }
}

/// Seconds and microseconds to UTC microseconds (saturating, never panicking).
pub fn ts_from_sec_usec(sec: i64, usec: i64) -> i64 {
    sec.saturating_mul(1_000_000).saturating_add(usec)
}

/// Seconds as a float (Atlas sometimes writes fractions) to UTC microseconds; `None` when not
/// finite or out of range.
pub fn ts_from_secs_f64(sec: f64) -> Option<i64> {
    if !sec.is_finite() || sec.abs() > 9.0e12 {
        return None;
    }
    Some((sec * 1e6).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_addresses_become_ipv4() {
        assert_eq!(parse_addr("::ffff:132.227.123.8"), parse_addr("132.227.123.8"));
        assert_eq!(parse_addr("2001:DB8::1").unwrap().to_string(), "2001:db8::1");
        assert_eq!(parse_addr("fe80::1%eth0").unwrap().to_string(), "fe80::1");
        assert_eq!(parse_addr("[2001:db8::1]").unwrap().to_string(), "2001:db8::1");
        assert_eq!(parse_addr("Internal"), None);
        assert_eq!(parse_addr("(192.0.2.1)"), None);
    }

    #[test]
    fn icmp_vocabulary_agrees_across_spellings() {
        assert_eq!(IcmpError::from_icmp(false, 3, 0), IcmpError::from_atlas_letter("N"));
        assert_eq!(IcmpError::from_icmp(false, 3, 1), IcmpError::from_annotation("!H"));
        assert_eq!(IcmpError::from_icmp(false, 3, 13), IcmpError::from_annotation("!X"));
        assert_eq!(IcmpError::from_icmp(true, 1, 1), IcmpError::from_atlas_letter("A"));
        assert_eq!(IcmpError::from_icmp(true, 1, 4), IcmpError::from_atlas_letter("p"));
        assert_eq!(IcmpError::from_icmp(false, 11, 0), None);
        assert_eq!(IcmpError::from_icmp(true, 3, 0), None);
        assert_eq!(IcmpError::from_annotation("!<500>").map(IcmpError::name).as_deref(), Some("unreach-500"));
        assert_eq!(IcmpError::from_annotation("!F-1500"), Some(IcmpError::FragNeeded));
        assert_eq!(IcmpError::from_annotation("!"), None);
        assert_eq!(IcmpError::from_annotation("ms"), None);
    }

    #[test]
    fn stop_reasons_round_trip() {
        for code in 0..=10u8 {
            let r = StopReason::from_scamper_code(code);
            if r != StopReason::Unknown {
                assert_eq!(StopReason::from_scamper_name(r.name()), Some(r));
            }
        }
        assert_eq!(StopReason::from_scamper_code(200), StopReason::Unknown);
    }
}
