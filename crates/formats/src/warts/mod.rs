//! CAIDA scamper's binary warts files: traceroutes and pings, read by our own streaming
//! decoder (the `warts` crate is tied to an old deku and reads whole files).
//!
//! In: a decompressed warts stream (old files with the file-wide address table and new ones
//! with per-object addresses alike). Out: `traceroutes` and `traceroute_hops` from trace
//! objects, `pings` from ping objects, one reject per damaged record or skipped byte range.
//! Layout: [`params`] (cursor, flags/parameters blocks, addresses), [`trace`] and [`ping`]
//! (one object type each), [`reader`] (record framing and recovery).

pub mod params;
pub mod ping;
pub mod reader;
pub mod trace;

pub use reader::{plausible_header, read_warts};

use crate::compress::Input;
use crate::format::{FileContext, Format, FormatError, ReadStats, Sink};
use crate::table::Table;

/// The warts format.
#[derive(Debug, Default, Clone, Copy)]
pub struct Warts;

/// Whether `head` starts with a warts record header.
pub fn looks_like_warts(head: &[u8]) -> bool {
    plausible_header(head).is_some()
}

impl Format for Warts {
    fn name(&self) -> &'static str {
        "warts"
    }
    fn description(&self) -> &'static str {
        "CAIDA scamper warts (trace and ping objects; other objects counted)"
    }
    fn tables(&self) -> &'static [Table] {
        &[Table::Traceroutes, Table::TracerouteHops, Table::Pings]
    }
    fn sniff(&self, head: &[u8]) -> bool {
        looks_like_warts(head)
    }
    fn read(&self, input: &mut Input<'_>, ctx: &FileContext, sink: &mut dyn Sink) -> Result<ReadStats, FormatError> {
        read_warts(input, ctx, sink)
    }
}
