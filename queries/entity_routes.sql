-- entity_routes: the routes to each entity's units (the unit itself or a prefix inside it)
-- that were up at the end of at least one bin: who saw the entity, through which upstream,
-- and when: the route was up at the end of bins first_bin to end_bin - 1. Bins are numbered
-- from $origin_us in steps of $bin_us. One row per route interval, not per bin: the full-feed
-- peers' share of them is spread over the bins in entity_route_peers (a table of every route
-- in every bin held 3.2 M rows for one AS of the bench, 0.5 M of them from full-feed peers).
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
-- A route is up at the end of bin b when start < end of b <= end.
routes AS (
    SELECT c.entity, c.unit, c.afi, r.collector, r.peer_ip, r.peer_asn, r.upstream_asn,
           greatest(0, (r.start_us - $origin_us) / $bin_us) AS first_bin,
           least($n_bins, CASE WHEN r.end_us IS NULL THEN $n_bins ELSE (r.end_us - $origin_us) / $bin_us END) AS end_bin
    FROM bgp_route_intervals r
    JOIN covering c ON r.afi = c.afi AND r.prefix = c.prefix
)
SELECT entity, unit, afi, collector, peer_ip, peer_asn, upstream_asn, first_bin, end_bin
FROM routes
WHERE first_bin < end_bin
