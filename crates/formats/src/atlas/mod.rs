//! RIPE Atlas traceroute and ping results, in every firmware variant and every way they are
//! stored: one result per line (daily dumps, streaming), a JSON array (the results API), one
//! object per file, pretty-printed JSON, and the `{"results": [...], ...}` wrapper.
//!
//! In: a decompressed stream of Atlas JSON. Out: `traceroutes`/`traceroute_hops` (one hop row
//! per reply object: replies, `*` timeouts, late replies, and one row per per-hop `error`)
//! and `pings` (one row per ping result; `dst_replies` counts the non-duplicate echo replies).
//! Layout: [`scan`] finds where a JSON value ends without holding more than one in memory,
//! [`reader`] frames results, [`result`] turns one result into a trace or a ping.

pub mod reader;
pub mod result;
pub mod scan;

pub use reader::{Framing, MAX_VALUE, framing, read_atlas};

use crate::compress::Input;
use crate::format::{FileContext, Format, FormatError, ReadStats, Sink};
use crate::table::Table;

/// The RIPE Atlas format.
#[derive(Debug, Default, Clone, Copy)]
pub struct Atlas;

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Whether `head` looks like Atlas results: JSON (an object or array first) naming a probe
/// (`"prb_id"`), or a measurement with firmware or a wrapped result list.
pub fn looks_like_atlas(head: &[u8]) -> bool {
    let head = head.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(head);
    let Some(first) = head.iter().find(|b| !b.is_ascii_whitespace()) else {
        return false;
    };
    if !matches!(first, b'{' | b'[') || !crate::format::looks_like_text(head) {
        return false;
    }
    contains(head, b"\"prb_id\"") || (contains(head, b"\"msm_id\"") && (contains(head, b"\"fw\"") || contains(head, b"\"results\"")))
}

impl Format for Atlas {
    fn name(&self) -> &'static str {
        "atlas"
    }
    fn description(&self) -> &'static str {
        "RIPE Atlas traceroute and ping results (JSON lines, arrays, single or wrapped objects)"
    }
    fn tables(&self) -> &'static [Table] {
        &[Table::Traceroutes, Table::TracerouteHops, Table::Pings]
    }
    fn sniff(&self, head: &[u8]) -> bool {
        looks_like_atlas(head)
    }
    fn read(&self, input: &mut Input<'_>, ctx: &FileContext, sink: &mut dyn Sink) -> Result<ReadStats, FormatError> {
        read_atlas(input, ctx, sink)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::MemorySink;

    const RESULT: &str = r#"{"fw":5020,"af":4,"dst_addr":"192.0.2.1","src_addr":"10.0.0.2","proto":"ICMP","prb_id":1,"msm_id":2,"timestamp":1600000000,"type":"traceroute","result":[{"hop":1,"result":[{"from":"10.0.0.1","rtt":1.0,"ttl":64},{"x":"*"}]},{"hop":2,"result":[{"from":"192.0.2.1","rtt":2.0,"ttl":60}]}]}"#;

    fn read(text: &str) -> (MemorySink, ReadStats) {
        let mut input = Input::from_bytes(text.as_bytes());
        let mut sink = MemorySink::default();
        let stats = read_atlas(&mut input, &FileContext::new("f", "c"), &mut sink).unwrap();
        (sink, stats)
    }

    #[test]
    fn every_framing_gives_the_same_rows() {
        let lines = format!("{RESULT}\n{RESULT}\n");
        let array = format!("[{RESULT},\n {RESULT}]");
        let pretty = serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(&array).unwrap()).unwrap();
        let wrapped = format!("{{\"meta_data\": {{\"msm_id\": 2}}, \"results\": [{RESULT}, {RESULT}], \"probes\": []}}");
        let concatenated = format!("{RESULT}{RESULT}");
        assert_eq!(framing(lines.as_bytes()), Framing::Lines);
        assert_eq!(framing(pretty.as_bytes()), Framing::Structural);
        let mut hops = Vec::new();
        for text in [&lines, &array, &pretty, &wrapped, &concatenated] {
            let (sink, stats) = read(text);
            assert_eq!((stats.records_ok, stats.records_rejected, stats.records_skipped), (2, 0, 0), "{text}: {:?}", sink.rejects);
            hops.push(sink.concat(Table::TracerouteHops));
        }
        assert!(hops.windows(2).all(|w| w[0] == w[1]));
    }

    #[test]
    fn a_broken_first_line_does_not_take_the_file_with_it() {
        let text = format!("{}\n{RESULT}\n{RESULT}\n", &RESULT[..60]);
        assert_eq!(framing(text.as_bytes()), Framing::Lines);
        let (sink, stats) = read(&text);
        assert_eq!((stats.records_ok, stats.records_rejected), (2, 1));
        assert_eq!(sink.rejects[0].line, Some(1));
    }

    #[test]
    fn damage_in_an_array_rejects_the_rest_with_its_offset() {
        let text = format!("[{RESULT}, {RESULT}, {{\"broken\": ]");
        let (sink, stats) = read(&text);
        assert_eq!((stats.records_ok, stats.records_rejected), (2, 1));
        assert!(stats.stopped.is_some());
        assert_eq!(sink.rejects[0].end_offset, Some(text.len() as u64));
    }

    #[test]
    fn sniffing() {
        assert!(looks_like_atlas(RESULT.as_bytes()));
        assert!(looks_like_atlas(b"{\"filter\": {\"msm_id\": 1}, \"results\": []}"));
        assert!(!looks_like_atlas(b"{\"type\":\"trace\",\"version\":\"0.1\"}"));
        assert!(!looks_like_atlas(b"traceroute to x (1.2.3.4), 30 hops max"));
        assert!(!looks_like_atlas(b"{\"ts\": 1, \"uid\": \"x\", \"msm_id\": 3}"));
    }
}
