// The part of a store that one check (or a batch of concurrent checks) can read, in one round trip.
// From the start objects ($ids, all of type {{:type}}: the checks' resources, and the objects of
// their contextual tuples), every object reachable over *structural* tuples — userset subjects
// (srel <> "") and tupleset relations ($tuplesets: the relations arrows walk) — by a variable-length
// expansion that the planner runs as VarLengthExpand(Pruning, BFS): each node is visited once, so
// the 20×4 diamond costs ~80 node visits, never its 4^20 paths (a quantified path pattern under
// trail semantics would enumerate them on a denial). Then, from every reached object, its structural
// tuples and its tuples naming one of $subjects (`type:id`, wildcards `type:*`), or every tuple
// when $all (expand). The rewrite (&, -, arrows, cycles) is evaluated in TypeScript on that subgraph.
// The store's head comes back in the same statement (the answer's revision and schema revision),
// read before the tuples: the answer is at least as new as the revision it is labelled with, so a
// result cached under that revision never hides a later write.
MATCH (s:_Store {name: $store})
WHERE s.deleting IS NULL
WITH s, s.incarnation AS incarnation, s.revision AS revision, s.schemaRevision AS schemaRevision
CALL (s) {
  UNWIND $ids AS id
  MATCH (a{{:type}} {store: $store, id: id})
  MATCH (a)-[path*0..]->(n)
  WHERE all(r IN path WHERE r.srel <> "" OR type(r) IN $tuplesets)
  WITH DISTINCT n
  MATCH (n)-[t]->(m)
  WHERE $all OR t.srel <> "" OR type(t) IN $tuplesets OR labels(m)[0] + ":" + m.id IN $subjects
  RETURN collect({resourceType: labels(n)[0], resourceId: n.id, relation: type(t),
                  subjectType: labels(m)[0], subjectId: m.id, subjectRelation: t.srel,
                  caveatName: t.caveatName, caveatContext: t.caveatContext, expiration: t.expiration}) AS rows
}
RETURN incarnation, revision, schemaRevision, rows
