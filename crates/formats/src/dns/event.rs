//! One `dns_events` row before it becomes Arrow columns.
//!
//! In: whatever a DNS reader decoded. Out: a [`DnsEvent`], pushed into [`super::rows`].
//! `docs/tables/dns.md` documents every field; keep the two in step.

use std::net::IpAddr;

/// What a row stands for. The detector counts every kind for volume; only
/// [`MessageType::QueryOnly`] means "asked and never answered".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// A query and its response were both seen (dnstap, pcap, Zeek).
    QueryResponse,
    /// A query whose response was not seen within the pairing window (or before the end of
    /// the file): `rcode` is null. This is the "no response" signal.
    QueryOnly,
    /// A response whose query was not seen (capture started late, duplicate response,
    /// response-only dnstap configuration).
    ResponseOnly,
    /// A server's query log line (BIND `queries`, unbound `log-queries`): the query was
    /// received; the log does not record the response, so `rcode` is null and does not mean
    /// unanswered.
    QueryLog,
    /// A log line that records the query and the response code it got (BIND/Infoblox
    /// response log, unbound `log-replies`).
    ResponseLog,
    /// A BIND `query-errors` line: the query failed; `rcode` is what the client got
    /// (SERVFAIL unless the cause is itself a response code) and `error` the cause.
    QueryError,
    /// A BIND `security` line: the query (or zone transfer) was denied; `rcode` REFUSED.
    QueryDenied,
}

impl MessageType {
    /// The value stored in `dns_events.message_type`.
    pub const fn as_str(self) -> &'static str {
        match self {
            MessageType::QueryResponse => "query-response",
            MessageType::QueryOnly => "query-only",
            MessageType::ResponseOnly => "response-only",
            MessageType::QueryLog => "query-log",
            MessageType::ResponseLog => "response-log",
            MessageType::QueryError => "query-error",
            MessageType::QueryDenied => "query-denied",
        }
    }

    /// Every value, in documentation order.
    pub const ALL: [MessageType; 7] = [
        MessageType::QueryResponse,
        MessageType::QueryOnly,
        MessageType::ResponseOnly,
        MessageType::QueryLog,
        MessageType::ResponseLog,
        MessageType::QueryError,
        MessageType::QueryDenied,
    ];
}

/// One row of `dns_events`.
#[derive(Debug, Clone, PartialEq)]
pub struct DnsEvent {
    /// Query time (UTC microseconds); for response-only rows the response's own record of
    /// the query time if it has one, else the response time; for log lines the line's time.
    pub ts: i64,
    pub source_format: &'static str,
    pub message_type: MessageType,
    /// dnstap message family (`client`, `resolver`, `auth`, ...); `None` for other formats.
    pub role: Option<&'static str>,
    /// dnstap `identity`, or the host of a syslog header.
    pub server_id: Option<String>,
    pub server_addr: Option<IpAddr>,
    pub server_port: Option<u16>,
    pub client_addr: Option<IpAddr>,
    pub client_port: Option<u16>,
    /// Lowercased presentation form without the trailing dot (`.` for the root).
    pub qname: Option<String>,
    pub qtype: Option<String>,
    pub qclass: Option<String>,
    pub opcode: Option<String>,
    pub query_id: Option<u16>,
    pub rcode: Option<String>,
    pub error: Option<String>,
    pub response_ts: Option<i64>,
    /// Milliseconds; computed from `ts` and `response_ts` unless the source states it.
    pub latency_ms: Option<f64>,
    pub proto: Option<String>,
    pub answers: Option<u16>,
    pub truncated: Option<bool>,
    /// Byte offset of the record (the query's, when a query and a response were joined) in
    /// the decompressed stream.
    pub record_offset: u64,
}

impl DnsEvent {
    /// An event with only the required fields set.
    pub fn new(ts: i64, source_format: &'static str, message_type: MessageType, record_offset: u64) -> Self {
        DnsEvent {
            ts,
            source_format,
            message_type,
            role: None,
            server_id: None,
            server_addr: None,
            server_port: None,
            client_addr: None,
            client_port: None,
            qname: None,
            qtype: None,
            qclass: None,
            opcode: None,
            query_id: None,
            rcode: None,
            error: None,
            response_ts: None,
            latency_ms: None,
            proto: None,
            answers: None,
            truncated: None,
            record_offset,
        }
    }
}

/// Latency in milliseconds between two UTC-microsecond times.
pub fn latency_ms(query_ts: i64, response_ts: i64) -> f64 {
    (response_ts as f64 - query_ts as f64) / 1000.0
}
