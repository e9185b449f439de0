//! The dnstap read loop: frames in, paired rows and rejects out.
//!
//! In: a decompressed Frame Streams stream. Out: `dns_events` rows (one per query, joined with
//! its response by [`crate::dns::pairing`], and one per unmatched response), rejects and
//! [`ReadStats`].
//!
//! Accounting: every frame is one record. Control frames are skipped records. A data frame
//! whose protobuf, metadata or DNS message cannot be read is one reject (offset of its length
//! prefix, hex of its first bytes); otherwise it is an ok record (it ends up in exactly one row,
//! alone or joined). A stretch of a file whose START names another content type (for example
//! fstrm's `test:hello`) is one reject covering the stretch, from its START frame to its STOP
//! frame (or to the next START, or the end of the stream). A frame cut short or over the length
//! cap is a reject covering the rest of the stream, and reading stops there.

use super::framestream::{CONTROL_START, CONTROL_STOP, Frame, FrameReader};
use super::proto;
use crate::compress::Input;
use crate::dns::event::{DnsEvent, MessageType};
use crate::dns::names;
use crate::dns::pairing::{PairKey, Pairer};
use crate::dns::rows::Emitter;
use crate::dns::wire;
use crate::format::{FileContext, FormatError, ReadStats, Reject, Sink};
use prost::Message as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The Frame Streams content type of dnstap.
pub const DNSTAP_CONTENT_TYPE: &[u8] = b"protobuf:dnstap.Dnstap";

/// The role names of the dnstap message families, by family number (type + 1) / 2.
const ROLES: [&str; 7] = ["auth", "resolver", "client", "forwarder", "stub", "tool", "update"];

/// A data frame turned into an event for the pairer.
struct Decoded {
    key: PairKey,
    is_response: bool,
    ev: DnsEvent,
    partial: Vec<String>,
}

fn addr(bytes: Option<&Vec<u8>>, field: &str, partial: &mut Vec<String>) -> Option<IpAddr> {
    let b = bytes?;
    match b.len() {
        4 => Some(IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            Some(IpAddr::V6(Ipv6Addr::from(a)))
        }
        n => {
            partial.push(format!("{field}: {n} bytes is not an IPv4 or IPv6 address"));
            None
        }
    }
}

fn port(p: Option<u32>, field: &str, partial: &mut Vec<String>) -> Option<u16> {
    let p = p?;
    match u16::try_from(p) {
        Ok(p) => Some(p),
        Err(_) => {
            partial.push(format!("{field}: {p} is not a port"));
            None
        }
    }
}

/// UTC microseconds from dnstap's seconds and nanoseconds.
fn time_us(sec: Option<u64>, nsec: Option<u32>, field: &str) -> Result<Option<i64>, String> {
    let Some(sec) = sec else { return Ok(None) };
    let nsec = nsec.unwrap_or(0);
    if nsec >= 1_000_000_000 {
        return Err(format!("{field}_nsec: {nsec} is not below one second"));
    }
    let us = i64::try_from(sec).ok().and_then(|s| s.checked_mul(1_000_000)).and_then(|s| s.checked_add(i64::from(nsec / 1000)));
    match us {
        Some(us) => Ok(Some(us)),
        None => Err(format!("{field}_sec: {sec} is out of range")),
    }
}

fn proto_name(p: i32) -> String {
    match p {
        1 => "udp".into(),
        2 => "tcp".into(),
        3 => "dot".into(),
        4 => "doh".into(),
        5 => "dnscrypt-udp".into(),
        6 => "dnscrypt-tcp".into(),
        7 => "doq".into(),
        n => format!("socket-protocol-{n}"),
    }
}

/// Turns one dnstap payload into an event, or says why it cannot be.
fn decode_frame(payload: &[u8], offset: u64) -> Result<Decoded, String> {
    let d = proto::Dnstap::decode(payload).map_err(|e| format!("protobuf: {e}"))?;
    if let Some(t) = d.r#type
        && t != 1
    {
        return Err(format!("Dnstap.type: {t} is not MESSAGE (1)"));
    }
    let m = d.message.ok_or("Dnstap.message: missing")?;
    let t = m.r#type.ok_or("Message.type: missing")?;
    if !(1..=14).contains(&t) {
        return Err(format!("Message.type: {t} is not a dnstap message type"));
    }
    let family = ((t + 1) / 2) as u8;
    let is_response = t % 2 == 0;
    let (wire_field, wire) =
        if is_response { ("response_message", m.response_message.as_ref()) } else { ("query_message", m.query_message.as_ref()) };
    let wire = wire.ok_or_else(|| format!("{wire_field}: missing"))?;
    let qt = time_us(m.query_time_sec, m.query_time_nsec, "query_time")?;
    let rt = time_us(m.response_time_sec, m.response_time_nsec, "response_time")?;
    let ts = if is_response { qt.or(rt).ok_or("response_time_sec: missing")? } else { qt.ok_or("query_time_sec: missing")? };
    let decoded = wire::decode(wire).map_err(|e| format!("{wire_field}: {e}"))?;
    let info = decoded.info;
    let mut partial = Vec::new();
    if let Some(p) = decoded.partial {
        partial.push(format!("{wire_field}: {p}"));
    }
    let mut ev = DnsEvent::new(ts, "dnstap", if is_response { MessageType::ResponseOnly } else { MessageType::QueryOnly }, offset);
    ev.role = Some(ROLES[family as usize - 1]);
    ev.server_id = d.identity.as_ref().map(|b| String::from_utf8_lossy(b).into_owned());
    ev.client_addr = addr(m.query_address.as_ref(), "query_address", &mut partial);
    ev.client_port = port(m.query_port, "query_port", &mut partial);
    ev.server_addr = addr(m.response_address.as_ref(), "response_address", &mut partial);
    ev.server_port = port(m.response_port, "response_port", &mut partial);
    ev.qname = info.qname.clone();
    ev.qtype = info.qtype.map(|c| names::qtype_name(c).into_owned());
    ev.qclass = info.qclass.map(|c| names::qclass_name(c).into_owned());
    ev.opcode = Some(names::opcode_name(info.opcode).into_owned());
    ev.query_id = Some(info.id);
    ev.proto = m.socket_protocol.map(proto_name);
    if is_response {
        ev.rcode = Some(names::rcode_name(info.rcode).into_owned());
        ev.answers = Some(info.answers);
        ev.truncated = Some(info.truncated);
        ev.response_ts = rt;
        ev.latency_ms = match (qt, rt) {
            (Some(q), Some(r)) => Some(crate::dns::event::latency_ms(q, r)),
            _ => None,
        };
    }
    // The transport is not part of the key: BIND logs the response of a query it retried over
    // TCP (after a truncated UDP answer) against the UDP query, with the same port. The ports
    // and addresses still have to agree.
    let key = PairKey { family, proto: 0, id: info.id };
    Ok(Decoded { key, is_response, ev, partial })
}

/// Where the reader is in the stream.
enum Segment {
    /// Data frames are dnstap (after a START naming dnstap, or before any START).
    Dnstap,
    /// A START named another content type; everything up to its end is one reject.
    Other { offset: u64, content_type: String, frames: u64, excerpt: Vec<u8> },
}

struct State<'s> {
    out: Emitter<'s>,
    pairer: Pairer,
    rows: Vec<DnsEvent>,
}

impl State<'_> {
    fn drain_rows(&mut self) -> Result<(), FormatError> {
        for ev in self.rows.drain(..) {
            self.out.row(&ev)?;
        }
        Ok(())
    }

    fn close_other(&mut self, seg: &mut Segment, end: u64) -> Result<(), FormatError> {
        if let Segment::Other { offset, content_type, frames, excerpt } = std::mem::replace(seg, Segment::Dnstap) {
            let reason = format!("content type \"{content_type}\" is not protobuf:dnstap.Dnstap; skipped {frames} data frames");
            self.out.reject(Reject::binary(offset, reason, &excerpt).with_end(end))?;
        }
        Ok(())
    }

    fn data(&mut self, payload: &[u8], offset: u64, end: u64) -> Result<(), FormatError> {
        match decode_frame(payload, offset) {
            Ok(d) => {
                self.out.stats.records_ok += 1;
                if !d.partial.is_empty() {
                    // One record, one reject, however many of its fields were damaged.
                    self.out.partial(Reject::binary(offset, d.partial.join("; "), payload).with_end(end))?;
                }
                let rows = &mut self.rows;
                if d.is_response {
                    self.pairer.response(d.key, d.ev, &mut |e| rows.push(e));
                } else {
                    self.pairer.query(d.key, d.ev, &mut |e| rows.push(e));
                }
                self.drain_rows()
            }
            Err(reason) => self.out.reject(Reject::binary(offset, reason, payload).with_end(end)),
        }
    }
}

/// Reads a dnstap Frame Streams stream into rows and rejects.
pub fn read_dnstap(input: &mut Input<'_>, ctx: &FileContext, sink: &mut dyn Sink) -> Result<ReadStats, FormatError> {
    read_dnstap_with(input, ctx, sink, Pairer::default())
}

/// [`read_dnstap`] with a given pairing state (windows and caps).
pub fn read_dnstap_with(input: &mut Input<'_>, ctx: &FileContext, sink: &mut dyn Sink, pairer: Pairer) -> Result<ReadStats, FormatError> {
    read_dnstap_counted(input, ctx, sink, pairer).map(|(s, _)| s)
}

/// [`read_dnstap_with`], also returning how many records were framed (frames, a stretch of
/// another content type counting as one), for the accounting tests.
pub(crate) fn read_dnstap_counted(
    input: &mut Input<'_>,
    ctx: &FileContext,
    sink: &mut dyn Sink,
    pairer: Pairer,
) -> Result<(ReadStats, u64), FormatError> {
    let mut st = State { out: Emitter::new(ctx, sink), pairer, rows: Vec::new() };
    let mut frames = FrameReader::new(input);
    let mut seg = Segment::Dnstap;
    let mut n = 0u64;
    let mut framed = 0u64;
    loop {
        let frame = match frames.next_frame() {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                let at = frames.offset();
                let was_other = matches!(seg, Segment::Other { .. });
                st.close_other(&mut seg, at)?;
                if !was_other {
                    framed += 1;
                    let reason = format!("reading the stream: {e}");
                    st.out.reject(Reject::binary(at, reason.clone(), &[]))?;
                }
                st.out.stats.stopped = Some(format!("reading the stream: {e}"));
                break;
            }
        };
        n += 1;
        if n.is_multiple_of(4096) {
            st.out.progress(frames.offset());
        }
        let starts_segment = matches!(frame, Frame::Control { kind: CONTROL_START, .. });
        if matches!(seg, Segment::Dnstap) || starts_segment {
            framed += 1;
        }
        match frame {
            Frame::Data { offset, end } => match &mut seg {
                Segment::Other { frames: k, .. } => *k += 1,
                Segment::Dnstap => st.data(frames.data(), offset, end)?,
            },
            Frame::Control { offset, end, kind, content_types } => {
                if kind == CONTROL_START {
                    st.close_other(&mut seg, offset)?;
                    if content_types.is_empty() || content_types.iter().any(|c| c == DNSTAP_CONTENT_TYPE) {
                        st.out.stats.records_skipped += 1;
                    } else {
                        let content_type = String::from_utf8_lossy(&content_types[0]).into_owned();
                        let excerpt = frames.data().to_vec();
                        seg = Segment::Other { offset, content_type, frames: 0, excerpt };
                    }
                } else if kind == CONTROL_STOP && matches!(seg, Segment::Other { .. }) {
                    st.close_other(&mut seg, end)?;
                } else if matches!(seg, Segment::Dnstap) {
                    // STOP, and the bidirectional READY/ACCEPT/FINISH handshake frames.
                    st.out.stats.records_skipped += 1;
                }
            }
            Frame::BadControl { offset, end, reason } => {
                if matches!(seg, Segment::Dnstap) {
                    st.out.reject(Reject::binary(offset, format!("control frame: {reason}"), frames.data()).with_end(end))?;
                }
            }
            Frame::Broken { offset, end, reason } => {
                let drained = frames_drain(&mut frames);
                let end = end + drained;
                if matches!(seg, Segment::Other { .. }) {
                    st.close_other(&mut seg, end)?;
                } else {
                    st.out.reject(Reject::binary(offset, reason.clone(), frames.data()).with_end(end))?;
                }
                st.out.stats.stopped = Some(reason);
                break;
            }
        }
    }
    let end = frames.offset();
    st.close_other(&mut seg, end)?;
    let rows = &mut st.rows;
    st.pairer.finish(&mut |e| rows.push(e));
    st.drain_rows()?;
    st.out.progress(end);
    st.out.stats.records_framed = framed;
    Ok((st.out.finish()?, framed))
}

/// Reads the rest of the stream (after a frame that cannot be stepped over) so that the
/// reject covers it; returns the bytes read.
fn frames_drain(frames: &mut FrameReader<'_, '_>) -> u64 {
    frames.drain().unwrap_or(0)
}
