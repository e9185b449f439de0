//! dnstap: DNS server event logs (BIND, Unbound, Knot, PowerDNS, dnsdist, CoreDNS) in Frame
//! Streams files.
//!
//! In: a decompressed Frame Streams stream ([`framestream`]) whose data frames are dnstap
//! protobufs ([`proto`], prost structs written from dnstap.proto). Out: `dns_events` rows,
//! one per query joined with its response (same message family, transport, DNS ID, and
//! addresses, ports and question where both sides have them), one per query left unanswered
//! (`query-only`, rcode null) and one per response without its query (`response-only`). Every
//! message type is read: AUTH, RESOLVER, CLIENT, FORWARDER, STUB, TOOL and UPDATE, queries and
//! responses; the family is kept in `role`. The RCODE is read from the response's wire message
//! with hickory-proto. See [`reader`] for the accounting of frames.

pub mod framestream;
pub mod proto;
mod reader;

pub use framestream::looks_like_fstrm;
pub use reader::{DNSTAP_CONTENT_TYPE, read_dnstap, read_dnstap_with};

use crate::compress::Input;
use crate::format::{FileContext, Format, FormatError, ReadStats, Sink};
use crate::table::Table;

/// The dnstap format.
#[derive(Debug, Default, Clone, Copy)]
pub struct Dnstap;

impl Format for Dnstap {
    fn name(&self) -> &'static str {
        "dnstap"
    }
    fn description(&self) -> &'static str {
        "dnstap Frame Streams files (every message type; queries paired with responses)"
    }
    fn tables(&self) -> &'static [Table] {
        &[Table::DnsEvents]
    }
    fn sniff(&self, head: &[u8]) -> bool {
        looks_like_fstrm(head)
    }
    fn read(&self, input: &mut Input<'_>, ctx: &FileContext, sink: &mut dyn Sink) -> Result<ReadStats, FormatError> {
        read_dnstap(input, ctx, sink)
    }
}

#[cfg(test)]
pub(crate) mod tests;
