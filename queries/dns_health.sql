-- dns_health: per entity, domain suffix (the case's `domains`) and bin, what DNS says about
-- the names served from inside the entity: queries (volume), queries with a known outcome,
-- answered (NOERROR or NXDOMAIN), SERVFAIL, no response (a query whose response never came),
-- and failures (SERVFAIL + no response). Rows are the client-facing view: dnstap's client
-- and auth messages, captures and logs; a resolver's own queries to the authoritative servers
-- (dnstap role 'resolver') are left out so that one client query is not counted twice.
-- Query-log lines count for volume only (query logs do not record answers). A row counts in
-- the bin where its outcome became known: the response's time, else the query's (a query that
-- waited 10 s for a SERVFAIL failed when the SERVFAIL came).
-- A bin is observed when it is in the case's range or within the time span of a DNS input
-- file (ingest_files); observed bins without rows count as zero queries and zero failures, so
-- that a log of errors alone (BIND query-errors) shows failures rising from zero.
-- Parameters: $origin_us, $end_us, $bin_us, $first_bin, $last_bin, $n_bins; $lookback_ts, $end_ts
-- and their days $lookback_date, $end_date.
WITH events AS (
    SELECT d.entity, d.domain, (arrow_cast(coalesce(e.response_ts, e.ts), 'Int64') - $origin_us) / $bin_us AS bin,
           e.message_type, e.rcode
    FROM dns_events e
    JOIN case_domains d ON e.qname = d.domain OR ends_with(e.qname, concat('.', d.domain))
    WHERE e.ts >= $lookback_ts AND e.ts < $end_ts
      AND e.date BETWEEN $lookback_date AND $end_date
      AND arrow_cast(coalesce(e.response_ts, e.ts), 'Int64') >= $origin_us
      AND arrow_cast(coalesce(e.response_ts, e.ts), 'Int64') < $end_us
      AND (e.role IS NULL OR e.role <> 'resolver')
),
per_bin AS (
    SELECT entity, domain, bin,
           count(*) AS queries,
           sum(CASE WHEN message_type <> 'query-log' THEN 1 ELSE 0 END) AS with_outcome,
           sum(CASE WHEN rcode IN ('NOERROR', 'NXDOMAIN') THEN 1 ELSE 0 END) AS answered,
           sum(CASE WHEN rcode = 'SERVFAIL' THEN 1 ELSE 0 END) AS servfail,
           sum(CASE WHEN message_type = 'query-only' THEN 1 ELSE 0 END) AS no_response
    FROM events
    GROUP BY entity, domain, bin
),
coverage AS (
    SELECT DISTINCT b.bin
    FROM ingest_files f
    JOIN bins b
      ON b.bin >= (arrow_cast(f.ts_min, 'Int64') - $origin_us) / $bin_us
     AND b.bin <= (arrow_cast(f.ts_max, 'Int64') - $origin_us) / $bin_us
    WHERE f.format IN ('dnstap', 'pcap', 'zeek', 'resolver_log') AND f.ts_min IS NOT NULL
    UNION
    SELECT bin FROM bins WHERE bin BETWEEN $first_bin AND $last_bin
),
observed AS (
    SELECT d.entity, d.domain, c.bin FROM case_domains d CROSS JOIN coverage c
)
SELECT o.entity, o.domain, o.bin,
       coalesce(p.queries, 0) AS queries,
       coalesce(p.with_outcome, 0) AS with_outcome,
       coalesce(p.answered, 0) AS answered,
       coalesce(p.servfail, 0) AS servfail,
       coalesce(p.no_response, 0) AS no_response,
       coalesce(p.servfail, 0) + coalesce(p.no_response, 0) AS failures
FROM observed o
LEFT JOIN per_bin p ON p.entity = o.entity AND p.domain = o.domain AND p.bin = o.bin
