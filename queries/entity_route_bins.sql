-- entity_route_bins: the routes to each entity's units (the unit itself or a prefix inside
-- it), one row per bin at whose end the route was up: who saw the entity, through which
-- upstream, when. Bins are numbered from $origin_us in steps of $bin_us.
WITH unit_lens AS (
    SELECT DISTINCT afi, prefix_len FROM entity_units
),
route_prefixes AS (
    SELECT DISTINCT afi, prefix, prefix_len FROM bgp_route_intervals
),
-- Each routed prefix cut to every unit length (a column of its own: DataFusion 55 drops a join
-- key that is an expression over both sides of a cross join, see trace_measurements.sql)...
cuts AS (
    SELECT p.afi, p.prefix, l.prefix_len AS cut_len, prefix_trunc(p.prefix, CAST(l.prefix_len AS BIGINT)) AS cut
    FROM route_prefixes p
    JOIN unit_lens l ON p.afi = l.afi AND p.prefix_len >= l.prefix_len
),
-- ...and looked up among the units: an equality join, whose cost grows with prefixes x unit
-- lengths, not prefixes x units as with prefix_contains in the join condition.
covering AS (
    SELECT c.afi, c.prefix, u.entity, u.unit
    FROM cuts c
    JOIN entity_units u ON u.afi = c.afi AND u.prefix_len = c.cut_len AND u.unit = c.cut
),
routes AS (
    SELECT c.entity, c.unit, c.afi, r.collector, r.peer_ip, r.peer_asn, r.upstream_asn, r.start_us, r.end_us
    FROM bgp_route_intervals r
    JOIN covering c ON r.afi = c.afi AND r.prefix = c.prefix
)
SELECT entity, unit, afi, collector, peer_ip, peer_asn, upstream_asn,
       unnest(range(
           greatest(0, (start_us - $origin_us) / $bin_us),
           least($n_bins, CASE WHEN end_us IS NULL THEN $n_bins ELSE (end_us - $origin_us) / $bin_us END)
       )) AS bin
FROM routes
