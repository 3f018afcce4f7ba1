// Relationships of one resource type whose expiration has passed by Neo4j's clock (at most $limit),
// for the background pruning of expired relationships (writes.ts deleteExpired). The expiration is
// ISO text; datetime() parses it, so fractional seconds and offsets compare correctly.
MATCH (r{{:resource}} {store: $store})-[t]->(s)
WHERE t.expiration IS NOT NULL AND datetime(t.expiration) <= datetime()
RETURN r.id + "" AS resourceId, type(t) AS relation, labels(s)[0] AS subjectType, s.id + "" AS subjectId,
       t.srel + "" AS subjectRelation, t.caveatName AS caveatName, t.caveatContext AS caveatContext,
       t.expiration AS expiration
LIMIT $limit
