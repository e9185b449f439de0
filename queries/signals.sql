-- signals: every signal in one long table (entity, scope, signal, upstream_asn, bin, value,
-- hits, total), the input of signal_levels.
SELECT entity, scope, signal, upstream_asn, bin, value, hits, total FROM bgp_visibility
UNION ALL
SELECT entity, scope, signal, upstream_asn, bin, value, hits, total FROM bgp_upstream_split
UNION ALL
SELECT entity, scope, signal, upstream_asn, bin, value, hits, total FROM trace_reach
UNION ALL
SELECT entity, scope, signal, upstream_asn, bin, value, hits, total FROM dns_signals
