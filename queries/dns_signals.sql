-- dns_signals: the DNS signals in the long form of `signals`, scope = domain suffix:
--   dns_answered   share of queries with a known outcome that were answered (NOERROR or
--                  NXDOMAIN); NULL in bins without any outcome; windows on drops;
--   dns_failures   SERVFAIL + no response, per bin; windows on surges (also from zero);
--   dns_volume     queries per bin; windows on surges (retry storms) and drops (a country's
--                  own queries vanishing).
SELECT entity, domain AS scope, 'dns_answered' AS signal, CAST(NULL AS INT UNSIGNED) AS upstream_asn, bin,
       CASE WHEN with_outcome = 0 THEN NULL ELSE CAST(answered AS DOUBLE) / with_outcome END AS value,
       answered AS hits, with_outcome AS total
FROM dns_health
UNION ALL
SELECT entity, domain, 'dns_failures', CAST(NULL AS INT UNSIGNED), bin, CAST(failures AS DOUBLE), failures, with_outcome
FROM dns_health
UNION ALL
SELECT entity, domain, 'dns_volume', CAST(NULL AS INT UNSIGNED), bin, CAST(queries AS DOUBLE), queries AS hits, queries AS total
FROM dns_health
