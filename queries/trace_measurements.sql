-- trace_measurements: traceroutes and pings towards each entity's address space (a unit of
-- entity_units containing the destination), one row per measurement and unit: did it reach
-- the destination? A traceroute reached when a reply came from the destination itself; a
-- ping when at least one echo reply came from the destination (a router's unreachable is not
-- a reply). For failed traceroutes, the last responsive hop and its AS (ip_to_asn, from the
-- routing data as of the trace's time) tell where the path died.
-- Parameters: $origin_ts, $end_ts, $origin_date, $end_date, $origin_us, $bin_us.
WITH m AS (
    SELECT arrow_cast(ts, 'Int64') AS ts_us, 'traceroute' AS kind, trace_id AS id, src_addr, dst_addr, reached,
           last_responsive_addr, ip_to_asn(last_responsive_addr, ts) AS last_responsive_asn, stop_reason
    FROM traceroutes
    WHERE dst_addr IS NOT NULL AND ts >= $origin_ts AND ts < $end_ts AND date BETWEEN $origin_date AND $end_date
    UNION ALL
    SELECT arrow_cast(ts, 'Int64') AS ts_us, 'ping' AS kind, CAST(NULL AS VARCHAR) AS id, src_addr, dst_addr, dst_replies > 0 AS reached,
           CAST(NULL AS VARCHAR), CAST(NULL AS INT UNSIGNED), CAST(NULL AS VARCHAR)
    FROM pings
    WHERE dst_addr IS NOT NULL AND sent > 0 AND ts >= $origin_ts AND ts < $end_ts AND date BETWEEN $origin_date AND $end_date
)
SELECT u.entity, u.unit, m.kind, m.id, m.ts_us, (m.ts_us - $origin_us) / $bin_us AS bin, m.src_addr, m.dst_addr, m.reached,
       m.last_responsive_addr, m.last_responsive_asn, m.stop_reason
FROM (
    -- The destination cut to every unit length, then looked up among the units: an equality
    -- join, not a test of every measurement against every unit. The cut is a column of its
    -- own because DataFusion 55's eliminate_cross_join drops a join key that is an expression
    -- over both sides of a cross join (the join then matched every unit).
    SELECT m.*, l.prefix_len AS cut_len, prefix_trunc(m.dst_addr, CAST(l.prefix_len AS BIGINT)) AS cut
    FROM m CROSS JOIN (SELECT DISTINCT prefix_len FROM entity_units) l
) m
JOIN entity_units u ON u.prefix_len = m.cut_len AND u.unit = m.cut
