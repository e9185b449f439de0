-- signal_levels: every signal of every entity in the bins of the case's range, compared with
-- its baseline: the median of the signal's non-NULL values in the previous history bins
-- (signal_params.history_bins, e.g. 24 h for BGP, 7 d for the others; shorter where the data
-- is shorter). The median is not pulled down by outages shorter than half the history.
-- level: 'insufficient_data' (fewer than min_history_bins earlier values, no value, or a zero
-- baseline), 'critical' (ratio below critical), 'warning' (below warning) or 'normal'.
-- Parameters: $first_bin, $last_bin (the bins that overlap the case's range).
WITH s AS (
    SELECT * FROM signals WHERE bin BETWEEN $first_bin AND $last_bin
),
history AS (
    SELECT s.entity, s.scope, s.signal, s.upstream_asn, s.bin,
           median(h.value) AS baseline, count(h.value) AS history_bins
    FROM s
    JOIN signal_params p ON s.signal = p.signal
    JOIN signals h
      ON h.entity = s.entity AND h.scope = s.scope AND h.signal = s.signal
     AND (h.upstream_asn IS NOT DISTINCT FROM s.upstream_asn)
     AND h.bin < s.bin AND h.bin >= s.bin - p.history_bins
     AND h.value IS NOT NULL
    GROUP BY s.entity, s.scope, s.signal, s.upstream_asn, s.bin
),
rated AS (
    SELECT s.entity, s.scope, s.signal, s.upstream_asn, s.bin, s.value, s.hits, s.total,
           h.baseline, coalesce(h.history_bins, 0) AS history_bins,
           CASE WHEN h.baseline > 0 AND s.value IS NOT NULL THEN s.value / h.baseline END AS ratio,
           p.warning, p.critical, p.min_history_bins
    FROM s
    JOIN signal_params p ON s.signal = p.signal
    LEFT JOIN history h
      ON h.entity = s.entity AND h.scope = s.scope AND h.signal = s.signal
     AND (h.upstream_asn IS NOT DISTINCT FROM s.upstream_asn) AND h.bin = s.bin
)
SELECT entity, scope, signal, upstream_asn, bin, value, hits, total, baseline, history_bins, ratio,
       CASE
           WHEN history_bins < min_history_bins OR ratio IS NULL THEN 'insufficient_data'
           WHEN ratio < critical THEN 'critical'
           WHEN ratio < warning THEN 'warning'
           ELSE 'normal'
       END AS level
FROM rated
