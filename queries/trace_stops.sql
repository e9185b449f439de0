-- trace_stops: where failed traceroutes towards each entity died, per bin: the class of the
-- last responsive hop: 'inside' (an address of the entity, or its AS), 'upstream' (one of the
-- entity's upstream ASes: the case's, or those seen in its AS paths), 'outside' (any other
-- AS, or no AS known), 'no_reply' (no hop answered). Evidence for the verdict: traces dying
-- at every upstream's edge at once, or inside, support "internal"; at one upstream only,
-- that upstream.
WITH failed AS (
    SELECT DISTINCT entity, id, bin, last_responsive_addr, last_responsive_asn
    FROM trace_measurements
    WHERE kind = 'traceroute' AND NOT reached
),
upstreams AS (
    SELECT entity, upstream_asn FROM case_upstreams
    UNION
    SELECT DISTINCT entity, upstream_asn FROM entity_routes WHERE upstream_asn IS NOT NULL
),
inside_addr AS (
    SELECT DISTINCT f.entity, f.id
    FROM (
        -- The address cut to every unit length (see trace_measurements.sql).
        SELECT f.entity, f.id, l.prefix_len AS cut_len, prefix_trunc(f.last_responsive_addr, CAST(l.prefix_len AS BIGINT)) AS cut
        FROM failed f CROSS JOIN (SELECT DISTINCT prefix_len FROM entity_units) l
    ) f
    JOIN entity_units u ON f.entity = u.entity AND u.prefix_len = f.cut_len AND u.unit = f.cut
),
classified AS (
    SELECT f.entity, f.bin, f.last_responsive_asn AS stop_asn,
           CASE
               WHEN f.last_responsive_addr IS NULL THEN 'no_reply'
               WHEN i.id IS NOT NULL OR f.last_responsive_asn = e.asn THEN 'inside'
               WHEN up.upstream_asn IS NOT NULL THEN 'upstream'
               ELSE 'outside'
           END AS stop_class
    FROM failed f
    JOIN case_entities e ON e.entity = f.entity
    LEFT JOIN inside_addr i ON i.entity = f.entity AND i.id = f.id
    LEFT JOIN upstreams up ON up.entity = f.entity AND up.upstream_asn = f.last_responsive_asn
)
SELECT entity, bin, stop_class, stop_asn, count(*) AS traces
FROM classified
GROUP BY entity, bin, stop_class, stop_asn
