//! pcap and pcapng framing: the stream cut into records (file header, packets, blocks).
//!
//! In: a decompressed capture. Out: one [`Record`] at a time: a packet (link type, time in
//! UTC microseconds, captured bytes) or a record that carries no packet (file header, section
//! header, interface description, statistics...). The records' bodies are parsed with
//! pcap-parser (`parse_pcap_header`, `parse_block_le/_be`); the framing, the length caps and
//! the timestamp arithmetic are ours, so that offsets are exact and damage is reported rather
//! than fatal.
//!
//! Legacy pcap: microsecond and nanosecond magic numbers in both byte orders, and the
//! "modified" (Kuznetsov) variant with 24-byte record headers. pcapng: every section (byte
//! order from its section header), interface link types, `if_tsresol` and `if_tsoffset`,
//! enhanced and simple packet blocks. A record length over its cap, or a record cut short by the
//! end of the stream, ends the capture ([`Record::Broken`]); a block that frames but does not
//! parse is [`Record::Bad`] and reading goes on.

use crate::compress::Input;
use pcap_parser::pcapng::{Block, parse_block_be, parse_block_le};
use pcap_parser::traits::PcapNGPacketBlock;
use std::io::{self, Read};

/// Largest captured packet taken (libpcap's `MAXIMUM_SNAPLEN`).
pub const MAX_PACKET: u32 = 262_144;
/// Largest pcapng block taken.
pub const MAX_BLOCK: u32 = 4 << 20;

const PCAPNG_SHB: u32 = 0x0A0D_0D0A;
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;

/// One framed record of a capture.
#[derive(Debug, PartialEq, Eq)]
pub enum Record {
    /// A packet; its bytes are in [`CaptureReader::packet`].
    Packet { offset: u64, end: u64, linktype: i32, ts_us: i64 },
    /// A record that carries no packet (headers, interface descriptions, statistics).
    Meta { offset: u64, end: u64, what: &'static str },
    /// A pcap header or interface whose link type this reader cannot decode.
    UnsupportedLink { offset: u64, end: u64, linktype: i32 },
    /// A record that framed but could not be read; the capture goes on.
    Bad { offset: u64, end: u64, reason: String },
    /// The capture cannot be read past this point.
    Broken { offset: u64, end: u64, reason: String },
}

/// Link types whose packets [`super::packet`] decodes.
pub fn supported_linktype(lt: i32) -> bool {
    matches!(lt, 0 | 1 | 12 | 14 | 101 | 108 | 113 | 228 | 229 | 276)
}

#[derive(Debug, Clone, Copy)]
struct Interface {
    linktype: i32,
    /// Timestamp units per second.
    resolution: Option<u64>,
    offset_s: i64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Unknown,
    Legacy { big_endian: bool, nanos: bool, modified: bool, linktype: i32 },
    Ng { big_endian: bool },
}

/// Reads records from an [`Input`].
pub struct CaptureReader<'a, 'b> {
    input: &'a mut Input<'b>,
    kind: Kind,
    interfaces: Vec<Interface>,
    buf: Vec<u8>,
    packet: std::ops::Range<usize>,
}

fn u32_at(b: &[u8], at: usize, big: bool) -> u32 {
    let s = [b[at], b[at + 1], b[at + 2], b[at + 3]];
    if big { u32::from_be_bytes(s) } else { u32::from_le_bytes(s) }
}

/// UTC microseconds of a pcapng timestamp, or `None` when it overflows.
fn ng_ts_us(high: u32, low: u32, iface: &Interface) -> Option<i64> {
    let ticks = (u128::from(high) << 32) | u128::from(low);
    let res = u128::from(iface.resolution?.max(1));
    let us = ticks.checked_mul(1_000_000)? / res;
    let us = i64::try_from(us).ok()?;
    us.checked_add(iface.offset_s.checked_mul(1_000_000)?)
}

impl<'a, 'b> CaptureReader<'a, 'b> {
    pub fn new(input: &'a mut Input<'b>) -> Self {
        CaptureReader { input, kind: Kind::Unknown, interfaces: Vec::new(), buf: Vec::new(), packet: 0..0 }
    }

    /// The bytes of the last packet read.
    pub fn packet(&self) -> &[u8] {
        &self.buf[self.packet.clone()]
    }

    /// The bytes of the last record read (for excerpts).
    pub fn record_bytes(&self) -> &[u8] {
        &self.buf
    }

    pub fn offset(&self) -> u64 {
        self.input.offset()
    }

    /// Whether the capture is pcapng (known after its first record).
    pub fn is_pcapng(&self) -> bool {
        matches!(self.kind, Kind::Ng { .. })
    }

    pub fn drain(&mut self) -> io::Result<u64> {
        self.input.drain()
    }

    /// Appends up to `n` bytes to `self.buf`; returns how many were read.
    fn read_more(&mut self, n: usize) -> io::Result<usize> {
        let before = self.buf.len();
        (&mut *self.input).take(n as u64).read_to_end(&mut self.buf)?;
        Ok(self.buf.len() - before)
    }

    fn broken(&self, offset: u64, reason: String) -> Record {
        Record::Broken { offset, end: self.input.offset(), reason }
    }

    /// The next record; `Ok(None)` at the end of the stream.
    pub fn next_record(&mut self) -> io::Result<Option<Record>> {
        self.buf.clear();
        self.packet = 0..0;
        let offset = self.input.offset();
        match self.kind {
            Kind::Unknown => self.file_header(offset),
            Kind::Legacy { big_endian, nanos, modified, linktype } => self.legacy_record(offset, big_endian, nanos, modified, linktype),
            Kind::Ng { big_endian } => self.ng_block(offset, big_endian),
        }
    }

    fn file_header(&mut self, offset: u64) -> io::Result<Option<Record>> {
        let got = self.read_more(4)?;
        if got == 0 {
            return Ok(None);
        }
        if got < 4 {
            return Ok(Some(self.broken(offset, format!("truncated file header: {got} bytes"))));
        }
        if u32_at(&self.buf, 0, false) == PCAPNG_SHB {
            // Byte order comes from the section header itself.
            self.kind = Kind::Ng { big_endian: false };
            return self.ng_block_from(offset, 4);
        }
        let got = self.read_more(20)?;
        if got < 20 {
            return Ok(Some(self.broken(offset, format!("truncated pcap file header: {} of 24 bytes", 4 + got))));
        }
        match pcap_parser::parse_pcap_header(&self.buf) {
            Ok((_, h)) => {
                let linktype = h.network.0;
                self.kind = Kind::Legacy {
                    big_endian: h.is_bigendian(),
                    nanos: h.is_nanosecond_precision(),
                    modified: h.is_modified_format(),
                    linktype,
                };
                let end = self.input.offset();
                if supported_linktype(linktype) {
                    Ok(Some(Record::Meta { offset, end, what: "pcap file header" }))
                } else {
                    Ok(Some(Record::UnsupportedLink { offset, end, linktype }))
                }
            }
            Err(_) => Ok(Some(self.broken(offset, "not a pcap or pcapng file header".into()))),
        }
    }

    fn legacy_record(&mut self, offset: u64, big: bool, nanos: bool, modified: bool, linktype: i32) -> io::Result<Option<Record>> {
        let hlen = if modified { 24 } else { 16 };
        let got = self.read_more(hlen)?;
        if got == 0 {
            return Ok(None);
        }
        if got < hlen {
            return Ok(Some(self.broken(offset, format!("truncated packet record header: {got} of {hlen} bytes"))));
        }
        let sec = u32_at(&self.buf, 0, big);
        let frac = u32_at(&self.buf, 4, big);
        let caplen = u32_at(&self.buf, 8, big);
        if caplen > MAX_PACKET {
            return Ok(Some(self.broken(offset, format!("packet record caplen {caplen} exceeds the cap of {MAX_PACKET} bytes"))));
        }
        let got = self.read_more(caplen as usize)?;
        let end = self.input.offset();
        if got < caplen as usize {
            return Ok(Some(Record::Broken { offset, end, reason: format!("truncated packet record: {got} of {caplen} bytes") }));
        }
        let frac_us = if nanos { frac / 1000 } else { frac };
        if frac_us >= 1_000_000 {
            return Ok(Some(Record::Bad {
                offset,
                end,
                reason: format!("packet record timestamp fraction {frac} is not below one second"),
            }));
        }
        self.packet = hlen..self.buf.len();
        let ts_us = i64::from(sec) * 1_000_000 + i64::from(frac_us);
        Ok(Some(Record::Packet { offset, end, linktype, ts_us }))
    }

    fn ng_block(&mut self, offset: u64, big: bool) -> io::Result<Option<Record>> {
        let got = self.read_more(4)?;
        if got == 0 {
            return Ok(None);
        }
        if got < 4 {
            return Ok(Some(self.broken(offset, format!("truncated block type: {got} of 4 bytes"))));
        }
        if u32_at(&self.buf, 0, big) == PCAPNG_SHB {
            return self.ng_block_from(offset, 4);
        }
        self.ng_block_body(offset, big)
    }

    /// A section header block whose 4-byte type has been read.
    fn ng_block_from(&mut self, offset: u64, _have: usize) -> io::Result<Option<Record>> {
        let got = self.read_more(8)?;
        if got < 8 {
            return Ok(Some(self.broken(offset, format!("truncated section header: {} of 12 bytes", 4 + got))));
        }
        let big = match u32_at(&self.buf, 8, false) {
            BYTE_ORDER_MAGIC => false,
            m if m.swap_bytes() == BYTE_ORDER_MAGIC => true,
            m => {
                return Ok(Some(self.broken(offset, format!("section header byte-order magic {m:#010x} is not 0x1a2b3c4d"))));
            }
        };
        self.kind = Kind::Ng { big_endian: big };
        self.interfaces.clear();
        self.ng_block_rest(offset, big, 12)
    }

    /// A block other than a section header whose 4-byte type has been read.
    fn ng_block_body(&mut self, offset: u64, big: bool) -> io::Result<Option<Record>> {
        let got = self.read_more(4)?;
        if got < 4 {
            return Ok(Some(self.broken(offset, format!("truncated block length: {} of 8 bytes", 4 + got))));
        }
        self.ng_block_rest(offset, big, 8)
    }

    /// Reads the rest of a block whose first `have` bytes (type, length...) are in `buf`.
    fn ng_block_rest(&mut self, offset: u64, big: bool, have: usize) -> io::Result<Option<Record>> {
        let total = u32_at(&self.buf, 4, big);
        if !(12..=MAX_BLOCK).contains(&total) || !total.is_multiple_of(4) || (total as usize) < have {
            return Ok(Some(self.broken(offset, format!("block length {total} is not a multiple of 4 between 12 and {MAX_BLOCK}"))));
        }
        let want = total as usize - have;
        let got = self.read_more(want)?;
        let end = self.input.offset();
        if got < want {
            return Ok(Some(Record::Broken { offset, end, reason: format!("truncated block: {} of {total} bytes", have + got) }));
        }
        let parsed = if big { parse_block_be(&self.buf) } else { parse_block_le(&self.buf) };
        let block = match parsed {
            Ok((_, b)) => b,
            Err(e) => {
                return Ok(Some(Record::Bad { offset, end, reason: format!("pcapng block type {:#x}: {e:?}", u32_at(&self.buf, 0, big)) }));
            }
        };
        let rec = match block {
            Block::SectionHeader(_) => Record::Meta { offset, end, what: "pcapng section header" },
            Block::InterfaceDescription(idb) => {
                let linktype = idb.linktype.0;
                self.interfaces.push(Interface { linktype, resolution: idb.ts_resolution(), offset_s: idb.ts_offset() });
                if supported_linktype(linktype) {
                    Record::Meta { offset, end, what: "pcapng interface description" }
                } else {
                    Record::UnsupportedLink { offset, end, linktype }
                }
            }
            Block::EnhancedPacket(epb) => {
                let Some(iface) = self.interfaces.get(epb.if_id as usize).copied() else {
                    return Ok(Some(Record::Bad {
                        offset,
                        end,
                        reason: format!("enhanced packet block names interface {} that was not described", epb.if_id),
                    }));
                };
                let Some(ts_us) = ng_ts_us(epb.ts_high, epb.ts_low, &iface) else {
                    return Ok(Some(Record::Bad { offset, end, reason: "enhanced packet block timestamp is out of range".into() }));
                };
                let data = epb.packet_data();
                // The packet is a sub-slice of the block just read.
                let start = (data.as_ptr() as usize).checked_sub(self.buf.as_ptr() as usize).filter(|s| s + data.len() <= self.buf.len());
                let Some(start) = start else {
                    return Ok(Some(Record::Bad { offset, end, reason: "enhanced packet block data outside the block".into() }));
                };
                self.packet = start..start + data.len();
                Record::Packet { offset, end, linktype: iface.linktype, ts_us }
            }
            Block::SimplePacket(_) => Record::Bad { offset, end, reason: "simple packet block has no timestamp".into() },
            _ => Record::Meta { offset, end, what: "pcapng block without packet" },
        };
        Ok(Some(rec))
    }
}

/// Whether `head` starts with a pcap or pcapng magic number.
pub fn looks_like_capture(head: &[u8]) -> bool {
    if head.len() < 4 {
        return false;
    }
    let le = u32_at(head, 0, false);
    let legacy = [0xa1b2_c3d4u32, 0xa1b2_3c4d, 0xa1b2_cd34];
    if legacy.iter().any(|&m| le == m || le == m.swap_bytes()) {
        // Version 2.4 in the header's byte order.
        return head.len() < 8 || matches!((head[4], head[5]), (2, 0) | (0, 2));
    }
    le == PCAPNG_SHB && (head.len() < 12 || matches!(u32_at(head, 8, false), BYTE_ORDER_MAGIC | 0x4D3C_2B1A))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A legacy little-endian microsecond pcap of `linktype` holding `packets` (ts, bytes).
    pub(crate) fn pcap_file(linktype: u32, packets: &[(i64, Vec<u8>)]) -> Vec<u8> {
        let mut f = Vec::new();
        f.extend(0xa1b2_c3d4u32.to_le_bytes());
        f.extend(2u16.to_le_bytes());
        f.extend(4u16.to_le_bytes());
        f.extend(0i32.to_le_bytes());
        f.extend(0u32.to_le_bytes());
        f.extend(65535u32.to_le_bytes());
        f.extend(linktype.to_le_bytes());
        for (ts, p) in packets {
            f.extend(((ts / 1_000_000) as u32).to_le_bytes());
            f.extend(((ts % 1_000_000) as u32).to_le_bytes());
            f.extend((p.len() as u32).to_le_bytes());
            f.extend((p.len() as u32).to_le_bytes());
            f.extend(p);
        }
        f
    }

    fn pad4(v: &mut Vec<u8>) {
        while !v.len().is_multiple_of(4) {
            v.push(0);
        }
    }

    fn block(ty: u32, body: &[u8]) -> Vec<u8> {
        let mut b = body.to_vec();
        pad4(&mut b);
        let total = (12 + b.len()) as u32;
        let mut out = ty.to_le_bytes().to_vec();
        out.extend(total.to_le_bytes());
        out.extend(b);
        out.extend(total.to_le_bytes());
        out
    }

    /// A little-endian pcapng with one interface of `linktype` at nanosecond resolution.
    pub(crate) fn pcapng_file(linktype: u16, packets: &[(i64, Vec<u8>)]) -> Vec<u8> {
        let mut shb = BYTE_ORDER_MAGIC.to_le_bytes().to_vec();
        shb.extend(1u16.to_le_bytes());
        shb.extend(0u16.to_le_bytes());
        shb.extend((-1i64).to_le_bytes());
        let mut f = block(PCAPNG_SHB, &shb);
        let mut idb = linktype.to_le_bytes().to_vec();
        idb.extend(0u16.to_le_bytes());
        idb.extend(0u32.to_le_bytes());
        idb.extend(9u16.to_le_bytes()); // if_tsresol
        idb.extend(1u16.to_le_bytes());
        idb.extend([9, 0, 0, 0]);
        idb.extend([0, 0, 0, 0]); // opt_endofopt
        f.extend(block(1, &idb));
        for (ts, p) in packets {
            let ns = (*ts as u64) * 1000;
            let mut epb = 0u32.to_le_bytes().to_vec();
            epb.extend(((ns >> 32) as u32).to_le_bytes());
            epb.extend((ns as u32).to_le_bytes());
            epb.extend((p.len() as u32).to_le_bytes());
            epb.extend((p.len() as u32).to_le_bytes());
            epb.extend(p);
            pad4(&mut epb);
            f.extend(block(6, &epb));
        }
        f
    }

    fn records(bytes: &[u8]) -> Vec<(Record, Vec<u8>)> {
        let mut input = Input::from_bytes(bytes);
        let mut r = CaptureReader::new(&mut input);
        let mut out = Vec::new();
        while let Some(rec) = r.next_record().unwrap() {
            let stop = matches!(rec, Record::Broken { .. });
            let p = r.packet().to_vec();
            out.push((rec, p));
            if stop {
                break;
            }
        }
        out
    }

    #[test]
    fn frames_legacy_pcap() {
        let f = pcap_file(1, &[(1_700_000_000_123_456, vec![1, 2, 3]), (1_700_000_001_000_000, vec![4])]);
        assert!(looks_like_capture(&f));
        let r = records(&f);
        assert_eq!(r.len(), 3);
        assert_eq!(r[1], (Record::Packet { offset: 24, end: 43, linktype: 1, ts_us: 1_700_000_000_123_456 }, vec![1, 2, 3]));
        let mut cut = f.clone();
        cut.truncate(cut.len() - 1);
        assert!(matches!(records(&cut)[2].0, Record::Broken { .. }));
    }

    #[test]
    fn frames_pcapng_with_nanosecond_interface() {
        let f = pcapng_file(101, &[(1_700_000_000_123_456, vec![9, 9, 9, 9, 9])]);
        assert!(looks_like_capture(&f));
        let r = records(&f);
        assert_eq!(r.len(), 3, "{r:?}");
        assert!(matches!(r[2].0, Record::Packet { linktype: 101, ts_us: 1_700_000_000_123_456, .. }), "{r:?}");
        assert_eq!(r[2].1, vec![9, 9, 9, 9, 9]);
    }
}
