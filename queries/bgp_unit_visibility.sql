-- bgp_unit_visibility: per unit of each entity and bin, how many full-feed peers have a route
-- to it (the unit or a prefix inside it) at the end of the bin (peers), how many full-feed
-- peers of its address family there are (full_feed_peers), and whether that makes it visible:
-- more than $visible_fraction of them see it, IODA's way. Every unit has a row in every bin.
-- weight: the unit's IPv4 /24 or IPv6 /48 equivalents. Read by bgp_visibility (three times:
-- a table of its own, so that the peer counts are made once).
WITH full_feed AS (
    SELECT collector, peer_ip, peer_asn, afi, bin FROM bgp_peer_feed WHERE full_feed
),
full_feed_count AS (
    SELECT afi, bin, count(*) AS full_feed_peers FROM full_feed GROUP BY afi, bin
),
seen AS (
    SELECT entity, unit, afi, bin, count(*) AS peers
    FROM (SELECT DISTINCT entity, unit, afi, bin, collector, peer_ip, peer_asn FROM entity_route_peers) s
    GROUP BY entity, unit, afi, bin
),
unit_bins AS (
    SELECT u.entity, u.unit, u.afi, u.prefix_len, u.weight, b.bin
    FROM entity_units u CROSS JOIN bins b
)
SELECT ub.entity, ub.unit, ub.afi, ub.prefix_len, ub.weight, ub.bin,
       coalesce(s.peers, 0) AS peers,
       coalesce(f.full_feed_peers, 0) AS full_feed_peers,
       coalesce(f.full_feed_peers, 0) > 0
           AND CAST(coalesce(s.peers, 0) AS DOUBLE) > $visible_fraction * f.full_feed_peers AS visible
FROM unit_bins ub
LEFT JOIN seen s ON ub.entity = s.entity AND ub.unit = s.unit AND ub.afi = s.afi AND ub.bin = s.bin
LEFT JOIN full_feed_count f ON ub.afi = f.afi AND ub.bin = f.bin
