//! Wire-format DNS messages (RFC 1035 section 4), decoded with hickory-proto.
//!
//! In: the bytes of one DNS message (a UDP payload, a TCP message without its length prefix,
//! a dnstap `query_message`/`response_message`). Out: the fields `dns_events` needs
//! ([`WireInfo`]), or why the message cannot be read.
//!
//! A message that hickory decodes fully gives its fields (the RCODE includes the EDNS
//! extended bits). A message whose header and question decode but whose later sections do
//! not (a truncated or malformed RR) still gives its header and question, plus the reason as a
//! `partial` note: the response code and the question are what the outage signal needs. A
//! message whose header or question does not decode is an error.

use super::names;
use hickory_proto::op::{Header, Message, MessageType, Query};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder};

/// What `dns_events` takes from a DNS message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireInfo {
    pub id: u16,
    pub is_response: bool,
    pub opcode: u8,
    /// Response code, with the EDNS extended bits when the OPT record was decoded.
    pub rcode: u16,
    pub truncated: bool,
    pub qname: Option<String>,
    pub qtype: Option<u16>,
    pub qclass: Option<u16>,
    /// ANCOUNT from the header.
    pub answers: u16,
}

impl WireInfo {
    fn from_header(h: &Header) -> Self {
        WireInfo {
            id: h.metadata.id,
            is_response: h.metadata.message_type == MessageType::Response,
            opcode: u8::from(h.metadata.op_code),
            rcode: u16::from(h.metadata.response_code),
            truncated: h.metadata.truncation,
            qname: None,
            qtype: None,
            qclass: None,
            answers: h.counts.answers,
        }
    }

    fn set_question(&mut self, q: &Query) {
        self.qname = Some(names::qname_from_labels(q.name().iter()));
        self.qtype = Some(u16::from(q.query_type()));
        self.qclass = Some(u16::from(q.query_class()));
    }
}

/// A decoded message: its fields, and a note when only the header and question decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub info: WireInfo,
    pub partial: Option<String>,
}

/// Decodes one DNS message. `Err` names the part that failed.
pub fn decode(bytes: &[u8]) -> Result<Decoded, String> {
    if bytes.len() < 12 {
        return Err(format!("DNS message of {} bytes is shorter than the 12-byte header", bytes.len()));
    }
    let full_err = match Message::from_vec(bytes) {
        Ok(m) => {
            let mut info = WireInfo {
                id: m.metadata.id,
                is_response: m.metadata.message_type == MessageType::Response,
                opcode: u8::from(m.metadata.op_code),
                rcode: u16::from(m.metadata.response_code),
                truncated: m.metadata.truncation,
                qname: None,
                qtype: None,
                qclass: None,
                answers: header_u16(bytes, 6),
            };
            if let Some(q) = m.queries.first() {
                info.set_question(q);
            }
            return Ok(Decoded { info, partial: None });
        }
        Err(e) => e,
    };
    let mut decoder = BinDecoder::new(bytes);
    let header = Header::read(&mut decoder).map_err(|e| format!("DNS header: {e}"))?;
    let mut info = WireInfo::from_header(&header);
    if header.counts.queries > 0 {
        let q = Query::read(&mut decoder).map_err(|e| format!("DNS question: {e}"))?;
        info.set_question(&q);
    }
    Ok(Decoded { info, partial: Some(format!("DNS message sections after the question: {full_err}")) })
}

fn header_u16(bytes: &[u8], at: usize) -> u16 {
    match bytes.get(at..at + 2) {
        Some(b) => u16::from_be_bytes([b[0], b[1]]),
        None => 0,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A wire-format message: header fields, one question, `answers` A records.
    pub(crate) fn message(id: u16, response: bool, rcode: u8, qname: &str, qtype: u16, answers: u16) -> Vec<u8> {
        message_with(id, response, 0, rcode, false, qname, qtype, answers)
    }

    /// [`message`] with an opcode and the TC bit.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn message_with(id: u16, response: bool, opcode: u8, rcode: u8, tc: bool, qname: &str, qtype: u16, answers: u16) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend(id.to_be_bytes());
        m.push(if response { 0x80 } else { 0 } | (opcode & 0xf) << 3 | if tc { 0x02 } else { 0 } | 0x01);
        m.push(if response { 0x80 | (rcode & 0xf) } else { 0 });
        m.extend(1u16.to_be_bytes());
        m.extend(answers.to_be_bytes());
        m.extend(0u16.to_be_bytes());
        m.extend(0u16.to_be_bytes());
        let name = encode_name(qname);
        m.extend(&name);
        m.extend(qtype.to_be_bytes());
        m.extend(1u16.to_be_bytes());
        for i in 0..answers {
            m.extend([0xc0, 12]);
            m.extend(1u16.to_be_bytes());
            m.extend(1u16.to_be_bytes());
            m.extend(300u32.to_be_bytes());
            m.extend(4u16.to_be_bytes());
            m.extend([192, 0, 2, i as u8]);
        }
        m
    }

    pub(crate) fn encode_name(qname: &str) -> Vec<u8> {
        let mut v = Vec::new();
        for label in qname.split('.').filter(|l| !l.is_empty()) {
            v.push(label.len() as u8);
            v.extend(label.as_bytes());
        }
        v.push(0);
        v
    }

    #[test]
    fn decodes_a_full_message() {
        let m = message(0xbeef, true, 3, "WWW.Example.test", 28, 2);
        let d = decode(&m).unwrap();
        assert_eq!(d.partial, None);
        assert_eq!(d.info.id, 0xbeef);
        assert!(d.info.is_response);
        assert_eq!(d.info.rcode, 3);
        assert_eq!(d.info.qname.as_deref(), Some("www.example.test"));
        assert_eq!(d.info.qtype, Some(28));
        assert_eq!(d.info.qclass, Some(1));
        assert_eq!(d.info.answers, 2);
    }

    #[test]
    fn a_damaged_answer_keeps_header_and_question() {
        let mut m = message(7, true, 2, "a.test", 1, 2);
        m.truncate(m.len() - 3);
        let d = decode(&m).unwrap();
        assert!(d.partial.is_some());
        assert_eq!(d.info.rcode, 2);
        assert_eq!(d.info.qname.as_deref(), Some("a.test"));
    }

    #[test]
    fn a_damaged_question_or_header_is_an_error() {
        let m = message(7, false, 0, "abc.test", 1, 0);
        assert!(decode(&m[..15]).is_err());
        assert!(decode(&m[..11]).is_err());
        assert!(decode(&[]).is_err());
    }
}
