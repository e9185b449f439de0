//! The lake's tables and their Arrow schemas, declared once.
//!
//! In: nothing. Out: [`Table`], whose [`Table::schema`] is used by every reader (to build
//! batches), by the lake writer (Parquet), by the SQL session (explicit schemas, nothing is
//! inferred at query time) and by the tests. The README documents every column; keep the two
//! in step (a test checks that every column named here appears in the README).
//!
//! Conventions: timestamps are `Timestamp(Microsecond, "UTC")`; addresses and prefixes are
//! text in their canonical form (`192.0.2.0/24`, `2001:db8::/32`); ASNs are `UInt32`; every
//! row carries the `file_id` of the input file it came from (first 16 hex digits of the file's
//! sha256), which joins to `ingest_files`.

use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use std::sync::{Arc, OnceLock};

/// The Arrow type of every timestamp column: UTC microseconds.
pub fn ts_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// A table of the lake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    /// One row per announced or withdrawn prefix in a BGP UPDATE (MRT BGP4MP, BGP4MP_ET, BGP).
    BgpUpdates,
    /// One row per RIB entry (MRT TABLE_DUMP, TABLE_DUMP_V2).
    BgpRib,
    /// One row per BGP session state change (MRT BGP4MP STATE_CHANGE[_AS4], legacy BGP).
    BgpPeerState,
    /// One row per traceroute.
    Traceroutes,
    /// One row per traceroute reply or timeout.
    TracerouteHops,
    /// One row per ping measurement.
    Pings,
    /// One row per DNS query (with its response, if any), unpaired response, or DNS log event.
    DnsEvents,
    /// The ledger: one row per input file.
    IngestFiles,
    /// One row per record that could not be parsed.
    IngestRejects,
}

impl Table {
    /// Every table, in a fixed order.
    pub const ALL: [Table; 9] = [
        Table::BgpUpdates,
        Table::BgpRib,
        Table::BgpPeerState,
        Table::Traceroutes,
        Table::TracerouteHops,
        Table::Pings,
        Table::DnsEvents,
        Table::IngestFiles,
        Table::IngestRejects,
    ];

    /// Tables that hold data rows (partitioned by `date`), as opposed to the ledger tables.
    pub const DATA: [Table; 7] =
        [Table::BgpUpdates, Table::BgpRib, Table::BgpPeerState, Table::Traceroutes, Table::TracerouteHops, Table::Pings, Table::DnsEvents];

    /// The table's name in the lake and in SQL.
    pub const fn name(self) -> &'static str {
        match self {
            Table::BgpUpdates => "bgp_updates",
            Table::BgpRib => "bgp_rib",
            Table::BgpPeerState => "bgp_peer_state",
            Table::Traceroutes => "traceroutes",
            Table::TracerouteHops => "traceroute_hops",
            Table::Pings => "pings",
            Table::DnsEvents => "dns_events",
            Table::IngestFiles => "ingest_files",
            Table::IngestRejects => "ingest_rejects",
        }
    }

    /// Looks a table up by name.
    pub fn from_name(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Whether the table is hive-partitioned by `date=YYYY-MM-DD` (data tables are; the ledger
    /// tables are not).
    pub const fn partitioned(self) -> bool {
        !matches!(self, Table::IngestFiles | Table::IngestRejects)
    }

    /// The name of the column that holds the row's time (used for the `date` partition and for
    /// sorting), if any.
    pub const fn time_column(self) -> Option<&'static str> {
        match self {
            Table::BgpRib => Some("dump_ts"),
            Table::IngestFiles | Table::IngestRejects => None,
            _ => Some("ts"),
        }
    }

    /// The table's schema (the `date` partition column is not part of it).
    pub fn schema(self) -> SchemaRef {
        static SCHEMAS: OnceLock<Vec<SchemaRef>> = OnceLock::new();
        let all = SCHEMAS.get_or_init(|| Table::ALL.iter().map(|t| Arc::new(t.build_schema())).collect());
        all[self as usize].clone()
    }

    fn build_schema(self) -> Schema {
        use DataType::*;
        let ts = || ts_type();
        let f = |name: &str, dt: DataType, nullable: bool| Field::new(name, dt, nullable);
        let fields = match self {
            Table::BgpUpdates => vec![
                f("ts", ts(), false),
                f("collector", Utf8, false),
                f("peer_ip", Utf8, false),
                f("peer_asn", UInt32, false),
                f("elem_type", Utf8, false),
                f("prefix", Utf8, false),
                f("prefix_len", UInt8, false),
                f("afi", UInt8, false),
                f("path_id", UInt32, true),
                f("origin_asn", UInt32, true),
                f("upstream_asn", UInt32, true),
                f("as_path", Utf8, true),
                f("next_hop", Utf8, true),
                f("origin", Utf8, true),
                f("local_pref", UInt32, true),
                f("med", UInt32, true),
                f("communities", Utf8, true),
                f("atomic_aggregate", Boolean, false),
                f("aggregator", Utf8, true),
                f("mrt_type", Utf8, false),
                f("record_offset", UInt64, false),
                f("file_id", Utf8, false),
            ],
            Table::BgpRib => vec![
                f("dump_ts", ts(), false),
                f("collector", Utf8, false),
                f("peer_ip", Utf8, false),
                f("peer_asn", UInt32, false),
                f("prefix", Utf8, false),
                f("prefix_len", UInt8, false),
                f("afi", UInt8, false),
                f("path_id", UInt32, true),
                f("origin_asn", UInt32, true),
                f("upstream_asn", UInt32, true),
                f("as_path", Utf8, true),
                f("next_hop", Utf8, true),
                f("origin", Utf8, true),
                f("local_pref", UInt32, true),
                f("med", UInt32, true),
                f("communities", Utf8, true),
                f("originated_ts", ts(), true),
                f("mrt_type", Utf8, false),
                f("record_offset", UInt64, false),
                f("file_id", Utf8, false),
            ],
            Table::BgpPeerState => vec![
                f("ts", ts(), false),
                f("collector", Utf8, false),
                f("peer_ip", Utf8, false),
                f("peer_asn", UInt32, false),
                f("local_ip", Utf8, true),
                f("local_asn", UInt32, true),
                f("old_state", Utf8, false),
                f("new_state", Utf8, false),
                f("mrt_type", Utf8, false),
                f("record_offset", UInt64, false),
                f("file_id", Utf8, false),
            ],
            Table::Traceroutes => vec![
                f("ts", ts(), false),
                f("trace_id", Utf8, false),
                f("source", Utf8, false),
                f("msm_id", UInt64, true),
                f("probe_id", UInt64, true),
                f("src_addr", Utf8, true),
                f("dst_addr", Utf8, true),
                f("dst_name", Utf8, true),
                f("af", UInt8, true),
                f("proto", Utf8, true),
                f("reached", Boolean, false),
                f("stop_reason", Utf8, true),
                f("hop_count", UInt16, false),
                f("last_responsive_addr", Utf8, true),
                f("last_responsive_ttl", UInt8, true),
                f("end_ts", ts(), true),
                f("error", Utf8, true),
                f("record_offset", UInt64, false),
                f("file_id", Utf8, false),
            ],
            Table::TracerouteHops => vec![
                f("ts", ts(), false),
                f("trace_id", Utf8, false),
                f("ttl", UInt8, false),
                f("probe", UInt16, false),
                f("addr", Utf8, true),
                f("name", Utf8, true),
                f("asn", UInt32, true),
                f("rtt_ms", Float64, true),
                f("reply_ttl", UInt8, true),
                f("icmp_type", UInt8, true),
                f("icmp_code", UInt8, true),
                f("icmp_error", Utf8, true),
                f("timeout", Boolean, false),
                f("late", Boolean, false),
                f("error", Utf8, true),
                f("file_id", Utf8, false),
            ],
            Table::Pings => vec![
                f("ts", ts(), false),
                f("source", Utf8, false),
                f("msm_id", UInt64, true),
                f("probe_id", UInt64, true),
                f("src_addr", Utf8, true),
                f("dst_addr", Utf8, true),
                f("dst_name", Utf8, true),
                f("af", UInt8, true),
                f("proto", Utf8, true),
                f("sent", UInt32, false),
                f("replies", UInt32, false),
                f("dst_replies", UInt32, false),
                f("errors", UInt32, false),
                f("loss", Float64, true),
                f("rtt_min_ms", Float64, true),
                f("rtt_avg_ms", Float64, true),
                f("rtt_max_ms", Float64, true),
                f("record_offset", UInt64, false),
                f("file_id", Utf8, false),
            ],
            // Documented column by column in docs/tables/dns.md.
            Table::DnsEvents => vec![
                f("ts", ts(), false),
                f("source_format", Utf8, false),
                f("message_type", Utf8, false),
                f("role", Utf8, true),
                f("server_id", Utf8, true),
                f("server_addr", Utf8, true),
                f("server_port", UInt16, true),
                f("client_addr", Utf8, true),
                f("client_port", UInt16, true),
                f("qname", Utf8, true),
                f("qtype", Utf8, true),
                f("qclass", Utf8, true),
                f("opcode", Utf8, true),
                f("query_id", UInt16, true),
                f("rcode", Utf8, true),
                f("error", Utf8, true),
                f("response_ts", ts(), true),
                f("latency_ms", Float64, true),
                f("proto", Utf8, true),
                f("answers", UInt16, true),
                f("truncated", Boolean, true),
                f("record_offset", UInt64, false),
                f("file_id", Utf8, false),
            ],
            Table::IngestFiles => vec![
                f("file_id", Utf8, false),
                f("path", Utf8, false),
                f("sha256", Utf8, false),
                f("bytes", UInt64, false),
                f("decompressed_bytes", UInt64, false),
                f("format", Utf8, true),
                f("compression", Utf8, false),
                f("collector", Utf8, true),
                f("records_ok", UInt64, false),
                f("records_rejected", UInt64, false),
                f("rows", UInt64, false),
                f("ts_min", ts(), true),
                f("ts_max", ts(), true),
                f("status", Utf8, false),
                f("message", Utf8, true),
            ],
            Table::IngestRejects => vec![
                f("file_id", Utf8, false),
                f("offset", UInt64, false),
                f("line", UInt64, true),
                f("end_offset", UInt64, true),
                f("format", Utf8, true),
                f("reason", Utf8, false),
                f("excerpt", Utf8, false),
            ],
        };
        Schema::new(fields)
    }
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_schemas_have_file_id() {
        for t in Table::ALL {
            assert_eq!(Table::from_name(t.name()), Some(t));
            let s = t.schema();
            assert!(s.field_with_name("file_id").is_ok(), "{t} lacks file_id");
            if let Some(c) = t.time_column() {
                assert_eq!(s.field_with_name(c).unwrap().data_type(), &ts_type());
            }
        }
    }
}
