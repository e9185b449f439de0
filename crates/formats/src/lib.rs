//! Readers for the archive formats lightsout ingests.
//!
//! In: files (any compression, sniffed from content). Out: Arrow record batches of the lake's
//! tables ([`table::Table`]) plus [`format::Reject`]s, through one trait, [`format::Format`],
//! that every format folder implements. This crate knows nothing of Parquet, SQL or the
//! terminal; the `lightsout` crate writes what it yields into the lake.
//!
//! Layers, as in bgpkit-parser: bytes are decompressed ([`compress`]), framed into records
//! by each format, records are flattened into rows in one place per format (`rows.rs`), and
//! rows are batched. Damage becomes data: every record is either rows or a reject.

pub mod accounting;
pub mod atlas;
pub mod bzip2_block;
pub mod bzip2_parallel;
pub mod compress;
pub mod dns;
pub mod dnstap;
pub mod format;
pub mod mrt;
pub mod pcap;
pub mod readahead;
pub mod registry;
pub mod resolver_log;
pub mod scamper_json;
pub mod table;
pub mod traceroute;
pub mod tracetext;
pub mod warts;
pub mod zeek;

pub use compress::{Compression, Input, TooLarge};
pub use format::{FileContext, Format, FormatError, MemorySink, ReadStats, Reject, Sink, SinkError};
pub use table::Table;
