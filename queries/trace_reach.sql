-- trace_reach: per entity (scope '*') and unit, and bin: the share of traceroutes and pings
-- towards it that reached the destination (hits = reached, total = measurements). value is
-- NULL in bins without measurements (no data, not an outage): sparse probing (a round every
-- 20 s in 10 s bins) leaves empty bins that windows.sql steps over.
WITH per_scope AS (
    SELECT entity, unit AS scope, bin, count(*) AS total, sum(CASE WHEN reached THEN 1 ELSE 0 END) AS hits
    FROM trace_measurements
    GROUP BY entity, unit, bin
    UNION ALL
    SELECT entity, '*' AS scope, bin, count(*) AS total, sum(CASE WHEN reached THEN 1 ELSE 0 END) AS hits
    FROM (SELECT DISTINCT entity, kind, id, ts_us, dst_addr, reached, bin FROM trace_measurements) d
    GROUP BY entity, bin
),
-- The series: each entity as a whole (scope '*', NULL in every bin when nothing probed it:
-- "insufficient data"), and each unit that some measurement went to (a unit never probed has
-- no series: it would be NULL in every bin). Read from trace_measurements, not per_scope: a
-- CTE named twice is evaluated twice.
scopes AS (
    SELECT DISTINCT entity, unit AS scope FROM trace_measurements
    UNION ALL
    SELECT DISTINCT entity, '*' AS scope FROM entity_units
)
SELECT s.entity, s.scope, 'trace_reach' AS signal, CAST(NULL AS INT UNSIGNED) AS upstream_asn, b.bin,
       CASE WHEN p.total IS NULL THEN NULL ELSE CAST(p.hits AS DOUBLE) / p.total END AS value,
       coalesce(p.hits, 0) AS hits, coalesce(p.total, 0) AS total
FROM scopes s
CROSS JOIN bins b
LEFT JOIN per_scope p ON p.entity = s.entity AND p.scope = s.scope AND p.bin = b.bin
