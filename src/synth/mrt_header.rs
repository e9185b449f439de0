//! The MRT common header (RFC 6396 §2) and what the record writers share.
//!
//! In: a record's time, type, subtype and body. Out: the record appended to a buffer. Used by
//! [`super::mrt_bgp4mp`] (update files) and [`super::mrt_table_dump_v2`] (RIB dumps).

use std::net::IpAddr;

pub const TYPE_TABLE_DUMP_V2: u16 = 13;
pub const TYPE_BGP4MP: u16 = 16;

/// Appends an address in network byte order (4 or 16 bytes).
pub fn put_ip(out: &mut Vec<u8>, a: &IpAddr) {
    match a {
        IpAddr::V4(a) => out.extend(a.octets()),
        IpAddr::V6(a) => out.extend(a.octets()),
    }
}

/// Appends a common header (whole-second timestamp) and `body`.
pub fn record(out: &mut Vec<u8>, ts: u32, ty: u16, sub: u16, body: &[u8]) {
    out.extend(ts.to_be_bytes());
    out.extend(ty.to_be_bytes());
    out.extend(sub.to_be_bytes());
    out.extend((body.len() as u32).to_be_bytes());
    out.extend(body);
}

/// Reading records back with bgpkit-parser, for the writers' tests.
#[cfg(test)]
pub mod read_back {
    use bgpkit_parser::models::{Bgp4MpEnum, BgpMessage, MrtMessage, MrtRecord};
    use bgpkit_parser::{BgpElem, BgpkitParser, Elementor};

    /// Every record, which must all parse without error or validation warning.
    pub fn records(bytes: &[u8]) -> Vec<MrtRecord> {
        let parser = BgpkitParser::from_reader(std::io::Cursor::new(bytes.to_vec()));
        let recs: Vec<MrtRecord> = parser.into_fallible_record_iter().map(|r| r.expect("record parses")).collect();
        for r in &recs {
            if let MrtMessage::Bgp4Mp(Bgp4MpEnum::Message(m)) = &r.message
                && let BgpMessage::Update(u) = &m.bgp_message
            {
                let w = u.attributes.validation_warnings();
                assert!(w.is_empty(), "{w:?}");
            }
        }
        recs
    }

    /// The elements (one per prefix and peer) of every record.
    pub fn elems(bytes: &[u8]) -> Vec<BgpElem> {
        let mut el = Elementor::new();
        records(bytes).into_iter().flat_map(|r| el.record_to_elems(r)).collect()
    }
}
