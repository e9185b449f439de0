-- bgp_unit_visibility: per unit of each entity and bin, how many full-feed peers have a route
-- to it (the unit or a prefix inside it) at the end of the bin (peers), how many full-feed
-- peers of its address family there are (full_feed_peers), and whether that makes it visible:
-- more than $visible_fraction of them see it, IODA's way. Every unit has a row in every bin.
-- weight: the unit's IPv4 /24 or IPv6 /48 equivalents. Read by bgp_visibility (three times:
-- a table of its own, so that the peer counts are made once).
WITH full_feed_count AS (
    SELECT afi, bin, count(*) AS full_feed_peers FROM bgp_peer_feed WHERE full_feed GROUP BY afi, bin
),
-- A peer counts from the bin its span starts in to the bin before the one it ends in: +1
-- and -1 (each span joined with two rows), then summed up bin by bin below. The spans of a
-- unit through any upstream are disjoint per peer (entity_route_peers merged them).
deltas AS (
    SELECT entity, unit, bin, sum(d) AS d
    FROM (SELECT r.entity, r.scope AS unit, CASE WHEN s.d = 1 THEN r.first_bin ELSE r.end_bin END AS bin, s.d
          FROM entity_route_peers r CROSS JOIN (VALUES (1), (-1)) s(d)
          WHERE r.scope <> '*' AND r.upstream_asn IS NULL) x
    GROUP BY entity, unit, bin
),
unit_bins AS (
    SELECT u.entity, u.unit, u.afi, u.prefix_len, u.weight, b.bin
    FROM entity_units u CROSS JOIN bins b
),
seen AS (
    SELECT ub.entity, ub.unit, ub.afi, ub.prefix_len, ub.weight, ub.bin,
           sum(coalesce(x.d, 0)) OVER (
               PARTITION BY ub.entity, ub.unit ORDER BY ub.bin
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS peers
    FROM unit_bins ub
    LEFT JOIN deltas x ON ub.entity = x.entity AND ub.unit = x.unit AND ub.bin = x.bin
)
SELECT s.entity, s.unit, s.afi, s.prefix_len, s.weight, s.bin,
       s.peers,
       coalesce(f.full_feed_peers, 0) AS full_feed_peers,
       coalesce(f.full_feed_peers, 0) > 0
           AND CAST(s.peers AS DOUBLE) > $visible_fraction * f.full_feed_peers AS visible
FROM seen s
LEFT JOIN full_feed_count f ON s.afi = f.afi AND s.bin = f.bin
