// TOUCH (upsert) of tuples; a TOUCH replaces the caveat and expiration of an existing tuple.
UNWIND $rows AS row
MERGE (r{{:resource}} {store: $store, id: row.resourceId})
MERGE (s{{:subject}} {store: $store, id: row.subjectId})
MERGE (r)-[t{{:relation}} {key: row.key}]->(s)
SET t.srel = row.subjectRelation, t.caveatName = row.caveatName, t.caveatContext = row.caveatContext,
    t.expiration = row.expiration
