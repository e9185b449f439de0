-- dns_names: per entity, name queried under its domains and bin: queries, answered
-- (NOERROR/NXDOMAIN) and failures (SERVFAIL or no response), counted like dns_health. Tells
-- which names went dark in an event.
-- Parameters: $origin_us, $end_us, $bin_us; $lookback_ts, $end_ts and their days $lookback_date,
-- $end_date.
SELECT d.entity, e.qname, (arrow_cast(coalesce(e.response_ts, e.ts), 'Int64') - $origin_us) / $bin_us AS bin,
       count(*) AS queries,
       sum(CASE WHEN e.rcode IN ('NOERROR', 'NXDOMAIN') THEN 1 ELSE 0 END) AS answered,
       sum(CASE WHEN e.rcode = 'SERVFAIL' OR e.message_type = 'query-only' THEN 1 ELSE 0 END) AS failures
FROM dns_events e
JOIN case_domains d ON e.qname = d.domain OR ends_with(e.qname, concat('.', d.domain))
WHERE (e.role IS NULL OR e.role <> 'resolver')
  AND e.ts >= $lookback_ts AND e.ts < $end_ts
  AND e.date BETWEEN $lookback_date AND $end_date
  AND arrow_cast(coalesce(e.response_ts, e.ts), 'Int64') >= $origin_us
  AND arrow_cast(coalesce(e.response_ts, e.ts), 'Int64') < $end_us
GROUP BY d.entity, e.qname, (arrow_cast(coalesce(e.response_ts, e.ts), 'Int64') - $origin_us) / $bin_us
