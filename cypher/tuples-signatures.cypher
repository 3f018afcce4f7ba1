// The tuples of one relation of one type grouped by what the schema constrains of their subject
// (schema changes that narrow its allowed subjects).
MATCH (r{{:resource}} {store: $store})-[t{{:relation}}]->(s)
RETURN labels(s)[0] AS subjectType, t.srel AS subjectRelation, s.id = "*" AS wildcard,
       t.caveatName AS caveat, t.expiration IS NOT NULL AS expiration, count(t) AS count
