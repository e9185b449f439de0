-- bgp_peer_feed: per peer, address family and bin, the number of prefixes the peer holds at
-- the end of the bin, and whether that makes it a full-feed peer (more than $ff_v4 IPv4 or
-- $ff_v6 IPv6 prefixes; IODA: 400k and 10k). A peer whose session is down holds nothing and
-- does not count, so a collector session reset is not an outage; a peer that never sends a
-- full table never counts.
--
-- An interval [start, end) counts in bin b when start < end of b <= end: +1 from the bin that
-- holds start, -1 from the bin that holds end, summed over bins.
-- Parameters: $origin_us, $bin_us, $n_bins, $ff_v4, $ff_v6.
WITH deltas AS (
    SELECT collector, peer_ip, peer_asn, afi, greatest(0, (start_us - $origin_us) / $bin_us) AS bin, 1 AS d
    FROM bgp_route_intervals
    UNION ALL
    SELECT collector, peer_ip, peer_asn, afi, greatest(0, (end_us - $origin_us) / $bin_us) AS bin, -1 AS d
    FROM bgp_route_intervals
    WHERE end_us IS NOT NULL
),
per_bin AS (
    SELECT collector, peer_ip, peer_asn, afi, bin, sum(d) AS d
    FROM deltas
    WHERE bin < $n_bins
    GROUP BY collector, peer_ip, peer_asn, afi, bin
),
-- Each peer's table size, from each bin with a delta up to its next one (the last: to the end
-- of the analysis), and 0 before its first. Spread from the deltas, so that per_bin is named,
-- and aggregated, once: a peer list for a dense grid of peers and bins took a DISTINCT over
-- every interval (0.07 s of CPU on the bench lake).
steps AS (
    SELECT collector, peer_ip, peer_asn, afi, bin,
           sum(d) OVER w AS size,
           CASE WHEN lag(bin) OVER w IS NULL THEN 0 ELSE bin END AS from_bin,
           lead(bin, 1, $n_bins) OVER w AS to_bin
    FROM per_bin
    WINDOW w AS (PARTITION BY collector, peer_ip, peer_asn, afi ORDER BY bin
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
sizes AS (
    SELECT collector, peer_ip, peer_asn, afi, bin, CASE WHEN bin < step_bin THEN 0 ELSE size END AS table_size
    FROM (SELECT collector, peer_ip, peer_asn, afi, bin AS step_bin, size,
                 unnest(range(from_bin, to_bin)) AS bin
          FROM steps) s
)
SELECT collector, peer_ip, peer_asn, afi, bin, table_size,
       table_size > CASE WHEN afi = 4 THEN $ff_v4 ELSE $ff_v6 END AS full_feed
FROM sizes
