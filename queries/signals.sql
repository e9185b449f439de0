-- signals: every signal in one long table (entity, scope, signal, upstream_asn, bin, value,
-- peers, full_feed_peers), the input of signal_levels.
SELECT entity, scope, signal, upstream_asn, bin, value, peers, full_feed_peers FROM bgp_visibility
UNION ALL
SELECT entity, scope, signal, upstream_asn, bin, value, peers, full_feed_peers FROM bgp_upstream_split
