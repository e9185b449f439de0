-- windows: runs of consecutive anomalous bins of one signal (gaps and islands: the bin number
-- minus the row number is constant within a run). level is the worst level of the run;
-- min_ratio its lowest ratio; baseline the baseline at its first bin; score IODA's severity,
-- the relative drop in percent times minutes, summed over the run. Upstream-split runs are
-- kept only when they reach critical (a peer moving to another path is not an upstream
-- failure). Runs of 'insufficient_data' are kept for the entity-level visibility signals, so
-- that an entity without data reads "insufficient data", never "no outage". The per-prefix
-- upstream split is evidence for verdicts only: its runs are not windows.
-- Parameters: $bin_us.
WITH flagged AS (
    SELECT *,
           CASE WHEN level IN ('warning', 'critical') THEN 'anomaly' ELSE level END AS kind
    FROM signal_levels
    WHERE (level IN ('warning', 'critical') AND NOT (signal = 'bgp_upstream_split' AND scope <> '*'))
       OR (level = 'insufficient_data' AND scope = '*' AND signal LIKE 'bgp_visibility%')
),
runs AS (
    SELECT *,
           bin - row_number() OVER (PARTITION BY entity, scope, signal, upstream_asn, kind ORDER BY bin) AS run
    FROM flagged
)
SELECT entity, scope, signal, upstream_asn,
       min(bin) AS first_bin, max(bin) AS last_bin, count(*) AS bins,
       CASE WHEN kind = 'insufficient_data' THEN 'insufficient_data'
            WHEN bool_or(level = 'critical') THEN 'critical' ELSE 'warning' END AS level,
       min(ratio) AS min_ratio,
       first_value(baseline ORDER BY bin) AS baseline,
       sum(CASE WHEN ratio IS NULL THEN 0.0 ELSE (1.0 - ratio) * 100.0 END) * ($bin_us / 60000000.0) AS score
FROM runs
GROUP BY entity, scope, signal, upstream_asn, kind, run
HAVING NOT (signal = 'bgp_upstream_split' AND NOT bool_or(level = 'critical'))
