// Every tuple whose resource has type {{:resource}} in a store, in no order: TupleStore.scan, the
// projection's bulk load. One row per resource with its tuples as lists (relation, subject type,
// subject id, subject relation, caveat name, caveat context, expiration), so a store of 10^6 tuples
// comes back as ~10^5 small records streamed in one query, not 10^3 sorted pages.
MATCH (r{{:resource}} {store: $store})
WHERE r.id IS NOT NULL
WITH r, [(r)-[t]->(s) | [type(t), labels(s)[0], s.id, t.srel, t.caveatName, t.caveatContext, t.expiration]] AS ts
WHERE size(ts) > 0
RETURN r.id AS id, ts
