//! Names of DNS codes and the one normal form of a query name.
//!
//! In: numeric codes from wire messages, or names and numbers from text logs. Out: the text
//! stored in `dns_events` (`qtype`, `qclass`, `rcode`, `opcode`, `qname`), the same for every
//! format: IANA mnemonics (`TYPE65534`, `CLASS42`, `RCODE12`, `OPCODE3` for codes without
//! one), and query names lowercased, without the trailing dot, with bytes outside printable
//! ASCII written as `\DDD` (RFC 1035 presentation form; `.` is the root).

use std::borrow::Cow;
use std::fmt::Write;

/// IANA resource record type mnemonics (the types BIND, Zeek and Wireshark name).
const TYPES: &[(u16, &str)] = &[
    (1, "A"),
    (2, "NS"),
    (3, "MD"),
    (4, "MF"),
    (5, "CNAME"),
    (6, "SOA"),
    (7, "MB"),
    (8, "MG"),
    (9, "MR"),
    (10, "NULL"),
    (11, "WKS"),
    (12, "PTR"),
    (13, "HINFO"),
    (14, "MINFO"),
    (15, "MX"),
    (16, "TXT"),
    (17, "RP"),
    (18, "AFSDB"),
    (19, "X25"),
    (20, "ISDN"),
    (21, "RT"),
    (22, "NSAP"),
    (23, "NSAP-PTR"),
    (24, "SIG"),
    (25, "KEY"),
    (26, "PX"),
    (27, "GPOS"),
    (28, "AAAA"),
    (29, "LOC"),
    (30, "NXT"),
    (31, "EID"),
    (32, "NIMLOC"),
    (33, "SRV"),
    (34, "ATMA"),
    (35, "NAPTR"),
    (36, "KX"),
    (37, "CERT"),
    (38, "A6"),
    (39, "DNAME"),
    (40, "SINK"),
    (41, "OPT"),
    (42, "APL"),
    (43, "DS"),
    (44, "SSHFP"),
    (45, "IPSECKEY"),
    (46, "RRSIG"),
    (47, "NSEC"),
    (48, "DNSKEY"),
    (49, "DHCID"),
    (50, "NSEC3"),
    (51, "NSEC3PARAM"),
    (52, "TLSA"),
    (53, "SMIMEA"),
    (55, "HIP"),
    (56, "NINFO"),
    (57, "RKEY"),
    (58, "TALINK"),
    (59, "CDS"),
    (60, "CDNSKEY"),
    (61, "OPENPGPKEY"),
    (62, "CSYNC"),
    (63, "ZONEMD"),
    (64, "SVCB"),
    (65, "HTTPS"),
    (66, "DSYNC"),
    (99, "SPF"),
    (100, "UINFO"),
    (101, "UID"),
    (102, "GID"),
    (103, "UNSPEC"),
    (104, "NID"),
    (105, "L32"),
    (106, "L64"),
    (107, "LP"),
    (108, "EUI48"),
    (109, "EUI64"),
    (128, "NXNAME"),
    (249, "TKEY"),
    (250, "TSIG"),
    (251, "IXFR"),
    (252, "AXFR"),
    (253, "MAILB"),
    (254, "MAILA"),
    (255, "ANY"),
    (256, "URI"),
    (257, "CAA"),
    (258, "AVC"),
    (259, "DOA"),
    (260, "AMTRELAY"),
    (261, "RESINFO"),
    (262, "WALLET"),
    (32768, "TA"),
    (32769, "DLV"),
];

/// The mnemonic of an RR type (`TYPE{n}` when it has none).
pub fn qtype_name(code: u16) -> Cow<'static, str> {
    match TYPES.iter().find(|(c, _)| *c == code) {
        Some((_, n)) => Cow::Borrowed(n),
        None => Cow::Owned(format!("TYPE{code}")),
    }
}

/// The mnemonic of a class (`CLASS{n}` when it has none).
pub fn qclass_name(code: u16) -> Cow<'static, str> {
    match code {
        1 => Cow::Borrowed("IN"),
        3 => Cow::Borrowed("CH"),
        4 => Cow::Borrowed("HS"),
        254 => Cow::Borrowed("NONE"),
        255 => Cow::Borrowed("ANY"),
        _ => Cow::Owned(format!("CLASS{code}")),
    }
}

/// The mnemonic of a response code, extended codes included (`RCODE{n}` when it has none).
pub fn rcode_name(code: u16) -> Cow<'static, str> {
    let n = match code {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        11 => "DSOTYPENI",
        16 => "BADVERS",
        17 => "BADKEY",
        18 => "BADTIME",
        19 => "BADMODE",
        20 => "BADNAME",
        21 => "BADALG",
        22 => "BADTRUNC",
        23 => "BADCOOKIE",
        _ => return Cow::Owned(format!("RCODE{code}")),
    };
    Cow::Borrowed(n)
}

/// The mnemonic of an opcode (`OPCODE{n}` when it has none).
pub fn opcode_name(code: u8) -> Cow<'static, str> {
    let n = match code {
        0 => "QUERY",
        1 => "IQUERY",
        2 => "STATUS",
        4 => "NOTIFY",
        5 => "UPDATE",
        6 => "DSO",
        _ => return Cow::Owned(format!("OPCODE{code}")),
    };
    Cow::Borrowed(n)
}

/// Normalises an RR type written in a log: a mnemonic is upper-cased (`*` is `ANY`), a number
/// or `TYPEnnn` becomes the mnemonic of that code.
pub fn normalize_qtype(s: &str) -> String {
    if s == "*" {
        return "ANY".into();
    }
    let up = s.to_ascii_uppercase();
    let num = up.strip_prefix("TYPE").unwrap_or(&up);
    match num.parse::<u16>() {
        Ok(n) => qtype_name(n).into_owned(),
        Err(_) => up,
    }
}

/// Normalises a class written in a log (`C_INTERNET` is Zeek's name for `IN`).
pub fn normalize_qclass(s: &str) -> String {
    let up = s.to_ascii_uppercase();
    if up == "C_INTERNET" {
        return "IN".into();
    }
    let num = up.strip_prefix("CLASS").unwrap_or(&up);
    match num.parse::<u16>() {
        Ok(n) => qclass_name(n).into_owned(),
        Err(_) => up,
    }
}

/// Normalises a response code written in a log: upper-cased, numbers become mnemonics.
pub fn normalize_rcode(s: &str) -> String {
    let up = s.to_ascii_uppercase();
    let num = up.strip_prefix("RCODE").unwrap_or(&up);
    match num.parse::<u16>() {
        Ok(n) => rcode_name(n).into_owned(),
        Err(_) => up,
    }
}

/// Appends one byte of a label in presentation form, lowercased.
fn push_label_byte(out: &mut String, b: u8) {
    match b {
        b'.' | b'\\' => {
            out.push('\\');
            out.push(b as char);
        }
        0x21..=0x7e => out.push(b.to_ascii_lowercase() as char),
        _ => {
            let _ = write!(out, "\\{b:03}");
        }
    }
}

/// The normal form of a wire-format name given as its labels.
pub fn qname_from_labels<'a>(labels: impl Iterator<Item = &'a [u8]>) -> String {
    let mut out = String::new();
    for (i, label) in labels.enumerate() {
        if i > 0 {
            out.push('.');
        }
        for &b in label {
            push_label_byte(&mut out, b);
        }
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

/// The normal form of a name written in a log (already in presentation form, or with Zeek's
/// `\xHH` escapes): lowercased, `\xHH` turned into `\DDD` for bytes outside printable ASCII,
/// one trailing dot removed, the empty name and `.` both `.`.
pub fn normalize_qname(s: &str) -> String {
    let s = s.strip_suffix('.').unwrap_or(s);
    if s.is_empty() {
        return ".".into();
    }
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\\'
            && i + 3 < bytes.len()
            && bytes[i + 1] == b'x'
            && let Some(v) = hex_byte(bytes[i + 2], bytes[i + 3])
        {
            if (0x21..=0x7e).contains(&v) && v != b'.' && v != b'\\' {
                out.push(v.to_ascii_lowercase() as char);
            } else {
                let _ = write!(out, "\\{v:03}");
            }
            i += 4;
            continue;
        }
        if b.is_ascii() {
            out.push(b.to_ascii_lowercase() as char);
            i += 1;
        } else {
            // Keep non-ASCII text (already decoded UTF-8 in the log) as it is.
            let ch_len = utf8_len(b);
            let end = (i + ch_len).min(bytes.len());
            out.push_str(&String::from_utf8_lossy(&bytes[i..end]));
            i = end;
        }
    }
    out
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

fn hex_byte(h: u8, l: u8) -> Option<u8> {
    let v = |c: u8| (c as char).to_digit(16);
    Some((v(h)? * 16 + v(l)?) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_codes() {
        assert_eq!(qtype_name(1), "A");
        assert_eq!(qtype_name(29), "LOC");
        assert_eq!(qtype_name(65534), "TYPE65534");
        assert_eq!(qclass_name(3), "CH");
        assert_eq!(qclass_name(42), "CLASS42");
        assert_eq!(rcode_name(2), "SERVFAIL");
        assert_eq!(rcode_name(23), "BADCOOKIE");
        assert_eq!(rcode_name(12), "RCODE12");
        assert_eq!(opcode_name(5), "UPDATE");
        assert_eq!(opcode_name(3), "OPCODE3");
        assert_eq!(normalize_qtype("aaaa"), "AAAA");
        assert_eq!(normalize_qtype("TYPE28"), "AAAA");
        assert_eq!(normalize_qtype("*"), "ANY");
        assert_eq!(normalize_qclass("C_INTERNET"), "IN");
        assert_eq!(normalize_rcode("servfail"), "SERVFAIL");
        assert_eq!(normalize_rcode("3"), "NXDOMAIN");
    }

    #[test]
    fn qnames_are_lowercase_without_trailing_dot() {
        assert_eq!(normalize_qname("WWW.Example.COM."), "www.example.com");
        assert_eq!(normalize_qname("."), ".");
        assert_eq!(normalize_qname(""), ".");
        assert_eq!(normalize_qname("a\\x00b.test"), "a\\000b.test");
        assert_eq!(normalize_qname("a\\x41b"), "aab");
        let labels: Vec<&[u8]> = vec![b"WwW", b"a.b", b"x y"];
        assert_eq!(qname_from_labels(labels.into_iter()), "www.a\\.b.x\\032y");
        assert_eq!(qname_from_labels(std::iter::empty()), ".");
    }
}
