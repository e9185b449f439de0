//! The packet-capture read loop: records in, paired DNS rows and rejects out.
//!
//! In: a decompressed pcap or pcapng stream. Out: `dns_events` rows (queries joined with their
//! responses by DNS ID, transport, client address and port, server address and port and
//! question; `query-only` and `response-only` for the rest), rejects and [`ReadStats`].
//!
//! Which traffic is DNS: UDP and TCP with port 53 on either side. mDNS (5353), LLMNR (5355) and
//! DNS on other ports are skipped: multicast discovery has no server to answer and would show
//! as unanswered queries. The QR bit, not the port, tells queries from responses, so 53-to-53
//! traffic between servers is read too.
//!
//! Accounting: the records are the capture's records (file and section headers, interface
//! descriptions and other blocks are skipped records), and the units that reassembly makes out
//! of several packets: a reassembled IP datagram, a DNS message cut out of a TCP stream, and
//! the incomplete pieces given up on. A packet that is not DNS, a TCP segment and an IP
//! fragment are skipped records; a UDP datagram, a reassembled datagram or a TCP message that
//! decodes as DNS is an ok record (it ends up in exactly one row); one that does not is a reject
//! with the packet's offset and the hex of the payload; a DNS-port datagram or TCP message that
//! reassembly gave up on is a reject at the offset of its first packet.

use super::capture::{CaptureReader, Record};
use super::defrag::{Added, Defrag, Dropped};
use super::packet;
use super::tcp::{FlowKey, Lost, Segment, TcpStreams};
use crate::compress::Input;
use crate::dns::event::{DnsEvent, MessageType};
use crate::dns::names;
use crate::dns::pairing::{PairKey, Pairer};
use crate::dns::rows::Emitter;
use crate::dns::wire;
use crate::format::{FileContext, FormatError, ReadStats, Reject, Sink};
use std::net::IpAddr;

const DNS_PORT: u16 = 53;

/// The endpoints of a datagram or TCP message.
#[derive(Debug, Clone, Copy)]
struct Endpoints {
    src: IpAddr,
    sport: u16,
    dst: IpAddr,
    dport: u16,
    proto: u8,
}

struct State<'s> {
    out: Emitter<'s>,
    pairer: Pairer,
    defrag: Defrag,
    tcp: TcpStreams,
    rows: Vec<DnsEvent>,
    /// Records framed (capture records plus reassembled units), for the accounting check.
    framed: u64,
    source: &'static str,
}

impl State<'_> {
    fn skipped(&mut self) {
        self.out.stats.records_skipped += 1;
    }

    fn emit_rows(&mut self) -> Result<(), FormatError> {
        for ev in self.rows.drain(..) {
            self.out.row(&ev)?;
        }
        Ok(())
    }

    fn dropped(&mut self, dropped: Vec<Dropped>) -> Result<(), FormatError> {
        for d in dropped.into_iter().filter(|d| d.dns_hint) {
            self.framed += 1;
            self.out.reject(Reject::binary(d.first_offset, d.reason, &[]))?;
        }
        Ok(())
    }

    fn lost(&mut self, lost: Vec<Lost>) -> Result<(), FormatError> {
        for l in lost {
            self.framed += 1;
            self.out.reject(Reject::binary(l.first_offset, l.reason, &[]))?;
        }
        Ok(())
    }

    /// One packet of the capture (already counted as framed).
    fn packet(&mut self, data: &[u8], linktype: i32, ts: i64, offset: u64, end: u64) -> Result<(), FormatError> {
        let ip = match packet::decode(linktype, data) {
            Ok(Some(ip)) => ip,
            Ok(None) | Err(_) => {
                self.skipped();
                return Ok(());
            }
        };
        let Some(frag) = ip.fragment else {
            return self.transport(ip.src, ip.dst, ip.proto, ip.payload, ts, offset, end);
        };
        let mut dropped = Vec::new();
        let added = self.defrag.add(&ip, frag, ts, offset, &mut dropped);
        self.dropped(dropped)?;
        match added {
            Added::Incomplete => self.skipped(),
            Added::Invalid { reason, dns_hint } => {
                if dns_hint {
                    self.out.reject(Reject::binary(offset, reason, ip.payload).with_end(end))?;
                } else {
                    self.skipped();
                }
            }
            Added::Complete { payload, first_offset: _ } => {
                self.skipped();
                self.framed += 1;
                self.transport(ip.src, ip.dst, ip.proto, &payload, ts, offset, end)?;
            }
        }
        Ok(())
    }

    /// One IP payload (a packet's, or a reassembled datagram's): one record.
    #[allow(clippy::too_many_arguments)]
    fn transport(&mut self, src: IpAddr, dst: IpAddr, proto: u8, bytes: &[u8], ts: i64, offset: u64, end: u64) -> Result<(), FormatError> {
        match proto {
            17 => {
                if bytes.len() < 8 {
                    self.skipped();
                    return Ok(());
                }
                let sport = u16::from_be_bytes([bytes[0], bytes[1]]);
                let dport = u16::from_be_bytes([bytes[2], bytes[3]]);
                if sport != DNS_PORT && dport != DNS_PORT {
                    self.skipped();
                    return Ok(());
                }
                let ulen = usize::from(u16::from_be_bytes([bytes[4], bytes[5]]));
                let stop = if ulen >= 8 { ulen.min(bytes.len()) } else { bytes.len() };
                let ep = Endpoints { src, sport, dst, dport, proto };
                self.dns_message(&bytes[8..stop], ep, ts, offset, end, None)
            }
            6 => {
                let Ok(seg) = etherparse::TcpSlice::from_slice(bytes) else {
                    self.skipped();
                    return Ok(());
                };
                let (sport, dport) = (seg.source_port(), seg.destination_port());
                self.skipped();
                if sport != DNS_PORT && dport != DNS_PORT {
                    return Ok(());
                }
                let key = FlowKey { src, sport, dst, dport };
                let s = Segment { seq: seg.sequence_number(), syn: seg.syn(), fin: seg.fin(), rst: seg.rst(), payload: seg.payload() };
                let mut lost = Vec::new();
                let messages = self.tcp.segment(key, s, ts, offset, &mut lost);
                self.lost(lost)?;
                let ep = Endpoints { src, sport, dst, dport, proto };
                let n = messages.len();
                for (i, m) in messages.iter().enumerate() {
                    self.framed += 1;
                    self.dns_message(m, ep, ts, offset, end, (n > 1).then_some((i + 1, n)))?;
                }
                Ok(())
            }
            _ => {
                self.skipped();
                Ok(())
            }
        }
    }

    /// One DNS message: one ok record (a row, alone or joined) or one reject. `nth` is the
    /// message's place among several that one TCP segment completed (they share the packet's
    /// offset, so their rejects name it).
    #[allow(clippy::too_many_arguments)]
    fn dns_message(
        &mut self,
        msg: &[u8],
        ep: Endpoints,
        ts: i64,
        offset: u64,
        end: u64,
        nth: Option<(usize, usize)>,
    ) -> Result<(), FormatError> {
        let what = match nth {
            Some((i, n)) => format!("DNS payload (TCP message {i} of {n} in this segment)"),
            None => "DNS payload".to_string(),
        };
        let d = match wire::decode(msg) {
            Ok(d) => d,
            Err(reason) => {
                return self.out.reject(Reject::binary(offset, format!("{what}: {reason}"), msg).with_end(end));
            }
        };
        self.out.stats.records_ok += 1;
        if let Some(p) = &d.partial {
            self.out.partial(Reject::binary(offset, format!("{what}: {p}"), msg).with_end(end))?;
        }
        let info = d.info;
        let is_response = info.is_response;
        let mut ev = DnsEvent::new(ts, self.source, if is_response { MessageType::ResponseOnly } else { MessageType::QueryOnly }, offset);
        let (client, cport, server, sport) =
            if is_response { (ep.dst, ep.dport, ep.src, ep.sport) } else { (ep.src, ep.sport, ep.dst, ep.dport) };
        ev.client_addr = Some(client);
        ev.client_port = Some(cport);
        ev.server_addr = Some(server);
        ev.server_port = Some(sport);
        ev.qname = info.qname;
        ev.qtype = info.qtype.map(|c| names::qtype_name(c).into_owned());
        ev.qclass = info.qclass.map(|c| names::qclass_name(c).into_owned());
        ev.opcode = Some(names::opcode_name(info.opcode).into_owned());
        ev.query_id = Some(info.id);
        ev.proto = Some(if ep.proto == 6 { "tcp" } else { "udp" }.into());
        let key = PairKey { family: 0, proto: ep.proto, id: info.id };
        let rows = &mut self.rows;
        if is_response {
            ev.rcode = Some(names::rcode_name(info.rcode).into_owned());
            ev.answers = Some(info.answers);
            ev.truncated = Some(info.truncated);
            ev.response_ts = Some(ts);
            self.pairer.response(key, ev, &mut |e| rows.push(e));
        } else {
            self.pairer.query(key, ev, &mut |e| rows.push(e));
        }
        self.emit_rows()
    }
}

/// Reads a pcap or pcapng stream into rows and rejects.
pub fn read_pcap(input: &mut Input<'_>, ctx: &FileContext, sink: &mut dyn Sink) -> Result<ReadStats, FormatError> {
    read_pcap_counted(input, ctx, sink).map(|(s, _)| s)
}

/// [`read_pcap`], also returning how many records were framed (the accounting tests check
/// that `records_ok + records_rejected + records_skipped` equals it).
pub(crate) fn read_pcap_counted(input: &mut Input<'_>, ctx: &FileContext, sink: &mut dyn Sink) -> Result<(ReadStats, u64), FormatError> {
    let mut st = State {
        out: Emitter::new(ctx, sink),
        pairer: Pairer::default(),
        defrag: Defrag::default(),
        tcp: TcpStreams::default(),
        rows: Vec::new(),
        framed: 0,
        source: "pcap",
    };
    let mut cap = CaptureReader::new(input);
    loop {
        let rec = match cap.next_record() {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(e) => {
                let at = cap.offset();
                let reason = format!("reading the stream: {e}");
                st.framed += 1;
                st.out.reject(Reject::binary(at, reason.clone(), &[]))?;
                st.out.stats.stopped = Some(reason);
                break;
            }
        };
        st.framed += 1;
        st.source = if cap.is_pcapng() { "pcapng" } else { "pcap" };
        if st.framed.is_multiple_of(4096) {
            st.out.progress(cap.offset());
        }
        match rec {
            Record::Meta { .. } => st.skipped(),
            Record::UnsupportedLink { offset, end, linktype } => {
                let reason = format!("link type {linktype} is not supported: the packets of this capture (or interface) are skipped");
                st.out.reject(Reject::binary(offset, reason, cap.record_bytes()).with_end(end))?;
            }
            Record::Bad { offset, end, reason } => st.out.reject(Reject::binary(offset, reason, cap.record_bytes()).with_end(end))?,
            Record::Broken { offset, end, reason } => {
                let end = end + cap.drain().unwrap_or(0);
                st.out.reject(Reject::binary(offset, reason.clone(), cap.record_bytes()).with_end(end))?;
                st.out.stats.stopped = Some(reason);
                break;
            }
            Record::Packet { offset, end, linktype, ts_us } => {
                st.packet(cap.packet(), linktype, ts_us, offset, end)?;
            }
        }
    }
    let mut dropped = Vec::new();
    st.defrag.finish(&mut dropped);
    st.dropped(dropped)?;
    let mut lost = Vec::new();
    st.tcp.finish(&mut lost);
    st.lost(lost)?;
    let rows = &mut st.rows;
    st.pairer.finish(&mut |e| rows.push(e));
    st.emit_rows()?;
    st.out.progress(cap.offset());
    let framed = st.framed;
    st.out.stats.records_framed = framed;
    Ok((st.out.finish()?, framed))
}
