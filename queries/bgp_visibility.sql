-- bgp_visibility: per entity and bin, how much of its address space is visible, IODA's way:
-- a unit (prefix) is visible when more than $visible_fraction of the full-feed peers of its
-- address family have a route to it at the end of the bin. Rows:
--   scope = the unit:  signal 'bgp_prefix_visibility', value = the unit's weight when visible,
--                      else 0;
--   scope = '*':       signal 'bgp_visibility_v4' (visible IPv4 /24 equivalents) and
--                      'bgp_visibility_v6' (IPv6 /48 equivalents): the sum of the weights of
--                      visible units not inside another visible unit of the entity.
-- hits/total: peers that see the unit / full-feed peers (unit rows); visible units / units
-- (entity rows). value is NULL in bins without any full-feed peer of that family (no data,
-- not an outage). Which unit is visible when comes from bgp_unit_visibility.
WITH unit_vis AS (
    SELECT entity, unit, afi, prefix_len, weight, bin, peers, full_feed_peers, visible FROM bgp_unit_visibility
),
-- Units inside other units of the same entity: each unit cut to every shorter unit length and
-- looked up (an equality join on prefix_trunc, once per pair, not per pair and bin).
unit_lens AS (
    SELECT DISTINCT entity, afi, prefix_len FROM entity_units
),
unit_cuts AS (
    SELECT a.entity, a.afi, a.unit, l.prefix_len AS cut_len, prefix_trunc(a.unit, CAST(l.prefix_len AS BIGINT)) AS cut
    FROM entity_units a
    JOIN unit_lens l ON a.entity = l.entity AND a.afi = l.afi AND l.prefix_len < a.prefix_len
),
nested AS (
    SELECT c.entity, c.afi, c.unit AS inner_unit, b.unit AS outer_unit
    FROM unit_cuts c
    JOIN entity_units b ON b.entity = c.entity AND b.afi = c.afi AND b.prefix_len = c.cut_len AND b.unit = c.cut
),
-- A unit is covered in a bin when a unit containing it is visible then (its weight is counted
-- there, not twice).
covered AS (
    SELECT DISTINCT n.entity, n.inner_unit AS unit, v.bin
    FROM nested n
    JOIN unit_vis v ON v.entity = n.entity AND v.afi = n.afi AND v.unit = n.outer_unit
    WHERE v.visible
)
SELECT entity, unit AS scope, 'bgp_prefix_visibility' AS signal, CAST(NULL AS INT UNSIGNED) AS upstream_asn, bin,
       CASE WHEN full_feed_peers = 0 THEN NULL WHEN visible THEN weight ELSE 0.0 END AS value,
       peers AS hits, full_feed_peers AS total
FROM unit_vis
-- A unit of a family without a full-feed peer in any bin has no series (it would be NULL in
-- every bin); the entity's row of that family still says so, bin by bin.
WHERE afi IN (SELECT DISTINCT afi FROM bgp_peer_feed WHERE full_feed)
UNION ALL
SELECT v.entity, '*' AS scope,
       CASE WHEN v.afi = 4 THEN 'bgp_visibility_v4' ELSE 'bgp_visibility_v6' END AS signal,
       CAST(NULL AS INT UNSIGNED) AS upstream_asn, v.bin,
       CASE WHEN max(v.full_feed_peers) = 0 THEN NULL
            ELSE sum(CASE WHEN v.visible AND c.unit IS NULL THEN v.weight ELSE 0.0 END) END AS value,
       CAST(sum(CASE WHEN v.visible THEN 1 ELSE 0 END) AS BIGINT) AS hits,
       count(*) AS total
FROM unit_vis v
LEFT JOIN covered c ON v.entity = c.entity AND v.unit = c.unit AND v.bin = c.bin
GROUP BY v.entity, v.afi, v.bin
