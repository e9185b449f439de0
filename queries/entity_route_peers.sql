-- entity_route_peers: during which bins each full-feed peer had a route to the entity, per
-- scope and upstream, as disjoint spans of bins: the peer had such a route, and was full-feed
-- for its address family, at the end of bins first_bin to end_bin - 1. Three kinds of rows:
--   scope = a unit, upstream_asn NULL:  a route to the unit (the unit itself or a prefix
--                                       inside it) through any upstream, or none (what
--                                       bgp_unit_visibility counts);
--   scope = a unit, upstream_asn set:   a route to the unit through that upstream (the AS
--                                       before the origin);
--   scope = '*',    upstream_asn set:   a route to any unit of the entity through that
--                                       upstream (both counted by bgp_upstream_split).
-- A peer's routes of one kind overlap (two prefixes inside a unit, two paths, two units
-- through one upstream); they are merged here, once for both readers, so that a peer counts
-- once per bin. Spans, not one row per bin: for one AS of the bench, 1.9 k routes of full-feed
-- peers spread over their bins made 0.5 M rows, and the DISTINCTs over them and the counts
-- took 0.25 s.
WITH full_feed AS (
    SELECT collector, peer_ip, peer_asn, afi, bin,
           bin - CAST(row_number() OVER (PARTITION BY collector, peer_ip, peer_asn, afi ORDER BY bin) AS BIGINT) AS run
    FROM bgp_peer_feed
    WHERE full_feed
),
-- Runs of consecutive full-feed bins: [run_first, run_end).
runs AS (
    SELECT collector, peer_ip, peer_asn, afi, min(bin) AS run_first, max(bin) + 1 AS run_end
    FROM full_feed
    GROUP BY collector, peer_ip, peer_asn, afi, run
),
-- Each route of entity_routes cut to the runs of its peer that it overlaps.
spans AS (
    SELECT r.entity, r.unit, r.upstream_asn, r.collector, r.peer_ip, r.peer_asn,
           greatest(r.first_bin, f.run_first) AS first_bin,
           least(r.end_bin, f.run_end) AS end_bin
    FROM entity_routes r
    JOIN runs f
      ON r.collector = f.collector AND r.peer_ip = f.peer_ip AND r.peer_asn = f.peer_asn AND r.afi = f.afi
    WHERE r.first_bin < f.run_end AND f.run_first < r.end_bin
),
keyed AS (
    SELECT entity, unit AS scope, CAST(NULL AS INT UNSIGNED) AS upstream_asn, collector, peer_ip, peer_asn, first_bin, end_bin
    FROM spans
    UNION ALL
    SELECT entity, unit AS scope, upstream_asn, collector, peer_ip, peer_asn, first_bin, end_bin
    FROM spans WHERE upstream_asn IS NOT NULL
    UNION ALL
    SELECT entity, '*' AS scope, upstream_asn, collector, peer_ip, peer_asn, first_bin, end_bin
    FROM spans WHERE upstream_asn IS NOT NULL
),
-- Gaps and islands: a row opens an island when it starts after every earlier row of its
-- kind and peer has ended (adjacent rows join one island).
marked AS (
    SELECT *,
           CASE WHEN first_bin <= max(end_bin) OVER (
                    PARTITION BY entity, scope, upstream_asn, collector, peer_ip, peer_asn ORDER BY first_bin, end_bin
                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                THEN 0 ELSE 1 END AS opens
    FROM keyed
),
islands AS (
    SELECT *,
           sum(opens) OVER (
               PARTITION BY entity, scope, upstream_asn, collector, peer_ip, peer_asn ORDER BY first_bin, end_bin
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS island
    FROM marked
)
SELECT entity, scope, upstream_asn, collector, peer_ip, peer_asn, min(first_bin) AS first_bin, max(end_bin) AS end_bin
FROM islands
GROUP BY entity, scope, upstream_asn, collector, peer_ip, peer_asn, island
