-- bgp_route_intervals: one row per stretch of time during which a peer of a collector had a
-- route to a prefix (per ADD-PATH id), with the route's origin and upstream AS.
--
-- State comes from the latest RIB dump at or before the analysis start (per collector), plus
-- every later RIB dump and update; without such a RIB, from all RIB dumps and updates since
-- the lookback (bgp.state_lookback before the analysis start; an update file's initial table
-- transfer counts as state). Time filters compare the raw timestamp columns, so that Parquet
-- row groups outside the range are not read, and each also compares the `date` partition
-- column with the days of those times, so that other days' files are dropped when the query
-- is planned and the engine splits the remaining ones among its threads. A route's interval is
-- closed by the next update of the same (peer, prefix, path id), announcement or withdrawal,
-- or by the peer's session leaving Established (bgp_peer_state), which withdraws all of the
-- peer's routes. end_us is NULL for routes still up at the end of the data.
--
-- Parameters: $origin_ts, $end_ts (analysis start and end), $lookback_ts; $lookback_date,
-- $origin_date, $end_date (their days).
WITH start_rib AS (
    SELECT collector, max(dump_ts) AS dump_ts
    FROM bgp_rib
    WHERE dump_ts <= $origin_ts AND dump_ts >= $lookback_ts
      AND date BETWEEN $lookback_date AND $origin_date
    GROUP BY collector
),
route_events AS (
    SELECT r.collector, r.peer_ip, r.peer_asn, r.prefix, r.path_id, r.afi, r.prefix_len,
           arrow_cast(r.dump_ts, 'Int64') AS ts_us, CAST(0 AS BIGINT) AS seq, 'A' AS kind,
           r.upstream_asn, r.origin_asn
    FROM bgp_rib r
    LEFT JOIN start_rib s ON r.collector = s.collector
    WHERE (s.dump_ts IS NULL OR r.dump_ts >= s.dump_ts)
      AND r.dump_ts >= $lookback_ts AND r.dump_ts < $end_ts
      AND r.date BETWEEN $lookback_date AND $end_date
    UNION ALL
    SELECT u.collector, u.peer_ip, u.peer_asn, u.prefix, u.path_id, u.afi, u.prefix_len,
           arrow_cast(u.ts, 'Int64') AS ts_us, CAST(u.record_offset AS BIGINT) + 1 AS seq, u.elem_type AS kind,
           u.upstream_asn, u.origin_asn
    FROM bgp_updates u
    LEFT JOIN start_rib s ON u.collector = s.collector
    WHERE (s.dump_ts IS NULL OR u.ts > s.dump_ts)
      AND u.ts >= $lookback_ts AND u.ts < $end_ts
      AND u.date BETWEEN $lookback_date AND $end_date
),
session_downs AS (
    SELECT collector, peer_ip, peer_asn, arrow_cast(ts, 'Int64') AS ts_us, CAST(record_offset AS BIGINT) + 1 AS seq
    FROM bgp_peer_state
    WHERE old_state = 'Established' AND new_state <> 'Established'
      AND ts >= $lookback_ts AND ts < $end_ts
      AND date BETWEEN $lookback_date AND $end_date
),
-- route_end (a window function of lightsout, src/engine/udf/route_end.rs) sorts every event
-- and session down by time and position itself (integers only) and walks them once, keeping
-- each peer's open routes; it gives every announcement the earlier of its route's next event
-- and the peer's first session down at or after it (in one record: withdrawals, then
-- announcements, then downs). Its window is the whole input: with PARTITION BY peer_asn
-- ORDER BY ts_us, seq the engine's repartition and sort made the query 1.3-1.6x as slow, and a
-- window ordered by peer and prefix text took three times as long again.
events AS (
    SELECT collector, peer_ip, peer_asn, prefix, path_id, afi, prefix_len, ts_us, seq, kind,
           upstream_asn, origin_asn
    FROM route_events
    UNION ALL
    SELECT collector, peer_ip, peer_asn, CAST(NULL AS VARCHAR), CAST(NULL AS INT UNSIGNED),
           CAST(NULL AS TINYINT UNSIGNED), CAST(NULL AS TINYINT UNSIGNED), ts_us, seq, 'D',
           CAST(NULL AS INT UNSIGNED), CAST(NULL AS INT UNSIGNED)
    FROM session_downs
),
ended AS (
    SELECT *,
           route_end(ts_us, seq, kind, collector, peer_ip, peer_asn, prefix, path_id) OVER () AS end_us
    FROM events
)
SELECT collector, peer_ip, peer_asn, prefix, path_id, afi, prefix_len,
       origin_asn, upstream_asn,
       ts_us AS start_us,
       end_us
FROM ended
WHERE kind = 'A'
