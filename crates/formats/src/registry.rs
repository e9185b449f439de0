//! The registry of formats: the one place a new format is added.
//!
//! In: the head of a decompressed stream, or a `--kind` name. Out: the [`Format`] that reads
//! it. Sniffing tries the formats in the order listed, most distinctive magic first.

use crate::format::Format;

/// Every format, in sniffing order.
pub fn formats() -> &'static [&'static dyn Format] {
    // MRT first: the binary DNS formats check magic numbers MRT headers cannot carry
    // (Frame Streams escape + START, pcap/pcapng magic), and the text DNS formats come last.
    static ALL: &[&dyn Format] = &[
        &crate::mrt::Mrt,
        &crate::dnstap::Dnstap,
        &crate::pcap::Pcap,
        &crate::zeek::Zeek,
        &crate::resolver_log::ResolverLog { year: None },
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
