//! One Zeek `dns.log` record, whatever its encoding, and the row it becomes.
//!
//! In: the fields of a record, already taken out of TSV ([`super::tsv`]) or JSON
//! ([`super::json`]). Out: a [`DnsEvent`], or the reason naming the field that stops it.
//!
//! Zeek writes one record per query/response exchange it tracked. The rules:
//! - `rcode` unset: no reply was seen (`query-only`, rcode null);
//! - `rcode` set and `qtype` set: the query and its reply were seen (`query-response`;
//!   Zeek leaves `rtt` unset for some replies, then `latency_ms` and `response_ts` are null);
//! - `rcode` set and `qtype` unset: a reply without its query (`response-only`; Zeek fills
//!   `qtype` from the request only).
//!
//! Codes are taken from the numeric fields when present (`qtype`, `qclass`, `rcode`, `opcode`)
//! and named like every other format; the `*_name` fields are the fallback.

use crate::dns::event::{DnsEvent, MessageType};
use crate::dns::names;
use std::net::IpAddr;

/// The record's time: a value, or masked (btest baselines write `XXXXXXXXXX.XXXXXX`).
#[derive(Debug, Clone, PartialEq)]
pub enum Ts {
    Micros(i64),
    Masked,
}

/// The `dns.log` fields lightsout reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ZeekDns {
    pub ts: Option<Ts>,
    pub orig_h: Option<String>,
    pub orig_p: Option<u64>,
    pub resp_h: Option<String>,
    pub resp_p: Option<u64>,
    pub proto: Option<String>,
    pub trans_id: Option<u64>,
    pub rtt_us: Option<i64>,
    pub query: Option<String>,
    pub qclass: Option<u64>,
    pub qclass_name: Option<String>,
    pub qtype: Option<u64>,
    pub qtype_name: Option<String>,
    pub rcode: Option<u64>,
    pub rcode_name: Option<String>,
    pub tc: Option<bool>,
    pub answers: Option<usize>,
    pub rejected: Option<bool>,
    pub opcode: Option<u64>,
    pub opcode_name: Option<String>,
}

fn ip(v: &Option<String>, field: &str) -> Result<Option<IpAddr>, String> {
    match v {
        None => Ok(None),
        Some(s) => s.parse::<IpAddr>().map(Some).map_err(|_| format!("{field}: {s:?} is not an IP address")),
    }
}

fn u16_of(v: Option<u64>, field: &str) -> Result<Option<u16>, String> {
    match v {
        None => Ok(None),
        Some(n) => u16::try_from(n).map(Some).map_err(|_| format!("{field}: {n} does not fit 16 bits")),
    }
}

fn code_name(
    code: Option<u64>,
    name: &Option<String>,
    field: &str,
    by_code: fn(u16) -> String,
    by_name: fn(&str) -> String,
) -> Result<Option<String>, String> {
    if let Some(c) = code {
        let c = u16::try_from(c).map_err(|_| format!("{field}: {c} does not fit 16 bits"))?;
        return Ok(Some(by_code(c)));
    }
    Ok(name.as_deref().map(by_name))
}

impl ZeekDns {
    /// The row of this record.
    pub fn to_event(&self, source_format: &'static str, offset: u64) -> Result<DnsEvent, String> {
        let ts = match self.ts {
            Some(Ts::Micros(t)) => t,
            Some(Ts::Masked) => {
                return Err("ts: masked timestamp (XXXXXXXXXX.XXXXXX, a btest baseline)".into());
            }
            None => return Err("ts: missing".into()),
        };
        let rcode = code_name(self.rcode, &self.rcode_name, "rcode", |c| names::rcode_name(c).into_owned(), names::normalize_rcode)?;
        let qtype = code_name(self.qtype, &self.qtype_name, "qtype", |c| names::qtype_name(c).into_owned(), names::normalize_qtype)?;
        let qclass = code_name(self.qclass, &self.qclass_name, "qclass", |c| names::qclass_name(c).into_owned(), names::normalize_qclass)?;
        let opcode = match self.opcode {
            Some(c) => Some(names::opcode_name(u8::try_from(c).map_err(|_| format!("opcode: {c} does not fit 8 bits"))?).into_owned()),
            None => self.opcode_name.as_deref().map(|s| s.to_ascii_uppercase()),
        };
        let kind = match (&rcode, &qtype) {
            (None, _) => MessageType::QueryOnly,
            (Some(_), Some(_)) => MessageType::QueryResponse,
            (Some(_), None) => MessageType::ResponseOnly,
        };
        let mut ev = DnsEvent::new(ts, source_format, kind, offset);
        ev.client_addr = ip(&self.orig_h, "id.orig_h")?;
        ev.client_port = u16_of(self.orig_p, "id.orig_p")?;
        ev.server_addr = ip(&self.resp_h, "id.resp_h")?;
        ev.server_port = u16_of(self.resp_p, "id.resp_p")?;
        ev.proto = self.proto.as_deref().map(str::to_ascii_lowercase);
        ev.query_id = u16_of(self.trans_id, "trans_id")?;
        ev.qname = self.query.as_deref().map(names::normalize_qname);
        ev.qtype = qtype;
        ev.qclass = qclass;
        ev.opcode = opcode;
        if let Some(rtt) = self.rtt_us
            && rcode.is_some()
        {
            ev.response_ts = ts.checked_add(rtt);
            ev.latency_ms = Some(rtt as f64 / 1000.0);
        }
        if rcode.is_some() {
            ev.answers = Some(u16::try_from(self.answers.unwrap_or(0)).unwrap_or(u16::MAX));
            ev.truncated = self.tc;
        }
        ev.rcode = rcode;
        if self.rejected == Some(true) {
            ev.error = Some("rejected".into());
        }
        Ok(ev)
    }
}

/// Microseconds of a decimal `seconds.fraction` string, exactly (no floating point), rounded
/// half up at the seventh fractional digit as Zeek's `%.6f` does.
pub fn decimal_us(s: &str) -> Option<i64> {
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) || int.len() > 12 {
        return None;
    }
    let secs: i64 = int.parse().ok()?;
    let mut us = 0i64;
    for (i, b) in frac.bytes().take(6).enumerate() {
        us += i64::from(b - b'0') * 10i64.pow(5 - i as u32);
    }
    if frac.as_bytes().get(6).is_some_and(|&d| d >= b'5') {
        us += 1;
    }
    let v = secs.checked_mul(1_000_000)?.checked_add(us)?;
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_times_are_exact() {
        assert_eq!(decimal_us("1521911720.865716"), Some(1_521_911_720_865_716));
        assert_eq!(decimal_us("0.000870"), Some(870));
        assert_eq!(decimal_us("12"), Some(12_000_000));
        assert_eq!(decimal_us("1.5"), Some(1_500_000));
        assert_eq!(decimal_us("0.0008699893951416016"), Some(870));
        assert_eq!(decimal_us("XXXXXXXXXX.XXXXXX"), None);
        assert_eq!(decimal_us(""), None);
    }

    #[test]
    fn message_type_follows_rcode_and_qtype() {
        let mut r = ZeekDns { ts: Some(Ts::Micros(1)), rcode: Some(0), qtype: Some(1), rtt_us: Some(870), ..Default::default() };
        let e = r.to_event("zeek-tsv", 0).unwrap();
        assert_eq!(
            (e.message_type, e.rcode.as_deref(), e.qtype.as_deref(), e.latency_ms, e.response_ts),
            (MessageType::QueryResponse, Some("NOERROR"), Some("A"), Some(0.87), Some(871))
        );
        r.qtype = None;
        assert_eq!(r.to_event("zeek-tsv", 0).unwrap().message_type, MessageType::ResponseOnly);
        r.rcode = None;
        let e = r.to_event("zeek-tsv", 0).unwrap();
        assert_eq!((e.message_type, e.latency_ms, e.answers), (MessageType::QueryOnly, None, None));
        r.ts = Some(Ts::Masked);
        assert!(r.to_event("zeek-tsv", 0).unwrap_err().contains("masked"));
        r.ts = Some(Ts::Micros(1));
        r.orig_h = Some("nope".into());
        assert!(r.to_event("zeek-tsv", 0).unwrap_err().starts_with("id.orig_h"));
    }
}
