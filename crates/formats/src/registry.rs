//! The registry of formats: the one place a new format is added.
//!
//! In: the head of a decompressed stream, or a `--kind` name. Out: the [`Format`] that reads
//! it. Sniffing tries the formats in the order listed, most distinctive magic first.

use crate::format::Format;

/// Every format, in sniffing order.
pub fn formats() -> &'static [&'static dyn Format] {
    // Binary magic first: MRT (its header check never accepts a warts header, which reads as
    // MRT type 0, nor Frame Streams' escape + START, nor pcap/pcapng magic), warts, dnstap,
    // pcap. Then JSON whose keys name the writer (scamper's JSON before Atlas, as both use
    // "type": "ping"; Zeek's keys are its own), then text, loosest last.
    static ALL: &[&dyn Format] = &[
        &crate::mrt::Mrt,
        &crate::warts::Warts,
        &crate::dnstap::Dnstap,
        &crate::pcap::Pcap,
        &crate::scamper_json::ScamperJson,
        &crate::atlas::Atlas,
        &crate::zeek::Zeek,
        &crate::resolver_log::ResolverLog { year: None },
        &crate::tracetext::TraceText,
    ];
    ALL
}

/// The format named `name` (as given to `--kind`).
pub fn by_name(name: &str) -> Option<&'static dyn Format> {
    formats().iter().copied().find(|f| f.name() == name)
}

/// The first format whose sniffer accepts `head`.
pub fn sniff(head: &[u8]) -> Option<&'static dyn Format> {
    formats().iter().copied().find(|f| f.sniff(head))
}
