//! The MRT read loop: records and recovery gaps in, rows and rejects out.
//!
//! In: a decompressed MRT stream. Out: rows through [`super::rows`], rejects for unparsable
//! records and skipped byte ranges (with offsets in the decompressed stream and a hex excerpt
//! of the first bytes), and [`ReadStats`].
//!
//! bgpkit's recovering iterator does the framing. It reads records straight from the stream
//! and only buffers while it scans past damage, so a small tap under it counts the bytes it
//! pulls (for record offsets) and keeps the last few MiB (for the excerpt of a gap, which is
//! reported after the scan has read past it).

use super::rows::{PeerStateRows, RibRows, StateChange, UpdateRows};
use crate::compress::Input;
use crate::format::{FileContext, FormatError, ReadStats, Reject, Sink};
use bgpkit_parser::error::BgpValidationWarning;
use bgpkit_parser::models::{Bgp4MpEnum, BgpMessage, EntryType, LegacyBgp, MrtMessage, MrtRecord, NetworkPrefix, TableDumpV2Message};
use bgpkit_parser::{BgpkitParser, Elementor, RecoveryConfig, RecoveryEvent};
use std::cell::RefCell;
use std::io::{self, Read};
use std::rc::Rc;

/// Bytes of recent input kept for excerpts (more than the recovery scan window).
const KEEP: usize = 4 << 20;

/// The pull count and the last [`KEEP`] bytes pulled, in a ring (each byte is copied once).
/// The ring is allocated whole at the start: growing it with the stream instead (for small
/// files) gave no speed and a 7-13% higher peak RSS over the 152 real and fixture files.
struct TapState {
    pulled: u64,
    /// The stream itself failed (corrupt or truncated compression, read error, bomb cap), as
    /// opposed to bgpkit failing on bytes it did get.
    broke: bool,
    ring: Vec<u8>,
}

impl Default for TapState {
    fn default() -> Self {
        TapState { pulled: 0, broke: false, ring: vec![0; KEEP] }
    }
}

impl TapState {
    fn record(&mut self, bytes: &[u8]) {
        let mut bytes = bytes;
        if bytes.len() > KEEP {
            self.pulled += (bytes.len() - KEEP) as u64;
            bytes = &bytes[bytes.len() - KEEP..];
        }
        let at = (self.pulled % KEEP as u64) as usize;
        let first = bytes.len().min(KEEP - at);
        self.ring[at..at + first].copy_from_slice(&bytes[..first]);
        self.ring[..bytes.len() - first].copy_from_slice(&bytes[first..]);
        self.pulled += bytes.len() as u64;
    }

    /// Up to `n` bytes from stream offset `offset`, if still in the ring.
    fn excerpt(&self, offset: u64, n: usize) -> Vec<u8> {
        let oldest = self.pulled.saturating_sub(KEEP as u64);
        if offset < oldest || offset >= self.pulled {
            return Vec::new();
        }
        let n = n.min((self.pulled - offset) as usize);
        (0..n as u64).map(|i| self.ring[((offset + i) % KEEP as u64) as usize]).collect()
    }
}

struct Tap<'a, 'b> {
    input: &'a mut Input<'b>,
    state: Rc<RefCell<TapState>>,
}

impl Read for Tap<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = match self.input.read(buf) {
            Ok(n) => n,
            Err(e) => {
                self.state.borrow_mut().broke = true;
                return Err(e);
            }
        };
        self.state.borrow_mut().record(&buf[..n]);
        Ok(n)
    }
}

/// What became of one record.
enum Outcome {
    /// It made rows.
    Rows,
    /// It carries no rows by design (OPEN, KEEPALIVE, PEER_INDEX_TABLE...).
    NoRows,
    /// It could not be read, for this reason.
    Reject(String),
}

/// Row builders and counters of one file.
struct Out<'s> {
    ctx: &'s FileContext,
    sink: &'s mut dyn Sink,
    updates: UpdateRows,
    rib: RibRows,
    states: PeerStateRows,
    stats: ReadStats,
    scratch: String,
    type_names: Vec<((u16, u16), String)>,
}

impl Out<'_> {
    fn type_name(&mut self, ty: EntryType, sub: u16) -> usize {
        let key = (ty as u16, sub);
        if let Some(i) = self.type_names.iter().position(|(k, _)| *k == key) {
            return i;
        }
        self.type_names.push((key, format!("{ty:?}/{sub}")));
        self.type_names.len() - 1
    }

    fn maybe_flush(&mut self) -> Result<(), FormatError> {
        let n = self.ctx.batch_rows;
        if self.updates.len() >= n {
            self.updates.flush(self.sink)?;
        }
        if self.rib.len() >= n {
            self.rib.flush(self.sink)?;
        }
        if self.states.len() >= n {
            self.states.flush(self.sink)?;
        }
        Ok(())
    }

    fn flush_all(&mut self) -> Result<(), FormatError> {
        self.updates.flush(self.sink)?;
        self.rib.flush(self.sink)?;
        self.states.flush(self.sink)
    }

    fn reject(&mut self, r: Reject) -> Result<(), FormatError> {
        self.stats.records_rejected += 1;
        self.sink.reject(r)?;
        Ok(())
    }

    fn state_change(&mut self, ts: i64, sc: StateChange, ti: usize, offset: u64) -> Outcome {
        let ty = &self.type_names[ti].1;
        self.states.push(ts, &sc, self.ctx, ty, offset, &mut self.scratch);
        self.stats.saw_ts(ts);
        Outcome::Rows
    }

    /// Counts a record by its outcome and writes its reject: a record with rows and damage is
    /// one ok record with one `partial:` reject naming every problem; a record without rows
    /// whose damage lost data is rejected (not skipped), so nothing is dropped silently.
    fn account(&mut self, outcome: Outcome, problems: &mut Vec<String>, start: u64, end: u64, bytes: &[u8]) -> Result<(), FormatError> {
        let joined = problems.join("; ");
        problems.clear();
        match outcome {
            Outcome::Rows => {
                self.stats.records_ok += 1;
                if !joined.is_empty() {
                    self.stats.records_partial += 1;
                    self.sink.reject(Reject::binary(start, format!("partial: {joined}"), bytes).with_end(end))?;
                }
            }
            Outcome::NoRows if joined.is_empty() => self.stats.records_skipped += 1,
            Outcome::NoRows => self.reject(Reject::binary(start, joined, bytes).with_end(end))?,
            Outcome::Reject(reason) if joined.is_empty() => self.reject(Reject::binary(start, reason, bytes).with_end(end))?,
            Outcome::Reject(reason) => self.reject(Reject::binary(start, format!("{reason}; {joined}"), bytes).with_end(end))?,
        }
        Ok(())
    }

    /// Turns one parsed record into rows. Damage inside a record that does not stop it from
    /// being read is pushed to `partial`.
    fn record(
        &mut self,
        mut record: MrtRecord,
        offset: u64,
        elementor: &mut Elementor,
        partial: &mut Vec<String>,
    ) -> Result<Outcome, FormatError> {
        salvage_update(&mut record, partial);
        let h = record.common_header;
        let ts = h.timestamp as i64 * 1_000_000 + h.microsecond_timestamp.unwrap_or(0) as i64;
        let ti = self.type_name(h.entry_type, h.entry_subtype);
        match &record.message {
            MrtMessage::Bgp4Mp(Bgp4MpEnum::StateChange(sc)) => {
                let sc = StateChange {
                    peer_ip: sc.peer_ip,
                    peer_asn: sc.peer_asn.to_u32(),
                    local_ip: Some(sc.local_addr),
                    local_asn: Some(sc.local_asn.to_u32()),
                    old_state: sc.old_state,
                    new_state: sc.new_state,
                };
                return Ok(self.state_change(ts, sc, ti, offset));
            }
            MrtMessage::LegacyBgp(LegacyBgp::StateChange(sc)) => {
                let sc = StateChange {
                    peer_ip: sc.peer_ip,
                    peer_asn: sc.peer_asn.to_u32(),
                    local_ip: None,
                    local_asn: None,
                    old_state: sc.old_state,
                    new_state: sc.new_state,
                };
                return Ok(self.state_change(ts, sc, ti, offset));
            }
            MrtMessage::TableDumpV2Message(TableDumpV2Message::PeerIndexTable(_)) => {
                if let Err(e) = elementor.set_peer_table(record) {
                    return Ok(Outcome::Reject(format!("PEER_INDEX_TABLE: {e}")));
                }
                return Ok(Outcome::NoRows);
            }
            MrtMessage::TableDumpV2Message(TableDumpV2Message::GeoPeerTable(_)) => {
                return Ok(Outcome::NoRows);
            }
            MrtMessage::TableDumpV2Message(TableDumpV2Message::RibGeneric(g)) => {
                return Ok(Outcome::Reject(format!("TABLE_DUMP_V2 RIB_GENERIC (AFI {:?}, SAFI {:?}) is not supported", g.afi, g.safi)));
            }
            _ => {}
        }
        // UPDATEs become rows straight from the message; RIB entries through bgpkit's elems.
        let message = match &record.message {
            MrtMessage::Bgp4Mp(Bgp4MpEnum::Message(m)) => Some((m.peer_ip, m.peer_asn, &m.bgp_message)),
            MrtMessage::LegacyBgp(LegacyBgp::Message(m)) => Some((m.peer_ip, m.peer_asn, &m.bgp_message)),
            _ => None,
        };
        if let Some((peer_ip, peer_asn, message)) = message {
            let rows = match message {
                BgpMessage::Update(u) => {
                    let ty = &self.type_names[ti].1;
                    self.updates.push_update(ts, peer_ip, peer_asn.to_u32(), u, self.ctx, ty, offset, &mut self.scratch)
                }
                // OPEN, KEEPALIVE, NOTIFICATION, ROUTE-REFRESH.
                _ => 0,
            };
            return self.rows_made(rows, ts);
        }
        // bgpkit leaves the ADD-PATH id of TABLE_DUMP_V2 entries out of the elems, and stops
        // at an entry whose peer index is not in the peer table: keep both in view.
        let rib_path_ids: Option<Vec<Option<u32>>> = match &record.message {
            MrtMessage::TableDumpV2Message(TableDumpV2Message::RibAfi(t)) => Some(t.rib_entries.iter().map(|e| e.path_id).collect()),
            _ => None,
        };
        let iter = match elementor.record_to_elems_iter(record) {
            Ok(it) => it,
            Err(e) => return Ok(Outcome::Reject(format!("{e}"))),
        };
        let mut rows = 0usize;
        for mut elem in iter {
            if let Some(id) = rib_path_ids.as_ref().and_then(|ids| ids.get(rows).copied().flatten()) {
                elem.prefix.path_id = Some(id);
            }
            let ty = &self.type_names[ti].1;
            self.rib.push(ts, &elem, self.ctx, ty, offset, &mut self.scratch);
            rows += 1;
        }
        if let Some(ids) = &rib_path_ids
            && rows < ids.len()
        {
            partial.push(format!(
                "{} of {} RIB entries refer to a peer index missing from the PEER_INDEX_TABLE",
                ids.len() - rows,
                ids.len()
            ));
        }
        self.rows_made(rows, ts)
    }

    /// The outcome of a record that made `rows` rows (none: an OPEN, KEEPALIVE, NOTIFICATION,
    /// ROUTE-REFRESH or End-of-RIB marker), after flushing full builders.
    fn rows_made(&mut self, rows: usize, ts: i64) -> Result<Outcome, FormatError> {
        self.maybe_flush()?;
        if rows > 0 {
            self.stats.saw_ts(ts);
            Ok(Outcome::Rows)
        } else {
            Ok(Outcome::NoRows)
        }
    }
}

/// Reads an MRT stream into rows and rejects.
pub fn read_mrt(input: &mut Input<'_>, ctx: &FileContext, sink: &mut dyn Sink) -> Result<ReadStats, FormatError> {
    let mut out = Out {
        ctx,
        sink,
        updates: UpdateRows::new(),
        rib: RibRows::new(),
        states: PeerStateRows::new(),
        stats: ReadStats::default(),
        scratch: String::with_capacity(256),
        type_names: Vec::new(),
    };
    let state = Rc::new(RefCell::new(TapState::default()));
    let mut elementor = Elementor::new();
    // Logical offset of the next record in the decompressed stream.
    let mut next_offset = 0u64;
    let mut records_seen = 0u64;
    let mut partial = Vec::new();
    // One pass of bgpkit's recovering iterator; a new pass starts only after a scan gave up
    // past a long stretch of damage (the stream position has then moved on by at least the
    // scan window, so this loop ends).
    'passes: loop {
        // bgpkit counts offsets from the start of its reader, that is from the start of this pass.
        let base = state.borrow().pulled;
        debug_assert_eq!(base, next_offset);
        let tap = Tap { input: &mut *input, state: state.clone() };
        let iter = BgpkitParser::from_reader(tap).disable_warnings().into_recovering_record_iter(RecoveryConfig::default());
        for item in iter {
            match item {
                Ok(RecoveryEvent::Item(record)) => {
                    out.stats.records_framed += 1;
                    let start = next_offset;
                    let h = &record.common_header;
                    // bgpkit keeps the ET microsecond field out of `length`.
                    let size = 12 + h.length as u64 + if h.entry_type == EntryType::BGP4MP_ET { 4 } else { 0 };
                    let pulled = state.borrow().pulled;
                    // In step with the stream (the common case) the pull count is this
                    // record's exact end, including TABLE_DUMP records whose declared length
                    // bgpkit corrects by 4 bytes; after a gap the iterator replays bytes it
                    // read ahead, and the declared size is used instead.
                    let corrected = h.entry_type == EntryType::TABLE_DUMP && pulled == start + size + 4;
                    next_offset = if pulled == start + size || corrected { pulled } else { start + size };
                    let outcome = out.record(record, start, &mut elementor, &mut partial)?;
                    let bytes = match (&outcome, partial.is_empty()) {
                        (Outcome::Rows | Outcome::NoRows, true) => Vec::new(),
                        _ => state.borrow().excerpt(start, crate::format::EXCERPT_BYTES),
                    };
                    out.account(outcome, &mut partial, start, next_offset, &bytes)?;
                }
                Ok(RecoveryEvent::Gap(gap)) => {
                    out.stats.records_framed += 1;
                    let (start, end) = (base + gap.start_offset, base + gap.end_offset);
                    let bytes = state.borrow().excerpt(start, crate::format::EXCERPT_BYTES);
                    let reason = format!("{}; skipped {} bytes (resumed on {:?})", gap.cause, gap.skipped_bytes(), gap.evidence);
                    out.reject(Reject::binary(start, reason, &bytes).with_end(end))?;
                    next_offset = end;
                }
                Err(e) => {
                    out.stats.records_framed += 1;
                    let pulled = state.borrow().pulled;
                    let at = base + e.offset;
                    let bytes = state.borrow().excerpt(at, crate::format::EXCERPT_BYTES);
                    let reason = e.to_string();
                    if state.borrow().broke {
                        // The stream itself broke off (truncated or corrupt compression, read
                        // error, the decompression cap): nothing after this point can be read.
                        out.reject(Reject::binary(at, reason.clone(), &bytes).with_end(pulled))?;
                        out.stats.stopped = Some(reason);
                        break 'passes;
                    }
                    if pulled <= at {
                        // No progress is possible (bgpkit failed on bytes it has not consumed):
                        // the rest of the stream is one reject.
                        let end = match input.drain() {
                            Ok(n) => pulled + n,
                            Err(_) => input.offset(),
                        };
                        out.reject(Reject::binary(at, reason.clone(), &bytes).with_end(end))?;
                        out.stats.stopped = Some(reason);
                        break 'passes;
                    }
                    // No boundary within the scan window: skip what was scanned and start
                    // over from the current position.
                    out.reject(Reject::binary(at, reason, &bytes).with_end(pulled))?;
                    next_offset = pulled;
                    continue 'passes;
                }
            }
            records_seen += 1;
            if records_seen.is_multiple_of(4096) {
                out.sink.progress(state.borrow().pulled);
            }
        }
        break;
    }
    out.flush_all()?;
    out.sink.progress(state.borrow().pulled);
    Ok(out.stats)
}

/// Validation warnings that mean bytes of the record were dropped by the parser.
fn lost_data(w: &BgpValidationWarning) -> bool {
    matches!(
        w,
        BgpValidationWarning::MalformedNlri { .. }
            | BgpValidationWarning::MalformedAsPath { .. }
            | BgpValidationWarning::MalformedAttributeList { .. }
            | BgpValidationWarning::AttributeLengthError { .. }
            | BgpValidationWarning::PartialAttributeError { .. }
            | BgpValidationWarning::OptionalAttributeError { .. }
    )
}

/// Recovers the prefixes before the damage in a malformed IPv4 NLRI field (bgpkit treats the
/// whole field as withdrawn, RFC 7606, and keeps its bytes in a warning; bgpdump prints the
/// prefixes it can read) and lists every warning that lost data, for a partial reject.
fn salvage_update(record: &mut MrtRecord, partial: &mut Vec<String>) {
    let msg = match &mut record.message {
        MrtMessage::Bgp4Mp(Bgp4MpEnum::Message(m)) => &mut m.bgp_message,
        MrtMessage::LegacyBgp(LegacyBgp::Message(m)) => &mut m.bgp_message,
        _ => return,
    };
    let BgpMessage::Update(update) = msg else { return };
    let mut recovered_announced = Vec::new();
    let mut recovered_withdrawn = Vec::new();
    for w in update.attributes.validation_warnings() {
        if !lost_data(w) {
            continue;
        }
        if let BgpValidationWarning::MalformedNlri { nlri_type, raw_bytes, .. } = w {
            let (good, used) = parse_ipv4_nlri_prefix_run(raw_bytes);
            let n = good.len();
            match *nlri_type {
                "announced" => recovered_announced.extend(good),
                "withdrawn" => recovered_withdrawn.extend(good),
                _ => {}
            }
            partial.push(format!(
                "{w}; kept {n} prefixes before the damage, dropped {} bytes: {}",
                raw_bytes.len() - used,
                hex::encode(&raw_bytes[used..raw_bytes.len().min(used + 16)])
            ));
        } else {
            partial.push(w.to_string());
        }
    }
    update.announced_prefixes.extend(recovered_announced);
    update.withdrawn_prefixes.extend(recovered_withdrawn);
}

/// Parses IPv4 NLRI prefixes (length byte, then the prefix bytes) until one does not fit.
/// Returns the prefixes and the bytes they used.
fn parse_ipv4_nlri_prefix_run(bytes: &[u8]) -> (Vec<NetworkPrefix>, usize) {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let bits = bytes[pos];
        let n = (bits as usize).div_ceil(8);
        if bits > 32 || pos + 1 + n > bytes.len() {
            break;
        }
        let mut a = [0u8; 4];
        a[..n].copy_from_slice(&bytes[pos + 1..pos + 1 + n]);
        let Ok(net) = ipnet::Ipv4Net::new(a.into(), bits) else { break };
        out.push(NetworkPrefix::new(ipnet::IpNet::V4(net), None));
        pos += 1 + n;
    }
    (out, pos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::MemorySink;
    use crate::table::Table;

    fn ctx() -> FileContext {
        FileContext::new("0123456789abcdef", "test")
    }

    /// A BGP4MP_MESSAGE_AS4 record with one announced IPv4 prefix.
    pub(crate) fn update_record(ts: u32, prefix: [u8; 3], origin: u32) -> Vec<u8> {
        let mut attrs = Vec::new();
        attrs.extend([0x40, 1, 1, 0]); // ORIGIN IGP
        let path: Vec<u8> = [65001u32, origin].iter().flat_map(|a| a.to_be_bytes()).collect();
        attrs.extend([0x40, 2, (2 + path.len()) as u8, 2, 2]);
        attrs.extend(path);
        attrs.extend([0x40, 3, 4, 192, 0, 2, 1]); // NEXT_HOP
        let mut bgp = vec![0xff; 16];
        let nlri = [24u8, prefix[0], prefix[1], prefix[2]];
        let len = 19 + 2 + 2 + attrs.len() + nlri.len();
        bgp.extend((len as u16).to_be_bytes());
        bgp.push(2); // UPDATE
        bgp.extend(0u16.to_be_bytes());
        bgp.extend((attrs.len() as u16).to_be_bytes());
        bgp.extend(attrs);
        bgp.extend(nlri);
        let mut body = Vec::new();
        body.extend(65001u32.to_be_bytes()); // peer AS
        body.extend(65500u32.to_be_bytes()); // local AS
        body.extend(0u16.to_be_bytes()); // ifindex
        body.extend(1u16.to_be_bytes()); // AFI IPv4
        body.extend([192, 0, 2, 1]);
        body.extend([192, 0, 2, 254]);
        body.extend(bgp);
        let mut rec = ts.to_be_bytes().to_vec();
        rec.extend(16u16.to_be_bytes());
        rec.extend(4u16.to_be_bytes());
        rec.extend((body.len() as u32).to_be_bytes());
        rec.extend(body);
        rec
    }

    #[test]
    fn the_excerpt_ring_keeps_the_last_bytes_across_wraps() {
        let data: Vec<u8> = (0..2 * KEEP + 12_345).map(|i| (i * 31 % 251) as u8).collect();
        let mut tap = TapState::default();
        let mut fed = 0;
        for (k, n) in [1usize, 11, 4096, 70_000, KEEP - 80_000, 3, KEEP + 9].iter().cycle().enumerate() {
            let n = (*n).min(data.len() - fed);
            if n == 0 {
                break;
            }
            tap.record(&data[fed..fed + n]);
            fed += n;
            let oldest = fed.saturating_sub(KEEP);
            for at in [oldest, (oldest + fed) / 2, fed.saturating_sub(20)] {
                let want = &data[at..(at + 64).min(fed)];
                assert_eq!(tap.excerpt(at as u64, 64), want, "step {k}, offset {at}");
            }
            if oldest > 0 {
                assert!(tap.excerpt(oldest as u64 - 1, 8).is_empty(), "step {k}: a byte past the ring");
            }
        }
        assert_eq!(fed, data.len());
    }

    #[test]
    fn reads_updates_and_reports_offsets() {
        let mut data = update_record(1_700_000_000, [198, 18, 10], 65010);
        let second = data.len() as u64;
        data.extend(update_record(1_700_000_060, [198, 18, 11], 65010));
        let mut input = Input::from_bytes(&data);
        let mut sink = MemorySink::default();
        let stats = read_mrt(&mut input, &ctx(), &mut sink).unwrap();
        assert_eq!(stats.records_ok, 2);
        assert_eq!(stats.records_rejected, 0);
        let b = sink.concat(Table::BgpUpdates);
        assert_eq!(b.num_rows(), 2);
        let offsets = b.column_by_name("record_offset").unwrap();
        let offsets = offsets.as_any().downcast_ref::<arrow_array::UInt64Array>().unwrap();
        assert_eq!(offsets.values().to_vec(), vec![0, second]);
        let prefix = b.column_by_name("prefix").unwrap().as_any().downcast_ref::<arrow_array::StringArray>().unwrap();
        assert_eq!(prefix.value(1), "198.18.11.0/24");
        assert_eq!(stats.ts_min, Some(1_700_000_000_000_000));
    }

    #[test]
    fn truncated_tail_is_a_reject_with_its_offset() {
        let mut data = update_record(1_700_000_000, [198, 18, 10], 65010);
        let cut = data.len() as u64;
        let second = update_record(1_700_000_060, [198, 18, 11], 65010);
        data.extend(&second[..second.len() - 5]);
        let mut input = Input::from_bytes(&data);
        let mut sink = MemorySink::default();
        let stats = read_mrt(&mut input, &ctx(), &mut sink).unwrap();
        assert_eq!(stats.records_ok, 1);
        assert_eq!(stats.records_rejected, 1);
        assert_eq!(sink.rejects[0].offset, cut);
        assert_eq!(sink.rejects[0].end_offset, Some(data.len() as u64));
        assert!(sink.rejects[0].excerpt.starts_with(&hex::encode(&second[..4])));
    }

    #[test]
    fn garbage_between_records_is_skipped_and_reported() {
        let mut data = update_record(1_700_000_000, [198, 18, 10], 65010);
        let bad = data.len() as u64;
        data.extend([0xde, 0xad, 0xbe, 0xef, 0, 99, 0, 1, 0, 0, 0, 3, 1, 2, 3]);
        let resume = data.len() as u64;
        for i in 0..4 {
            data.extend(update_record(1_700_000_060 + i, [198, 18, 11], 65010));
        }
        let mut input = Input::from_bytes(&data);
        let mut sink = MemorySink::default();
        let stats = read_mrt(&mut input, &ctx(), &mut sink).unwrap();
        assert_eq!(stats.records_ok, 5, "{:?}", sink.rejects);
        assert_eq!(sink.rejects.len(), 1);
        assert_eq!(sink.rejects[0].offset, bad);
        assert_eq!(sink.rejects[0].end_offset, Some(resume));
        let offsets = sink.concat(Table::BgpUpdates);
        let offsets =
            offsets.column_by_name("record_offset").unwrap().as_any().downcast_ref::<arrow_array::UInt64Array>().unwrap().values().to_vec();
        assert_eq!(offsets[1], resume);
    }
}
