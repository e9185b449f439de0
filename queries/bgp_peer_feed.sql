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
-- The peers with a delta in some bin, read from the intervals (per_bin is a CTE: naming it
-- here as well would aggregate every delta a second time).
peers AS (
    SELECT DISTINCT collector, peer_ip, peer_asn, afi
    FROM bgp_route_intervals
    WHERE greatest(0, (start_us - $origin_us) / $bin_us) < $n_bins
       OR (end_us IS NOT NULL AND greatest(0, (end_us - $origin_us) / $bin_us) < $n_bins)
),
dense AS (
    SELECT p.collector, p.peer_ip, p.peer_asn, p.afi, b.bin
    FROM peers p CROSS JOIN bins b
),
sizes AS (
    SELECT d.collector, d.peer_ip, d.peer_asn, d.afi, d.bin,
           sum(coalesce(x.d, 0)) OVER (
               PARTITION BY d.collector, d.peer_ip, d.peer_asn, d.afi ORDER BY d.bin
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS table_size
    FROM dense d
    LEFT JOIN per_bin x
      ON d.collector = x.collector AND d.peer_ip = x.peer_ip AND d.peer_asn = x.peer_asn
     AND d.afi = x.afi AND d.bin = x.bin
)
SELECT collector, peer_ip, peer_asn, afi, bin, table_size,
       table_size > CASE WHEN afi = 4 THEN $ff_v4 ELSE $ff_v6 END AS full_feed
FROM sizes
