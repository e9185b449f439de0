-- bgp_route_intervals: one row per stretch of time during which a peer of a collector had a
-- route to a prefix (per ADD-PATH id), with the route's origin and upstream AS.
--
-- State comes from the latest RIB dump at or before the analysis start (per collector), plus
-- every later RIB dump and update; without such a RIB, from all RIB dumps and updates since
-- the lookback (bgp.state_lookback before the analysis start; an update file's initial table
-- transfer counts as state). Time filters compare the raw timestamp columns, so that Parquet
-- row groups and date partitions outside the range are not read. A route's interval is
-- closed by the next update of the same (peer, prefix, path id), announcement or withdrawal,
-- or by the peer's session leaving Established (bgp_peer_state), which withdraws all of the
-- peer's routes. end_us is NULL for routes still up at the end of the data.
--
-- Parameters: $origin_ts, $end_ts (analysis start and end), $lookback_ts.
WITH start_rib AS (
    SELECT collector, max(dump_ts) AS dump_ts
    FROM bgp_rib
    WHERE dump_ts <= $origin_ts AND dump_ts >= $lookback_ts
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
    UNION ALL
    SELECT u.collector, u.peer_ip, u.peer_asn, u.prefix, u.path_id, u.afi, u.prefix_len,
           arrow_cast(u.ts, 'Int64') AS ts_us, CAST(u.record_offset AS BIGINT) + 1 AS seq, u.elem_type AS kind,
           u.upstream_asn, u.origin_asn
    FROM bgp_updates u
    LEFT JOIN start_rib s ON u.collector = s.collector
    WHERE (s.dump_ts IS NULL OR u.ts > s.dump_ts)
      AND u.ts >= $lookback_ts AND u.ts < $end_ts
),
session_downs AS (
    SELECT collector, peer_ip, peer_asn, arrow_cast(ts, 'Int64') AS ts_us, CAST(record_offset AS BIGINT) + 1 AS seq
    FROM bgp_peer_state
    WHERE old_state = 'Established' AND new_state <> 'Established'
      AND ts >= $lookback_ts AND ts < $end_ts
),
-- Each route event's successor on the same (peer, prefix, path id): the one sort over every
-- update. Only announcements open an interval, so only they go on.
announced AS (
    SELECT collector, peer_ip, peer_asn, prefix, path_id, afi, prefix_len, ts_us, seq, kind,
           upstream_asn, origin_asn, next_us
    FROM (
        SELECT *,
               lead(ts_us) OVER (PARTITION BY collector, peer_ip, peer_asn, prefix, path_id ORDER BY ts_us, seq) AS next_us
        FROM route_events
    ) e
    WHERE kind = 'A'
),
-- The peer's first session down after each announcement: the announcements and the downs of
-- a peer in one order, walked backwards (withdrawals cannot end a session, so they need not
-- be sorted again). At equal time and offset an announcement sorts before a down ('A' < 'D'),
-- so that down ends it. A running minimum, where counting session epochs and joining each
-- epoch to its end made the engine build a hash table of every announcement.
with_down AS (
    SELECT *,
           min(CASE WHEN kind = 'D' THEN ts_us END) OVER (
               PARTITION BY collector, peer_ip, peer_asn ORDER BY ts_us DESC, seq DESC, kind DESC
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS down_us
    FROM (
        SELECT collector, peer_ip, peer_asn, prefix, path_id, afi, prefix_len, ts_us, seq, kind,
               upstream_asn, origin_asn, next_us
        FROM announced
        UNION ALL
        SELECT collector, peer_ip, peer_asn, CAST(NULL AS VARCHAR), CAST(NULL AS INT UNSIGNED),
               CAST(NULL AS TINYINT UNSIGNED), CAST(NULL AS TINYINT UNSIGNED), ts_us, seq, 'D',
               CAST(NULL AS INT UNSIGNED), CAST(NULL AS INT UNSIGNED), CAST(NULL AS BIGINT)
        FROM session_downs
    ) a
)
SELECT collector, peer_ip, peer_asn, prefix, path_id, afi, prefix_len,
       origin_asn, upstream_asn,
       ts_us AS start_us,
       CASE
           WHEN next_us IS NULL THEN down_us
           WHEN down_us IS NULL THEN next_us
           ELSE least(next_us, down_us)
       END AS end_us
FROM with_down
WHERE kind = 'A'
