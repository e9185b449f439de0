//! Zeek `dns.log`: the DNS transactions Zeek's DNS analyzer logged, as TSV (with its `#`
//! header, several logs concatenated allowed) or as JSON lines.
//!
//! In: a decompressed log (gzip and the rest are undone before). Out: one `dns_events` row per
//! record: [`record`] maps the fields and says when a record is a query with its reply, a query
//! without reply (`rcode` unset) or a reply without query; [`tsv`] and [`json`] read the two
//! encodings; [`reader`] is the loop and its accounting.

pub mod json;
mod reader;
pub mod record;
pub mod tsv;

pub use reader::read_zeek;

use crate::compress::Input;
use crate::format::{FileContext, Format, FormatError, ReadStats, Sink};
use crate::table::Table;

/// The Zeek `dns.log` format.
#[derive(Debug, Default, Clone, Copy)]
pub struct Zeek;

/// Whether `head` starts like a Zeek DNS log: a TSV header (`#separator`, possibly after a
/// btest banner) whose `#path` is `dns` or whose `#fields` are the DNS log's, or a first JSON
/// line with the DNS log's fields.
pub fn looks_like_zeek_dns(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&head[..head.len().min(16 * 1024)]);
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let Some(mut first) = lines.next() else {
        return false;
    };
    if first.starts_with("###") {
        let Some(next) = lines.next() else {
            return false;
        };
        first = next;
    }
    if first.starts_with("#separator") {
        for l in text.lines().take(16) {
            if let Some(p) = l.strip_prefix("#path") {
                return p.trim() == "dns";
            }
            if l.starts_with("#fields") {
                return l.contains("trans_id") && l.contains("query");
            }
        }
        return false;
    }
    json::looks_like_dns_json(first)
}

impl Format for Zeek {
    fn name(&self) -> &'static str {
        "zeek"
    }
    fn description(&self) -> &'static str {
        "Zeek dns.log, TSV or JSON lines"
    }
    fn tables(&self) -> &'static [Table] {
        &[Table::DnsEvents]
    }
    fn sniff(&self, head: &[u8]) -> bool {
        looks_like_zeek_dns(head)
    }
    fn read(&self, input: &mut Input<'_>, ctx: &FileContext, sink: &mut dyn Sink) -> Result<ReadStats, FormatError> {
        read_zeek(input, ctx, sink)
    }
}

#[cfg(test)]
pub(crate) mod tests;
