// As tuples-by-resource, anchored on one subject object (a reverse lookup: "what does user:x reach").
MATCH (s{{:subject}} {store: $store, id: $subjectId})<-[t{{:relation?}}]-(r{{:resource}})
WHERE r.store = $store AND r.id STARTS WITH $idPrefix AND r.id >= $seekFrom
  AND ($resourceId IS NULL OR r.id = $resourceId)
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
