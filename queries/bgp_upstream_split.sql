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
-- The peers' spans through an upstream (to one unit, or scope '*' to any), disjoint per peer.
via AS (
    SELECT entity, scope, upstream_asn, first_bin, end_bin
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
    SELECT DISTINCT v.entity, v.scope, v.upstream_asn
    FROM via v
    JOIN upstreams u ON v.entity = u.entity AND v.upstream_asn = u.upstream_asn
    WHERE v.scope <> '*'
),
-- A peer counts from the bin its span starts in to the bin before the one it ends in: +1
-- and -1 (each span joined with two rows), then summed up bin by bin below.
deltas AS (
    SELECT entity, scope, upstream_asn, bin, sum(d) AS d
    FROM (SELECT v.entity, v.scope, v.upstream_asn, CASE WHEN s.d = 1 THEN v.first_bin ELSE v.end_bin END AS bin, s.d
          FROM via v CROSS JOIN (VALUES (1), (-1)) s(d)) x
    GROUP BY entity, scope, upstream_asn, bin
),
counts AS (
    SELECT s.entity, s.scope, s.upstream_asn, b.bin,
           sum(coalesce(x.d, 0)) OVER (
               PARTITION BY s.entity, s.scope, s.upstream_asn ORDER BY b.bin
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS peers
    FROM series s
    CROSS JOIN bins b
    LEFT JOIN deltas x ON x.entity = s.entity AND x.scope = s.scope AND x.upstream_asn = s.upstream_asn AND x.bin = b.bin
)
SELECT c.entity, c.scope, 'bgp_upstream_split' AS signal, c.upstream_asn, c.bin,
       CASE WHEN coalesce(a.full_feed_peers, 0) = 0 THEN NULL ELSE CAST(c.peers AS DOUBLE) END AS value,
       c.peers AS hits,
       coalesce(a.full_feed_peers, 0) AS total
FROM counts c
LEFT JOIN any_full_feed a ON a.bin = c.bin
