-- entity_units: the address space of each entity, as prefixes ("units"): the case's prefixes,
-- or, for an entity given by its ASN only, every prefix that AS originated in the routes.
-- weight = IPv4 /24 equivalents (2^(24 - length)) or IPv6 /48 equivalents (2^(48 - length)).
WITH units AS (
    SELECT entity, unit, afi, prefix_len FROM case_units
    UNION
    SELECT DISTINCT e.entity, r.prefix AS unit, r.afi, r.prefix_len
    FROM bgp_route_intervals r
    JOIN case_entities e ON r.origin_asn = e.asn
    WHERE NOT e.has_prefixes
)
SELECT entity, unit, afi, prefix_len,
       power(2.0, CASE WHEN afi = 4 THEN 24 - CAST(prefix_len AS INT) ELSE 48 - CAST(prefix_len AS INT) END) AS weight
FROM units
