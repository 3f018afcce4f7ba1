// The state of one store (head revision, what labels it has used, the change-log horizon), and
// Neo4j's clock (the time expiring relationships are judged by: src/store/clock.ts).
MATCH (s:_Store {name: $store})
WHERE s.deleting IS NULL
RETURN s.incarnation AS incarnation, s.revision AS revision, s.schemaRevision AS schemaRevision,
       s.prunedThrough AS prunedThrough, s.types AS types, s.resourceTypes AS resourceTypes,
       s.lastChangeAt AS lastChangeAt, datetime().epochMillis AS now
