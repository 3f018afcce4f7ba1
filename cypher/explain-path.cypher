// Shows one access path in Neo4j Browser (not sent by Relgraph: src/store/neo4j/explainCypher.ts
// prints it after the `:param` lines that set $store and $hops). $hops lists the path's tuples in
// order, one map per tuple `resourceType:resourceId#relation@subjectType:subjectId#subjectRelation`:
//   {fromType: resourceType, from: resourceId, rel: relation,
//    toType: subjectType, to: subjectId, srel: subjectRelation ("" for a direct subject)}
// Every value is a parameter: the text never changes, whatever the ids hold.
// Cost: a label cannot be a parameter and still use an index in Neo4j 5.26 (`:$(...)` plans a full
// scan as well), so each hop scans the database's nodes for (store, id): fine interactively, linear
// in the size of the database.
UNWIND range(0, size($hops) - 1) AS i
WITH i, $hops[i] AS h
MATCH (a {store: $store, id: h.from})-[r]->(b {store: $store, id: h.to})
WHERE h.fromType IN labels(a) AND type(r) = h.rel AND r.srel = h.srel AND h.toType IN labels(b)
RETURN i + 1 AS hop, a, r, b
ORDER BY hop
