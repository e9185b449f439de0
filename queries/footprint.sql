-- footprint: what each entity has online over the case's range (the seed's other question:
-- who and what is online there at all), one row per entity and item, in long form:
--   kind 'prefix'   item = a unit (prefix): weight (/24 or /48 equivalents), peers = median
--                   number of full-feed peers that saw it, share = share of bins it was visible;
--   kind 'upstream' item = an upstream AS: peers = most full-feed peers through it in a bin,
--                   share = mean share of full-feed peers that reached the entity through it;
--   kind 'address'  item = a destination of traceroutes/pings: measurements, reached,
--                   share = reached share;
--   kind 'domain'   item = a name queried under the entity's domains: queries, answered
--                   (NOERROR/NXDOMAIN), share = answered share of queries with an outcome.
-- Parameters: $origin_us, $bin_us, $first_bin, $last_bin; $lookback_ts, $end_ts and their days
-- $lookback_date, $end_date.
WITH prefixes AS (
    SELECT v.entity, 'prefix' AS kind, v.scope AS item, max(u.weight) AS weight,
           median(CAST(v.hits AS DOUBLE)) AS peers,
           CAST(NULL AS BIGINT) AS measurements, CAST(NULL AS BIGINT) AS reached,
           avg(CASE WHEN v.value > 0 THEN 1.0 ELSE 0.0 END) AS share
    FROM bgp_visibility v
    JOIN entity_units u ON u.entity = v.entity AND u.unit = v.scope
    WHERE v.signal = 'bgp_prefix_visibility' AND v.value IS NOT NULL AND v.bin BETWEEN $first_bin AND $last_bin
    GROUP BY v.entity, v.scope
),
upstreams AS (
    SELECT entity, 'upstream' AS kind, CAST(upstream_asn AS VARCHAR) AS item, CAST(NULL AS DOUBLE) AS weight,
           CAST(max(hits) AS DOUBLE) AS peers,
           CAST(NULL AS BIGINT) AS measurements, CAST(NULL AS BIGINT) AS reached,
           avg(CAST(hits AS DOUBLE) / total) AS share
    FROM bgp_upstream_split
    WHERE scope = '*' AND total > 0 AND bin BETWEEN $first_bin AND $last_bin
    GROUP BY entity, upstream_asn
),
addresses AS (
    SELECT entity, 'address' AS kind, dst_addr AS item, CAST(NULL AS DOUBLE) AS weight, CAST(NULL AS DOUBLE) AS peers,
           count(*) AS measurements, sum(CASE WHEN reached THEN 1 ELSE 0 END) AS reached,
           avg(CASE WHEN reached THEN 1.0 ELSE 0.0 END) AS share
    FROM (SELECT DISTINCT entity, kind, id, ts_us, dst_addr, reached, bin FROM trace_measurements) m
    WHERE bin BETWEEN $first_bin AND $last_bin
    GROUP BY entity, dst_addr
),
names AS (
    SELECT d.entity, 'domain' AS kind, e.qname AS item, CAST(NULL AS DOUBLE) AS weight, CAST(NULL AS DOUBLE) AS peers,
           count(*) AS measurements,
           sum(CASE WHEN e.rcode IN ('NOERROR', 'NXDOMAIN') THEN 1 ELSE 0 END) AS reached,
           CAST(sum(CASE WHEN e.rcode IN ('NOERROR', 'NXDOMAIN') THEN 1 ELSE 0 END) AS DOUBLE)
               / nullif(sum(CASE WHEN e.message_type <> 'query-log' THEN 1 ELSE 0 END), 0) AS share
    FROM dns_events e
    JOIN case_domains d ON e.qname = d.domain OR ends_with(e.qname, concat('.', d.domain))
    WHERE (e.role IS NULL OR e.role <> 'resolver')
      AND e.ts >= $lookback_ts AND e.ts < $end_ts
      AND e.date BETWEEN $lookback_date AND $end_date
      AND (arrow_cast(coalesce(e.response_ts, e.ts), 'Int64') - $origin_us) / $bin_us BETWEEN $first_bin AND $last_bin
    GROUP BY d.entity, e.qname
)
SELECT * FROM prefixes
UNION ALL SELECT * FROM upstreams
UNION ALL SELECT * FROM addresses
UNION ALL SELECT * FROM names
