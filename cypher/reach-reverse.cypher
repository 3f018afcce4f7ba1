// The part of a store that one lookupResources reads, in one round trip: the reverse of
// reach-closure. From the start nodes ($ids, all of type {{:type}}: the subject's object `type:id`
// — for a userset subject `type:id#rel`, the node type:id — its type's wildcard `type:*`, or the
// objects of contextual tuples' resources, one type per execution), U = the start nodes, the
// objects with any tuple to one of them, and everything that reaches those objects *backwards*
// over structural tuples — userset subjects (srel <> "") and tupleset relations ($tuplesets: the
// relations arrows walk), the same rule as reach-closure. The backward variable-length expansion
// followed by DISTINCT is planned as VarLengthExpand(Pruning, BFS): each node once, never the
// paths (the 20×4 diamond is ~80 node visits). Then, from every object of U, its structural tuples
// and its tuples naming one of $subjects (`type:id`, `type:*`). The store's head is read first, as
// in reach-closure (the answer is at least as new as the revision it is labelled with).
//
// Why that is exact. A goal (object, relation, subject) holds only through a chain of tuples from
// the object to the subject or its wildcard whose every hop but the last is structural (`this`
// leaves read a tuple naming the subject, or a userset tuple and then the userset; arrows read a
// tupleset tuple and then the computed relation on its subject; computed references stay on the
// object), or through `self` on the subject's own object (a start node). So a goal on an object
// outside U is false; the subgraph holds none of that object's tuples, and with no tuples every
// rewrite but `self` is false (`.all` over no subjects included): false too. Every object in U comes
// with every tuple its evaluation reads for this subject — all of its structural tuples (the
// whole list an `.all` arrow or an exclusion's other side walks) and its tuples naming the subject
// or the wildcard — so check, and the reverse walk of lookupResources, answer on this subgraph
// exactly as on the whole store. Contextual tuples: their resources are start nodes, so an object
// whose chain passes through one (its stored hops up to it are structural) is in U as well.
MATCH (s:_Store {name: $store})
WHERE s.deleting IS NULL
WITH s, s.incarnation AS incarnation, s.revision AS revision, s.schemaRevision AS schemaRevision
CALL (s) {
  UNWIND $ids AS id
  MATCH (a{{:type}} {store: $store, id: id})
  CALL (a) {
    RETURN a AS f
    UNION
    MATCH (f)-->(a)
    RETURN f
  }
  WITH DISTINCT f
  MATCH (n)-[path*0..]->(f)
  WHERE all(r IN path WHERE r.srel <> "" OR type(r) IN $tuplesets)
  WITH DISTINCT n
  MATCH (n)-[t]->(m)
  WHERE t.srel <> "" OR type(t) IN $tuplesets OR labels(m)[0] + ":" + m.id IN $subjects
  RETURN collect({resourceType: labels(n)[0], resourceId: n.id, relation: type(t),
                  subjectType: labels(m)[0], subjectId: m.id, subjectRelation: t.srel,
                  caveatName: t.caveatName, caveatContext: t.caveatContext, expiration: t.expiration}) AS rows
}
RETURN incarnation, revision, schemaRevision, rows
