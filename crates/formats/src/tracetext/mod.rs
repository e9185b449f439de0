//! Classic `traceroute`/`traceroute6`/`tracepath`/`tracepath6` text output (Linux, FreeBSD,
//! macOS), as users paste it: with or without the header line, `-n`, `-q N`, several
//! addresses answering for one TTL, `!H !N !X ...` annotations, `[AS1234]` tags.
//!
//! In: a decompressed text stream. Out: `traceroutes` and `traceroute_hops` (one row per
//! printed reply or `*`). The text holds no time: every row gets
//! `FileContext::default_ts_us`, or the Unix epoch when that is not set. `reached` needs the
//! destination address, from the header (or from tracepath's `reached` mark); without a
//! header it is false and `dst_addr` is null.

mod parse;
mod reader;

pub use reader::{read_tracetext, trace_from_text};

use crate::compress::Input;
use crate::format::{FileContext, Format, FormatError, ReadStats, Sink};
use crate::table::Table;
use parse::{LineKind, classify};

/// The traceroute text format.
#[derive(Debug, Default, Clone, Copy)]
pub struct TraceText;

/// Whether `head` starts like traceroute or tracepath output: a `traceroute to` header or a
/// tracepath `1?: [LOCALHOST]` line among its first lines, or (no header) a run of hop lines
/// starting at TTL 1 with nothing else before them.
pub fn looks_like_tracetext(head: &[u8]) -> bool {
    if !crate::format::looks_like_text(head) {
        return false;
    }
    let complete = match head.iter().rposition(|&b| b == b'\n') {
        Some(i) if head.len() >= crate::format::SNIFF_BYTES => &head[..i],
        _ => head,
    };
    let text = String::from_utf8_lossy(complete);
    let mut hops = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()).take(8) {
        match classify(line) {
            LineKind::Header(_) => return true,
            LineKind::TracepathHop { local: true, .. } => return true,
            LineKind::ToolMessage => {}
            LineKind::Hop { ttl, .. } if hops == 0 && ttl == 1 => hops += 1,
            LineKind::Hop { .. } | LineKind::Continuation { .. } if hops > 0 => hops += 1,
            LineKind::TracepathHop { ttl: 1, .. } if hops == 0 => hops += 1,
            LineKind::TracepathHop { .. } if hops > 0 => hops += 1,
            _ => return false,
        }
    }
    hops >= 2 || (hops == 1 && complete.len() == head.len())
}

impl Format for TraceText {
    fn name(&self) -> &'static str {
        "tracetext"
    }
    fn description(&self) -> &'static str {
        "traceroute/traceroute6/tracepath text output (Linux, FreeBSD, macOS)"
    }
    fn tables(&self) -> &'static [Table] {
        &[Table::Traceroutes, Table::TracerouteHops]
    }
    fn sniff(&self, head: &[u8]) -> bool {
        looks_like_tracetext(head)
    }
    fn read(&self, input: &mut Input<'_>, ctx: &FileContext, sink: &mut dyn Sink) -> Result<ReadStats, FormatError> {
        read_tracetext(input, ctx, sink)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::MemorySink;
    use arrow_array::Array;
    use arrow_array::cast::AsArray;

    fn read(text: &str) -> (MemorySink, ReadStats) {
        let mut input = Input::from_bytes(text.as_bytes());
        let mut sink = MemorySink::default();
        let mut ctx = FileContext::new("feedfacefeedface", "vp");
        ctx.default_ts_us = Some(1_700_000_000_000_000);
        let stats = read_tracetext(&mut input, &ctx, &mut sink).unwrap();
        (sink, stats)
    }

    fn col(sink: &MemorySink, t: Table, name: &str) -> Vec<Option<String>> {
        let b = sink.concat(t);
        arrow_cast_string(b.column_by_name(name).unwrap())
    }

    fn arrow_cast_string(a: &arrow_array::ArrayRef) -> Vec<Option<String>> {
        let s = a.as_string::<i32>();
        (0..s.len()).map(|i| (!s.is_null(i)).then(|| s.value(i).to_string())).collect()
    }

    const LINUX: &str = "traceroute to 192.0.2.9 (192.0.2.9), 30 hops max, 60 byte packets
 1  10.0.0.1 (10.0.0.1)  1.000 ms  1.100 ms  1.200 ms
 2  * * *
 3  192.0.2.9 (192.0.2.9)  5.000 ms  5.100 ms  5.200 ms
";

    #[test]
    fn header_trace_reaches_its_destination() {
        let (sink, stats) = read(LINUX);
        assert_eq!((stats.records_ok, stats.records_rejected, stats.records_skipped), (1, 0, 0));
        assert_eq!(sink.rows(Table::TracerouteHops), 9);
        let b = sink.concat(Table::Traceroutes);
        assert!(b.column_by_name("reached").unwrap().as_boolean().value(0));
        assert_eq!(col(&sink, Table::Traceroutes, "stop_reason"), vec![Some("COMPLETED".into())]);
        assert_eq!(stats.ts_min, Some(1_700_000_000_000_000));
    }

    #[test]
    fn unreachable_no_header_and_stray_lines() {
        let text = "$ traceroute -n 198.18.1.1
traceroute: Warning: multiple interfaces found; using 10.0.0.2 @ eth0
traceroute to 198.18.1.1 (198.18.1.1), 30 hops max, 60 byte packets
 1  10.0.0.1  1.0 ms  1.1 ms  1.2 ms
 2  10.0.1.1  2.0 ms !N  2.1 ms !N  2.2 ms !N

 1  dsldevice (192.168.1.254)  11.415 ms  3.934 ms  3.286 ms
 2  * * *
 1  10.1.1.1  1.0 ms
";
        let (sink, stats) = read(text);
        assert_eq!((stats.records_ok, stats.records_rejected, stats.records_skipped), (3, 1, 1), "{:?}", sink.rejects);
        assert_eq!(sink.rejects[0].line, Some(1));
        assert_eq!(col(&sink, Table::Traceroutes, "stop_reason"), vec![Some("UNREACH".into()), None, None]);
        assert_eq!(col(&sink, Table::Traceroutes, "dst_addr"), vec![Some("198.18.1.1".into()), None, None]);
        assert_eq!(col(&sink, Table::TracerouteHops, "icmp_error")[3], Some("net-unreach".into()));
        assert_eq!(col(&sink, Table::Traceroutes, "trace_id")[2], Some("feedfacefeedface:2".into()));
    }

    #[test]
    fn endless_continuation_lines_do_not_grow_a_trace_without_end() {
        let mut text = LINUX.lines().take(2).collect::<Vec<_>>().join("\n");
        text.push('\n');
        for _ in 0..3000 {
            text.push_str("    10.0.0.7  1.0 ms  1.1 ms  bogus\n");
        }
        let (sink, stats) = read(&text);
        assert_eq!((stats.records_ok, stats.records_partial), (1, 1));
        assert_eq!(sink.rows(Table::TracerouteHops), reader::MAX_PROBES);
        let reason = &sink.rejects[0].reason;
        assert!(reason.contains("probes in one trace"), "{reason}");
        assert!(reason.len() < 1000, "problems are capped: {} bytes", reason.len());
    }

    #[test]
    fn sniffing_needs_traceroute_shapes() {
        assert!(looks_like_tracetext(LINUX.as_bytes()));
        assert!(looks_like_tracetext(b" 1?: [LOCALHOST]   pmtu 1500\n 1:  gw  1.0ms\n"));
        assert!(looks_like_tracetext(b" 1  dsldevice (192.168.1.254)  11.415 ms\n 2  * * *\n"));
        assert!(!looks_like_tracetext(b"#separator \\x09\n#fields\tts\tuid\n"));
        assert!(!looks_like_tracetext(b"{\"fw\": 5020}\n"));
        assert!(!looks_like_tracetext(b"1 2 3\n4 5 6\n"));
        assert!(!looks_like_tracetext(b""));
    }
}
