-- entity_route_peers: which full-feed peers had a route to each unit (the unit itself or a
-- prefix inside it) at the end of each bin, and through which upstream: entity_routes spread
-- over their bins and restricted to the full-feed peers of the route's address family in that
-- bin, one row per (unit, bin, peer, upstream). Built once here, because both
-- bgp_unit_visibility and bgp_upstream_split count peers from it (a CTE would be evaluated
-- again for each reference). upstream_asn is NULL for a path without one (the peer is the
-- origin's neighbour).
WITH full_feed AS (
    SELECT collector, peer_ip, peer_asn, afi, bin FROM bgp_peer_feed WHERE full_feed
),
-- Only the routes of peers that are full-feed in some bin are spread over bins (DISTINCT: a
-- join's build side with many equal keys makes long hash chains).
full_feed_peers AS (
    SELECT DISTINCT collector, peer_ip, peer_asn, afi FROM full_feed
),
route_bins AS (
    SELECT r.entity, r.unit, r.afi, r.collector, r.peer_ip, r.peer_asn, r.upstream_asn,
           unnest(range(r.first_bin, r.end_bin)) AS bin
    FROM entity_routes r
    JOIN full_feed_peers p
      ON r.collector = p.collector AND r.peer_ip = p.peer_ip AND r.peer_asn = p.peer_asn AND r.afi = p.afi
)
SELECT DISTINCT r.entity, r.unit, r.afi, r.bin, r.collector, r.peer_ip, r.peer_asn, r.upstream_asn
FROM route_bins r
JOIN full_feed f
  ON r.collector = f.collector AND r.peer_ip = f.peer_ip AND r.peer_asn = f.peer_asn
 AND r.afi = f.afi AND r.bin = f.bin
