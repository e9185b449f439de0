//! MRT (RFC 6396) BGP archives: RouteViews and RIPE RIS updates and RIB dumps.
//!
//! In: a decompressed MRT stream. Out: `bgp_updates` (BGP4MP / BGP4MP_ET MESSAGE[_AS4]
//! [_ADDPATH] and legacy type-5 BGP UPDATEs, one row per announced or withdrawn prefix),
//! `bgp_rib` (TABLE_DUMP and TABLE_DUMP_V2 RIB entries incl. ADD-PATH, one row per entry) and
//! `bgp_peer_state` (STATE_CHANGE[_AS4] records, which bgpkit's element iterator drops, read
//! here at record level).
//!
//! Records are framed and parsed by bgpkit-parser's recovering record iterator: a record whose
//! body does not parse, or a stretch of bytes that does not frame, becomes one reject with the
//! skipped byte range, and reading resumes at the next boundary that a chain of valid records
//! confirms. Records that carry no rows by design (OPEN, KEEPALIVE, NOTIFICATION,
//! PEER_INDEX_TABLE) are counted as skipped.

mod reader;
mod rows;
mod sniff;

pub use reader::read_mrt;
pub use sniff::looks_like_mrt;

use crate::compress::Input;
use crate::format::{FileContext, Format, FormatError, ReadStats, Sink};
use crate::table::Table;

/// The MRT format.
#[derive(Debug, Default, Clone, Copy)]
pub struct Mrt;

impl Format for Mrt {
    fn name(&self) -> &'static str {
        "mrt"
    }
    fn description(&self) -> &'static str {
        "MRT BGP archives (BGP4MP, BGP4MP_ET, TABLE_DUMP, TABLE_DUMP_V2, legacy BGP)"
    }
    fn tables(&self) -> &'static [Table] {
        &[Table::BgpUpdates, Table::BgpRib, Table::BgpPeerState]
    }
    fn sniff(&self, head: &[u8]) -> bool {
        looks_like_mrt(head)
    }
    fn read(&self, input: &mut Input<'_>, ctx: &FileContext, sink: &mut dyn Sink) -> Result<ReadStats, FormatError> {
        read_mrt(input, ctx, sink)
    }
}
