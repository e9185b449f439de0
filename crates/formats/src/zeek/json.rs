//! Zeek's JSON logs (`LogAscii::use_json = T`, and the JSON Streaming Logs package with
//! `_path` and `_write_ts`): one object per line, unset fields left out.
//!
//! In: one line. Out: the fields as a [`ZeekDns`], `Ok(None)` for a record of another log
//! (`_path` other than `dns`), or the reason naming the field that does not read. `ts` is
//! either epoch seconds (a number, Zeek's default `JSON::TS_EPOCH`) or an ISO 8601 string
//! (`JSON::TS_ISO8601`); `rtt` is seconds as a number, kept to the microsecond like the TSV
//! writer prints it.

use super::record::{Ts, ZeekDns, decimal_us};
use serde_json::{Map, Value};

/// Microseconds of a JSON number of seconds: from its decimal text when it has no exponent
/// (exact), else from its floating-point value.
fn seconds_to_us(n: &serde_json::Number) -> Option<i64> {
    if let Some(us) = decimal_us(&n.to_string()) {
        return Some(us);
    }
    let us = (n.as_f64()? * 1e6).round();
    (us.is_finite() && us.abs() < 9.0e15).then_some(us as i64)
}

fn string(o: &Map<String, Value>, k: &str) -> Result<Option<String>, String> {
    match o.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v) => Err(format!("{k}: {v} is not a string")),
    }
}

fn count(o: &Map<String, Value>, k: &str) -> Result<Option<u64>, String> {
    match o.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or_else(|| format!("{k}: {v} is not a count")),
    }
}

fn boolean(o: &Map<String, Value>, k: &str) -> Result<Option<bool>, String> {
    match o.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_bool().map(Some).ok_or_else(|| format!("{k}: {v} is not a boolean")),
    }
}

fn time(v: &Value) -> Result<i64, String> {
    match v {
        Value::Number(n) => seconds_to_us(n).ok_or_else(|| format!("ts: {n} is out of range")),
        Value::String(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| t.timestamp_micros())
            .map_err(|e| format!("ts: {s:?} is not an ISO 8601 time ({e})")),
        v => Err(format!("ts: {v} is not a time")),
    }
}

/// Parses one JSON line.
pub fn parse(line: &str) -> Result<Option<ZeekDns>, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("JSON: {e}"))?;
    let Value::Object(o) = v else {
        return Err("JSON: the line is not an object".into());
    };
    if let Some(p) = string(&o, "_path")?
        && p != "dns"
    {
        return Ok(None);
    }
    let mut r = ZeekDns { ts: o.get("ts").map(time).transpose()?.map(Ts::Micros), ..Default::default() };
    r.orig_h = string(&o, "id.orig_h")?;
    r.orig_p = count(&o, "id.orig_p")?;
    r.resp_h = string(&o, "id.resp_h")?;
    r.resp_p = count(&o, "id.resp_p")?;
    r.proto = string(&o, "proto")?;
    r.trans_id = count(&o, "trans_id")?;
    r.rtt_us = match o.get("rtt") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(seconds_to_us(n).ok_or_else(|| format!("rtt: {n} is out of range"))?),
        Some(v) => return Err(format!("rtt: {v} is not an interval")),
    };
    r.query = string(&o, "query")?;
    r.qclass = count(&o, "qclass")?;
    r.qclass_name = string(&o, "qclass_name")?;
    r.qtype = count(&o, "qtype")?;
    r.qtype_name = string(&o, "qtype_name")?;
    r.rcode = count(&o, "rcode")?;
    r.rcode_name = string(&o, "rcode_name")?;
    r.tc = boolean(&o, "TC")?;
    r.rejected = boolean(&o, "rejected")?;
    r.opcode = count(&o, "opcode")?;
    r.opcode_name = string(&o, "opcode_name")?;
    r.answers = match o.get("answers") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => Some(a.len()),
        Some(v) => return Err(format!("answers: {v} is not an array")),
    };
    Ok(Some(r))
}

/// Whether a line looks like a Zeek DNS JSON record (for sniffing).
pub fn looks_like_dns_json(line: &str) -> bool {
    let l = line.trim_start();
    l.starts_with('{')
        && l.contains("\"id.orig_h\"")
        && (l.contains("\"_path\":\"dns\"") || l.contains("\"trans_id\"") || l.contains("\"qtype_name\"") || l.contains("\"rcode_name\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_epoch_and_iso_times_and_skips_other_paths() {
        let r = parse(r#"{"ts":1521911720.865716,"id.orig_h":"10.0.0.1","rtt":0.0008699893951416016,"answers":["a","b"],"rcode":0}"#)
            .unwrap()
            .unwrap();
        assert_eq!(r.ts, Some(Ts::Micros(1_521_911_720_865_716)));
        assert_eq!((r.rtt_us, r.answers, r.rcode), (Some(870), Some(2), Some(0)));
        let r = parse(r#"{"_path":"dns","ts":"2018-03-24T17:15:20.865716Z"}"#).unwrap().unwrap();
        assert_eq!(r.ts, Some(Ts::Micros(1_521_911_720_865_716)));
        assert_eq!(parse(r#"{"_path":"conn","ts":1}"#).unwrap(), None);
        assert!(parse(r#"{"ts":"yesterday"}"#).unwrap_err().starts_with("ts"));
        assert!(parse(r#"{"ts":1,"id.orig_p":"x"}"#).unwrap_err().starts_with("id.orig_p"));
        assert!(parse("[1]").is_err());
        assert!(parse("{").is_err());
    }
}
