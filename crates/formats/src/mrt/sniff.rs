//! Recognising MRT by its common header.
//!
//! In: the head of a decompressed stream. Out: whether it starts with a chain of plausible MRT
//! common headers (known type, known subtype for the BGP types, sane length). Up to three
//! headers are checked when the head holds them, so text or JSON that happens to start with
//! a valid-looking first header is not taken for MRT.

/// Largest record length taken as plausible while sniffing.
const MAX_SNIFF_LEN: u32 = 16 * 1024 * 1024;

fn plausible_header(h: &[u8]) -> Option<u32> {
    let ty = u16::from_be_bytes([h[4], h[5]]);
    let sub = u16::from_be_bytes([h[6], h[7]]);
    let len = u32::from_be_bytes([h[8], h[9], h[10], h[11]]);
    let ok = match ty {
        5 => sub <= 7,                 // legacy BGP
        12 => (1..=2).contains(&sub),  // TABLE_DUMP AFI_IPv4 / AFI_IPv6
        13 => (1..=10).contains(&sub), // TABLE_DUMP_V2
        16 | 17 => sub <= 11,          // BGP4MP / BGP4MP_ET
        11 | 32 | 33 | 48 | 49 => true,
        _ => false,
    };
    (ok && len <= MAX_SNIFF_LEN).then_some(len)
}

/// Whether `head` starts like an MRT stream.
pub fn looks_like_mrt(head: &[u8]) -> bool {
    chain_from(head, 0, 0)
}

/// Checks up to three headers from `pos`. Early RIS TABLE_DUMP producers declared each record
/// 4 bytes short (bgpkit corrects it), so for TABLE_DUMP the next header may also sit 4 bytes
/// further on.
fn chain_from(head: &[u8], pos: usize, checked: usize) -> bool {
    if checked == 3 || pos == head.len() && checked > 0 {
        return true;
    }
    if head.len() < pos + 12 {
        // A complete first header is required; later ones only when the head holds them.
        return checked > 0;
    }
    let Some(len) = plausible_header(&head[pos..pos + 12]) else {
        return false;
    };
    let next = pos + 12 + len as usize;
    if next >= head.len() {
        return true;
    }
    let table_dump = u16::from_be_bytes([head[pos + 4], head[pos + 5]]) == 12;
    chain_from(head, next, checked + 1) || (table_dump && chain_from(head, next + 4, checked + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(ty: u16, sub: u16, len: u32) -> Vec<u8> {
        let mut v = 1_600_000_000u32.to_be_bytes().to_vec();
        v.extend(ty.to_be_bytes());
        v.extend(sub.to_be_bytes());
        v.extend(len.to_be_bytes());
        v.extend(std::iter::repeat_n(0u8, len as usize));
        v
    }

    #[test]
    fn accepts_chains_of_headers_and_rejects_text() {
        let mut two = header(16, 4, 20);
        two.extend(header(16, 4, 8));
        assert!(looks_like_mrt(&two));
        assert!(looks_like_mrt(&header(13, 1, 100)));
        assert!(!looks_like_mrt(b"{\"fw\": 4790, \"af\": 4, \"result\": []}"));
        assert!(!looks_like_mrt(b"#separator \\x09\n#set_separator\t,\n"));
        assert!(!looks_like_mrt(b""));
        let mut bad_second = header(16, 4, 4);
        bad_second.extend(b"not an mrt header at all");
        assert!(!looks_like_mrt(&bad_second));
    }
}
