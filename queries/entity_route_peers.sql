-- entity_route_peers: which full-feed peers had a route to each unit (the unit itself or a
-- prefix inside it) at the end of which bins, and through which upstream, as intervals of
-- bins: the route was up, and its peer full-feed for the route's address family, at the end
-- of bins first_bin to end_bin - 1. One row per route of entity_routes and run of consecutive
-- full-feed bins of its peer that overlap. Rows of one (unit, peer) may overlap (two prefixes
-- inside the unit, two paths, two upstreams): the readers merge them per peer before they
-- count. Built once here, because both bgp_unit_visibility and bgp_upstream_split count peers
-- from it (a CTE would be evaluated again for each reference). upstream_asn is NULL for a path
-- without one (the peer is the origin's neighbour).
--
-- Intervals, not one row per bin: for one AS of the bench, 1.9 k routes of full-feed peers
-- spread over their bins made 0.5 M rows, and the DISTINCT over them and the readers' counts
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
)
SELECT r.entity, r.unit, r.afi, r.collector, r.peer_ip, r.peer_asn, r.upstream_asn,
       greatest(r.first_bin, f.run_first) AS first_bin,
       least(r.end_bin, f.run_end) AS end_bin
FROM entity_routes r
JOIN runs f
  ON r.collector = f.collector AND r.peer_ip = f.peer_ip AND r.peer_asn = f.peer_asn AND r.afi = f.afi
WHERE r.first_bin < f.run_end AND f.run_first < r.end_bin
