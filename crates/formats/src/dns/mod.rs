//! What the DNS readers share: the `dns_events` row, its Arrow builder, DNS wire decoding,
//! names of codes, query/response pairing and a bounded line reader.
//!
//! In: nothing of its own; the format folders (`dnstap/`, `pcap/`, `zeek/`, `resolver_log/`)
//! turn their records into [`DnsEvent`]s and hand them to an [`Emitter`]. Out: `dns_events`
//! batches and rejects through the [`crate::format::Sink`], plus [`crate::format::ReadStats`].
//!
//! Layers: records (frames, packets, lines) are decoded by each format; wire-format DNS
//! messages go through [`wire`] (hickory-proto); query and response messages are joined by
//! [`pairing`]; rows are built in one place, [`rows`].

pub mod event;
pub mod lines;
pub mod names;
pub mod pairing;
pub mod rows;
pub mod wire;

pub use event::{DnsEvent, MessageType};
pub use rows::Emitter;
