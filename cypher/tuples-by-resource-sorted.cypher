// Tuples whose resource has one type, matching a filter, in the total order after a keyset position
// (the general form: sorts every match after the cursor; used for resourceId/resourceIdPrefix filters,
// whose index range is small, and when tuples-by-resource cannot trust index order).
// Sort keys are computed strings (`r.id + ""`): Neo4j compares those, like parameters, by UTF-16 unit,
// so ORDER BY and the keyset comparison agree (stored strings alone would sort by code point).
// `r.id >= $seekFrom` is a superset bound the index can seek on (see orderSafePrefix).
MATCH (r{{:resource}} {store: $store})-[t{{:relation?}}]->(s{{:subject?}})
WHERE r.id STARTS WITH $idPrefix AND r.id >= $seekFrom
  AND ($resourceId IS NULL OR r.id = $resourceId)
  AND ($subjectId IS NULL OR s.id = $subjectId)
  AND ($subjectRelation IS NULL OR t.srel = $subjectRelation)
WITH t, r.id + "" AS rid, type(t) AS rel, labels(s)[0] AS st, s.id + "" AS sid, t.srel + "" AS srel
WHERE $after IS NULL
   OR rid > $after.resourceId
   OR (rid = $after.resourceId AND (rel > $after.relation
   OR (rel = $after.relation AND (st > $after.subjectType
   OR (st = $after.subjectType AND (sid > $after.subjectId
   OR (sid = $after.subjectId AND srel > $after.subjectRelation)))))))
RETURN rid AS resourceId, rel AS relation, st AS subjectType, sid AS subjectId, srel AS subjectRelation,
       t.caveatName AS caveatName, t.caveatContext AS caveatContext, t.expiration AS expiration
ORDER BY rid, rel, st, sid, srel
LIMIT $limit
