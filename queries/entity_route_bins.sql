-- entity_route_bins: the routes to each entity's units (the unit itself or a prefix inside
-- it), one row per bin at whose end the route was up: who saw the entity, through which
-- upstream, when. Bins are numbered from $origin_us in steps of $bin_us.
WITH routes AS (
    SELECT u.entity, u.unit, u.afi, r.collector, r.peer_ip, r.peer_asn, r.upstream_asn, r.start_us, r.end_us
    FROM bgp_route_intervals r
    JOIN entity_units u
      ON r.afi = u.afi AND r.prefix_len >= u.prefix_len AND prefix_contains(u.unit, r.prefix)
)
SELECT entity, unit, afi, collector, peer_ip, peer_asn, upstream_asn,
       unnest(range(
           greatest(0, (start_us - $origin_us) / $bin_us),
           least($n_bins, CASE WHEN end_us IS NULL THEN $n_bins ELSE (end_us - $origin_us) / $bin_us END)
       )) AS bin
FROM routes
