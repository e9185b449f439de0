-- windows: runs of consecutive anomalous bins of one signal and direction (drop or surge) (gaps and islands over the bins that
-- have a value: the rank among all bins with data minus the rank among the flagged ones is
-- constant within a run, so bins without data, e.g. between probing rounds, do not split it). level is the worst level of the run;
-- min_ratio its lowest ratio (max_ratio its highest); baseline the baseline at its first bin;
-- score IODA's severity, the relative change in percent times minutes, summed over the run
-- (a surge from a zero baseline counts its value as the relative change). Upstream-split runs are
-- kept only when they reach critical (a peer moving to another path is not an upstream
-- failure). Runs of 'insufficient_data' are kept for the entity-level visibility signals, so
-- that an entity without data reads "insufficient data", never "no outage". The per-prefix
-- upstream split is evidence for verdicts only: its runs are not windows.
-- Parameters: $bin_us.
WITH ranked AS (
    SELECT *,
           CASE WHEN level IN ('warning', 'critical') THEN 'anomaly' ELSE level END AS kind,
           CASE WHEN value IS NULL AND level = 'insufficient_data' THEN bin ELSE
               row_number() OVER (PARTITION BY entity, scope, signal, upstream_asn, value IS NULL ORDER BY bin) END AS data_rank
    FROM signal_levels
),
flagged AS (
    SELECT * FROM ranked
    WHERE (level IN ('warning', 'critical') AND NOT (signal = 'bgp_upstream_split' AND scope <> '*'))
       OR (level = 'insufficient_data' AND scope = '*' AND signal LIKE 'bgp_visibility%')
),
runs AS (
    SELECT *,
           data_rank - row_number() OVER (PARTITION BY entity, scope, signal, upstream_asn, kind, direction, value IS NULL ORDER BY bin) AS run
    FROM flagged
)
SELECT entity, scope, signal, upstream_asn,
       min(bin) AS first_bin, max(bin) AS last_bin, count(*) AS bins,
       CASE WHEN kind = 'insufficient_data' THEN 'insufficient_data'
            WHEN bool_or(level = 'critical') THEN 'critical' ELSE 'warning' END AS level,
       direction,
       min(ratio) AS min_ratio,
       max(ratio) AS max_ratio,
       first_value(baseline ORDER BY bin) AS baseline,
       sum(CASE
               WHEN direction = 'surge' THEN 100.0 * CASE WHEN baseline > 0 THEN (value - baseline) / baseline ELSE value END
               WHEN ratio IS NULL THEN 0.0
               ELSE (1.0 - ratio) * 100.0
           END) * ($bin_us / 60000000.0) AS score
FROM runs
GROUP BY entity, scope, signal, upstream_asn, kind, direction, value IS NULL, run
HAVING NOT (signal = 'bgp_upstream_split' AND NOT bool_or(level = 'critical'))
