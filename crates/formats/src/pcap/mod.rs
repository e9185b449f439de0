//! Packet captures: DNS over UDP and TCP in pcap and pcapng files.
//!
//! In: a decompressed capture. The layers, one file each: [`capture`] frames the records
//! (pcap-parser parses their bodies), [`packet`] takes a packet to its IP payload (Ethernet
//! with VLAN tags, Linux cooked v1/v2, raw IP, NULL/LOOP; IPv4 and IPv6 with etherparse),
//! [`defrag`] reassembles IP fragments and [`tcp`] the 2-byte length-prefixed DNS messages of
//! TCP connections, both bounded; [`reader`] decodes DNS with hickory-proto and pairs queries
//! with responses. Out: `dns_events` rows (truncated UDP responses have `truncated` set and
//! their TCP retry is its own query/response pair), rejects and [`ReadStats`].

pub mod capture;
pub mod defrag;
pub mod packet;
mod reader;
pub mod tcp;

pub use capture::looks_like_capture;
pub use reader::read_pcap;

use crate::compress::Input;
use crate::format::{FileContext, Format, FormatError, ReadStats, Sink};
use crate::table::Table;

/// The pcap/pcapng format.
#[derive(Debug, Default, Clone, Copy)]
pub struct Pcap;

impl Format for Pcap {
    fn name(&self) -> &'static str {
        "pcap"
    }
    fn description(&self) -> &'static str {
        "pcap and pcapng captures: DNS over UDP and TCP port 53, IPv4/IPv6, fragments reassembled"
    }
    fn tables(&self) -> &'static [Table] {
        &[Table::DnsEvents]
    }
    fn sniff(&self, head: &[u8]) -> bool {
        looks_like_capture(head)
    }
    fn read(&self, input: &mut Input<'_>, ctx: &FileContext, sink: &mut dyn Sink) -> Result<ReadStats, FormatError> {
        read_pcap(input, ctx, sink)
    }
}

#[cfg(test)]
mod tests;
