-- signal_levels: every signal of every entity in the bins of the case's range, compared with
-- its baseline: the median of the signal's non-NULL values in the previous history bins
-- (signal_params.history_bins, e.g. 24 h for BGP, 7 d for the others; shorter where the data
-- is shorter), computed by the window UDFs moving_median/moving_count over the previous bins. The median is not pulled down by outages shorter than half the history.
-- Signals fall (`direction` 'drop'), rise ('surge') or both. level:
--   'insufficient_data': fewer than min_history_bins earlier values, or no value;
--   a drop: 'critical' below critical x baseline, 'warning' below warning x baseline (a zero
--     baseline cannot drop: insufficient for drop-only signals, normal for the others);
--   a surge: 'critical' above baseline / critical, 'warning' above baseline / warning; from a
--     zero baseline, 'critical' at min_change or more; for signals that count (surge and
--     both), a change smaller than min_change is never anomalous (3 queries instead of 4);
--   else 'normal'. ratio = value / baseline (NULL when the baseline is 0).
-- Parameters: $first_bin, $last_bin (the bins wholly inside the case's range).
WITH history AS (
    SELECT s.entity, s.scope, s.signal, s.upstream_asn, s.bin, s.value, s.hits, s.total,
           moving_median(s.value, s.bin, p.history_bins)
               OVER (PARTITION BY s.entity, s.scope, s.signal, s.upstream_asn ORDER BY s.bin) AS baseline,
           moving_count(s.value, s.bin, p.history_bins)
               OVER (PARTITION BY s.entity, s.scope, s.signal, s.upstream_asn ORDER BY s.bin) AS history_bins,
           p.warning, p.critical, p.min_history_bins, p.direction, p.min_change
    FROM signals s
    JOIN signal_params p ON s.signal = p.signal
),
-- The bins of the range, with the baseline of their own row (the window ran over the history
-- bins as well; filtering after it, not before, keeps them in).
rated AS (
    SELECT entity, scope, signal, upstream_asn, bin, value, hits, total,
           baseline, coalesce(history_bins, 0) AS history_bins,
           CASE WHEN baseline > 0 AND value IS NOT NULL THEN value / baseline END AS ratio,
           warning, critical, min_history_bins, direction, min_change
    FROM history
    WHERE bin BETWEEN $first_bin AND $last_bin
)
SELECT entity, scope, signal, upstream_asn, bin, value, hits, total, baseline, history_bins, ratio,
       CASE
           WHEN history_bins < min_history_bins OR value IS NULL OR baseline IS NULL THEN 'insufficient_data'
           WHEN direction <> 'drop' AND abs(value - baseline) < min_change THEN 'normal'
           WHEN direction <> 'drop' AND baseline = 0 AND value >= min_change THEN 'critical'
           WHEN direction <> 'drop' AND ratio > 1.0 / critical THEN 'critical'
           WHEN direction <> 'drop' AND ratio > 1.0 / warning THEN 'warning'
           WHEN baseline = 0 THEN CASE WHEN direction = 'drop' THEN 'insufficient_data' ELSE 'normal' END
           WHEN direction <> 'surge' AND ratio < critical THEN 'critical'
           WHEN direction <> 'surge' AND ratio < warning THEN 'warning'
           ELSE 'normal'
       END AS level,
       CASE
           WHEN direction <> 'drop' AND abs(value - baseline) < min_change THEN NULL
           WHEN direction <> 'drop' AND (ratio > 1.0 / warning OR (baseline = 0 AND value >= min_change)) THEN 'surge'
           WHEN direction <> 'surge' AND ratio < warning THEN 'drop'
       END AS direction
FROM rated
