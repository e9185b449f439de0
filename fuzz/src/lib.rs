//! What the fuzz targets share: read the bytes with a format and panic on any broken promise
//! of the accounting contract ([`lightsout_formats::accounting`]), and the framing repairs of
//! the record-level targets (so that mutations land inside records instead of breaking the
//! framing every time).

use lightsout_formats::Format;
use lightsout_formats::accounting::{CheckOptions, read_checked};

/// Reads `data` with `format` (twice: the second time with other batch boundaries) and panics
/// with the violation if the accounting contract is broken. The input buffer is small for
/// inputs of even length (many refills, records across buffer boundaries) and the production
/// size else. The second read has one row per batch for a third of the inputs and 7 rows per
/// batch for the others: boundaries still fall inside multi-row records and between any two
/// records, and with a batch of every column per row the second read was nearly half of the
/// MRT target's time (replaying its 1,713-input corpus took 5.7-6.2 s, now 4.5-4.9 s).
pub fn check(format: &dyn Format, data: &[u8]) {
    let input_buffer = if data.len() % 2 == 0 { 64 } else { lightsout_formats::compress::INPUT_BUFFER };
    let second_batch_rows = Some(if data.len() % 3 == 0 { 1 } else { 7 });
    let opts = CheckOptions { input_buffer, second_batch_rows, ..CheckOptions::default() };
    if let Err(v) = read_checked(format, data, opts) {
        panic!("{v}");
    }
}

/// Rewrites a run of MRT records so that every record's length field matches its body: each
/// header's declared length is taken modulo the bytes left, so the fuzzer's mutations change
/// record bodies, types and subtypes, never the framing.
pub fn repair_mrt(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut rest = data;
    while rest.len() >= 12 {
        let (head, tail) = rest.split_at(12);
        let declared = u32::from_be_bytes([head[8], head[9], head[10], head[11]]) as usize;
        let len = declared % (tail.len() + 1);
        out.extend_from_slice(&head[..8]);
        out.extend_from_slice(&(len as u32).to_be_bytes());
        out.extend_from_slice(&tail[..len]);
        rest = &tail[len..];
    }
    out
}

/// Rewrites a run of Frame Streams frames so that every data frame's length matches its bytes
/// (taken modulo the bytes left and capped at 64 KiB), framed by a START naming dnstap and a
/// STOP: the fuzzer's mutations change dnstap protobufs and DNS messages, not the framing.
pub fn repair_fstrm(data: &[u8]) -> Vec<u8> {
    let mut out = control(2, Some(b"protobuf:dnstap.Dnstap"));
    let mut rest = data;
    while rest.len() >= 4 {
        let (head, tail) = rest.split_at(4);
        let declared = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let len = (declared % (tail.len() + 1)).min(1 << 16);
        if len == 0 {
            rest = tail;
            continue;
        }
        out.extend_from_slice(&(len as u32).to_be_bytes());
        out.extend_from_slice(&tail[..len]);
        rest = &tail[len..];
    }
    out.extend(control(3, None));
    out
}

fn control(kind: u32, content_type: Option<&[u8]>) -> Vec<u8> {
    let mut body = kind.to_be_bytes().to_vec();
    if let Some(ct) = content_type {
        body.extend(1u32.to_be_bytes());
        body.extend((ct.len() as u32).to_be_bytes());
        body.extend(ct);
    }
    let mut out = 0u32.to_be_bytes().to_vec();
    out.extend((body.len() as u32).to_be_bytes());
    out.extend(body);
    out
}
