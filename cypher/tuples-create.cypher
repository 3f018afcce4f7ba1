// CREATE of tuples from resources of one type to subjects of one type via one relation.
UNWIND $rows AS row
MERGE (r{{:resource}} {store: $store, id: row.resourceId})
MERGE (s{{:subject}} {store: $store, id: row.subjectId})
CREATE (r)-[t{{:relation}} {srel: row.subjectRelation, key: row.key}]->(s)
SET t.caveatName = row.caveatName, t.caveatContext = row.caveatContext, t.expiration = row.expiration
