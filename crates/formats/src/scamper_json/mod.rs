//! scamper's JSON output (`sc_warts2json`, `scamper -O json`): one object per line, of type
//! `cycle-start`, `trace`, `ping`, `tracelb`, `cycle-stop` and the other scamper objects.
//!
//! In: a decompressed stream of JSON lines. Out: `traceroutes`/`traceroute_hops` from
//! `trace` objects and `pings` from `ping` objects, through the same structs as the warts
//! reader (a warts file and its JSON give the same rows). Accounting: one record per non-blank
//! line; cycle and list lines and objects without traceroute or ping data are skipped;
//! `tracelb` lines are rejected ("tracelb not supported"), as are lines that are not JSON,
//! not objects, or of an unknown type.

mod convert;

use crate::compress::Input;
use crate::format::{FileContext, Format, FormatError, ReadStats, Reject, Sink};
use crate::table::Table;
use crate::traceroute::lines::{Line, LineReader, is_blank};
use crate::traceroute::rows::TraceOut;
use serde_json::Value;

/// Longest line read (a trace of 255 hops with ICMP extensions is about 100 KiB). A line is
/// parsed into a JSON tree, which takes up to about 50 times its size for pathological
/// content (`[{},{},...]`), so the cap bounds memory: about 100 MiB per reader at worst.
pub const MAX_LINE: usize = 2 << 20;

/// The scamper JSON format.
#[derive(Debug, Default, Clone, Copy)]
pub struct ScamperJson;

/// Object types scamper writes that carry no traceroute or ping rows.
const SKIPPED_TYPES: &[&str] =
    &["cycle-start", "cycle-stop", "cycle-def", "list", "dealias", "neighbourdisc", "tbit", "sting", "sniff", "host", "http", "udpprobe"];

/// Whether `head` starts with a scamper JSON line: an object whose `type` is a scamper object
/// type and that has none of RIPE Atlas's keys.
pub fn looks_like_scamper_json(head: &[u8]) -> bool {
    let start = head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len());
    let head = &head[start..];
    if !head.starts_with(b"{") {
        return false;
    }
    let line = match head.iter().position(|&b| b == b'\n') {
        Some(i) => &head[..i],
        None => head,
    };
    if let Ok(Value::Object(o)) = serde_json::from_slice::<Value>(line) {
        let ty = o.get("type").and_then(Value::as_str).unwrap_or("");
        let scamper = matches!(ty, "trace" | "ping" | "tracelb") || SKIPPED_TYPES.contains(&ty);
        let atlas = ["fw", "prb_id", "msm_id"].iter().any(|k| o.contains_key(*k));
        let marker = ["version", "list_name", "start_time", "stop_time", "method"].iter().any(|k| o.contains_key(*k));
        return scamper && marker && !atlas;
    }
    // A first line longer than the head: judge by its opening.
    let text = String::from_utf8_lossy(&line[..line.len().min(256)]);
    (text.starts_with("{\"type\":\"trace\"") || text.starts_with("{\"type\":\"ping\""))
        && text.contains("\"version\"")
        && !text.contains("\"fw\"")
}

fn record(out: &mut TraceOut<'_>, offset: u64, number: u64, bytes: &[u8]) -> Result<(), FormatError> {
    let reject = |why: String| Reject::text(offset, number, why, bytes);
    let o = match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(o)) => o,
        Ok(_) => return out.reject(reject("not a JSON object".into())),
        Err(e) => return out.reject(reject(format!("not JSON: {e}"))),
    };
    let ty = match o.get("type") {
        Some(Value::String(t)) => t.as_str(),
        _ => return out.reject(reject("no \"type\": not a scamper object".into())),
    };
    match ty {
        "trace" => {
            let mut problems = Vec::new();
            match convert::trace(&o, offset, &mut problems) {
                Ok(t) => {
                    out.trace(&t)?;
                    out.partial(reject(String::new()), &problems)
                }
                Err(e) => out.reject(reject(format!("trace: {e}"))),
            }
        }
        "ping" => match convert::ping(&o, offset) {
            Ok(p) => out.ping(&p),
            Err(e) => out.reject(reject(format!("ping: {e}"))),
        },
        "tracelb" => out.reject(reject("tracelb not supported".into())),
        t if SKIPPED_TYPES.contains(&t) => {
            out.skipped();
            Ok(())
        }
        t => out.reject(reject(format!("unknown scamper object type {t:?}"))),
    }
}

/// Reads scamper JSON lines.
pub fn read_scamper_json(input: &mut Input<'_>, ctx: &FileContext, sink: &mut dyn Sink) -> Result<ReadStats, FormatError> {
    let mut out = TraceOut::new(ctx, sink, "scamper_json");
    let mut lines = LineReader::new(MAX_LINE);
    loop {
        let at = input.offset();
        match lines.next_line(input) {
            Ok(None) => break,
            Ok(Some(Line::Text { offset, number, bytes })) => {
                if !is_blank(bytes) {
                    out.framed();
                    record(&mut out, offset, number, bytes)?;
                }
            }
            Ok(Some(Line::TooLong { offset, number, len, head })) => {
                out.framed();
                out.reject(Reject::text(offset, number, format!("line of {len} bytes is longer than {MAX_LINE}"), head))?;
            }
            Err(e) => {
                out.broke_off(at, &e)?;
                break;
            }
        }
        if lines.number().is_multiple_of(4096) {
            out.progress(input.offset());
        }
    }
    out.progress(input.offset());
    out.finish()
}

impl Format for ScamperJson {
    fn name(&self) -> &'static str {
        "scamper_json"
    }
    fn description(&self) -> &'static str {
        "scamper JSON lines (sc_warts2json): trace and ping objects"
    }
    fn tables(&self) -> &'static [Table] {
        &[Table::Traceroutes, Table::TracerouteHops, Table::Pings]
    }
    fn sniff(&self, head: &[u8]) -> bool {
        looks_like_scamper_json(head)
    }
    fn read(&self, input: &mut Input<'_>, ctx: &FileContext, sink: &mut dyn Sink) -> Result<ReadStats, FormatError> {
        read_scamper_json(input, ctx, sink)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::MemorySink;

    const TRACE: &str = r#"{"type":"trace","version":"0.1", "userid":0, "method":"icmp-echo-paris", "src":"198.19.100.138", "dst":"198.18.10.10", "stop_reason":"UNREACH", "stop_data":0, "start":{"sec":1795925323, "usec":1, "ftime":"x"}, "hop_count":1, "hops":[{"addr":"198.19.100.129", "probe_ttl":1, "probe_id":1, "rtt":0.5, "reply_ttl":64, "icmp_type":3, "icmp_code":0},{"addr":"nope", "probe_ttl":2}]}"#;

    #[test]
    fn lines_become_rows_rejects_and_skips() {
        let text = format!(
            "{{\"type\":\"cycle-start\", \"list_name\":\"default\", \"id\":0, \"start_time\":1}}\n{TRACE}\n\n{{\"type\":\"tracelb\"}}\nnot json\n[1]\n{{\"type\":\"martian\"}}\n{{\"type\":\"ping\", \"dst\":\"198.18.10.10\", \"start\":{{\"sec\":5,\"usec\":0}}, \"ping_sent\":2, \"method\":\"icmp-echo\", \"responses\":[{{\"from\":\"198.19.100.129\", \"seq\":0, \"reply_proto\":\"icmp\", \"rtt\":0.1, \"icmp_type\":3, \"icmp_code\":0}}]}}\n"
        );
        let mut input = Input::from_bytes(text.as_bytes());
        let mut sink = MemorySink::default();
        let stats = read_scamper_json(&mut input, &FileContext::new("f", "c"), &mut sink).unwrap();
        assert_eq!((stats.records_ok, stats.records_rejected, stats.records_skipped, stats.records_partial), (2, 4, 1, 1));
        assert_eq!(sink.rows(Table::TracerouteHops), 1);
        let reasons: Vec<_> = sink.rejects.iter().map(|r| (r.line, r.reason.clone())).collect();
        assert!(reasons[0].1.starts_with("partial: hops[1]: addr: \"nope\" is not an IP address"), "{reasons:?}");
        assert_eq!(reasons[1], (Some(4), "tracelb not supported".into()));
        assert!(reasons[2].1.starts_with("not JSON"));
        let pings = sink.concat(Table::Pings);
        use arrow_array::cast::AsArray;
        let d = pings.column_by_name("dst_replies").unwrap().as_primitive::<arrow_array::types::UInt32Type>();
        assert_eq!(d.value(0), 0, "a router's unreachable is not a reply");
    }

    #[test]
    fn sniffing_tells_scamper_from_atlas() {
        assert!(looks_like_scamper_json(TRACE.as_bytes()));
        assert!(looks_like_scamper_json(
            b"{\"type\":\"cycle-start\", \"list_name\":\"default\", \"id\":0, \"hostname\":\"vm\", \"start_time\":1}\n"
        ));
        assert!(!looks_like_scamper_json(b"{\"type\":\"ping\",\"fw\":5020,\"prb_id\":1,\"msm_id\":2}\n"));
        assert!(!looks_like_scamper_json(b"{\"ts\":1.0,\"uid\":\"C1\"}\n"));
        assert!(!looks_like_scamper_json(b"traceroute to x"));
    }
}
