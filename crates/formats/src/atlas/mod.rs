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
    if !matches!(first, b'{' | b'[') || head.contains(&0) {
        return false;
    }
    contains(head, b"\"prb_id\"")
        || (contains(head, b"\"msm_id\"") && (contains(head, b"\"fw\"") || contains(head, b"\"results\"")))
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
