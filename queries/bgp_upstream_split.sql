-- bgp_upstream_split: per entity, upstream AS (the AS before the origin in a path) and bin,
-- how many full-feed peers reach the entity through that upstream at the end of the bin
-- (scope '*': through any unit; scope = unit: that unit). The upstreams are the case's, or
-- every upstream seen on the entity's routes when the case names none. This is the signal
-- that tells "both links at once" (inside the network) from "one link" (an upstream).
-- hits/total: peers through the upstream / full-feed peers. value is NULL in bins without any
-- full-feed peer.
WITH full_feed AS (
    SELECT collector, peer_ip, peer_asn, afi, bin FROM bgp_peer_feed WHERE full_feed
),
any_full_feed AS (
    SELECT bin, count(*) AS full_feed_peers FROM full_feed GROUP BY bin
),
via AS (
    SELECT entity, unit, upstream_asn, bin, collector, peer_ip, peer_asn
    FROM entity_route_peers
    WHERE upstream_asn IS NOT NULL
),
upstreams AS (
    SELECT entity, upstream_asn FROM case_upstreams
    UNION
    -- DISTINCT first, so that the anti-join sees a few rows, not every peer's route.
    SELECT v.entity, v.upstream_asn FROM (SELECT DISTINCT entity, upstream_asn FROM via) v
    WHERE v.entity NOT IN (SELECT entity FROM case_upstreams)
),
-- The series: every upstream of the entity as a whole (scope '*'), and each unit with the
-- upstreams that carried it in some bin. A unit never reached through an upstream has no
-- series for it (it would be zero in every bin: no baseline, never a window, no evidence).
series AS (
    SELECT entity, '*' AS scope, upstream_asn FROM upstreams
    WHERE entity IN (SELECT DISTINCT entity FROM entity_units)
    UNION ALL
    SELECT DISTINCT v.entity, v.unit AS scope, v.upstream_asn
    FROM via v
    JOIN upstreams u ON v.entity = u.entity AND v.upstream_asn = u.upstream_asn
),
counts AS (
    -- (via has one row per unit, upstream, bin and peer already)
    SELECT entity, unit AS scope, upstream_asn, bin, count(*) AS peers
    FROM via
    GROUP BY entity, unit, upstream_asn, bin
    UNION ALL
    SELECT entity, '*' AS scope, upstream_asn, bin, count(*) AS peers
    FROM (SELECT DISTINCT entity, upstream_asn, bin, collector, peer_ip, peer_asn FROM via) v
    GROUP BY entity, upstream_asn, bin
)
SELECT s.entity, s.scope, 'bgp_upstream_split' AS signal, s.upstream_asn, b.bin,
       CASE WHEN coalesce(a.full_feed_peers, 0) = 0 THEN NULL ELSE CAST(coalesce(c.peers, 0) AS DOUBLE) END AS value,
       coalesce(c.peers, 0) AS hits,
       coalesce(a.full_feed_peers, 0) AS total
FROM series s
CROSS JOIN bins b
LEFT JOIN counts c ON c.entity = s.entity AND c.scope = s.scope AND c.upstream_asn = s.upstream_asn AND c.bin = b.bin
LEFT JOIN any_full_feed a ON a.bin = b.bin
