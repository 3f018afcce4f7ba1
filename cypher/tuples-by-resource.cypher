// Tuples whose resource has one type, matching a filter without resourceId/resourceIdPrefix, in the
// total order after a keyset position, looking only at the next $window resources in the index's id
// order (the walk that loads a whole store): a page costs about a page,
// not the rest of the store. Index order is code-point order and the total order is UTF-16 order;
// they agree on ids without characters at or above U+E000, so the caller falls back to
// tuples-by-resource-sorted when `unsafe` says the window holds such an id. A full window that
// yields fewer than $limit rows continues with $idAbove = windowLast.
MATCH (r{{:resource}} {store: $store})
WHERE r.id >= $seekFrom AND r.id > $idAbove
// `r.store, r.id` is the (store, id) index's own order: the index hands rows over in order, no sort.
WITH r ORDER BY r.store, r.id LIMIT $window
WITH collect(r) AS window
CALL (window) {
  UNWIND window AS r
  MATCH (r)-[t{{:relation?}}]->(s{{:subject?}})
  WHERE ($subjectId IS NULL OR s.id = $subjectId)
    AND ($subjectRelation IS NULL OR t.srel = $subjectRelation)
  WITH t, r.id + "" AS rid, type(t) AS rel, labels(s)[0] AS st, s.id + "" AS sid, t.srel + "" AS srel
  WHERE $after IS NULL
     OR rid > $after.resourceId
     OR (rid = $after.resourceId AND (rel > $after.relation
     OR (rel = $after.relation AND (st > $after.subjectType
     OR (st = $after.subjectType AND (sid > $after.subjectId
     OR (sid = $after.subjectId AND srel > $after.subjectRelation)))))))
  WITH t, rid, rel, st, sid, srel ORDER BY rid, rel, st, sid, srel LIMIT $limit
  RETURN collect({resourceId: rid, relation: rel, subjectType: st, subjectId: sid, subjectRelation: srel,
                  caveatName: t.caveatName, caveatContext: t.caveatContext, expiration: t.expiration}) AS rows
}
RETURN rows, size(window) AS windowSize, window[-1].id AS windowLast,
       any(x IN window WHERE x.id =~ $unsafeId) AS unsafe
