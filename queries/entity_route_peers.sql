-- entity_route_peers: which full-feed peers had a route to each unit (the unit itself or a
-- prefix inside it) at the end of each bin, and through which upstream: entity_route_bins
-- restricted to the full-feed peers of the route's address family in that bin, one row per
-- (unit, bin, peer, upstream). Built once here, because both bgp_unit_visibility and
-- bgp_upstream_split count peers from it (a CTE would be evaluated again for each reference).
-- upstream_asn is NULL for a path without one (the peer is the origin's neighbour).
WITH full_feed AS (
    SELECT collector, peer_ip, peer_asn, afi, bin FROM bgp_peer_feed WHERE full_feed
)
SELECT DISTINCT r.entity, r.unit, r.afi, r.bin, r.collector, r.peer_ip, r.peer_asn, r.upstream_asn
FROM entity_route_bins r
JOIN full_feed f
  ON r.collector = f.collector AND r.peer_ip = f.peer_ip AND r.peer_asn = f.peer_asn
 AND r.afi = f.afi AND r.bin = f.bin
