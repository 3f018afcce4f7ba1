// reachable(start, pathSpec, target): is there a path of tuples from the start object to the target
// object that follows only relations in $relations (the path spec: the relations a pure-union
// recursion such as nested groups or a parent chain follows)? SHORTEST 1 is a breadth-first search
// that stops at the first path found: never a path enumeration.
MATCH (a{{:type}} {store: $store, id: $id}), (b{{:subject}} {store: $store, id: $subjectId})
OPTIONAL MATCH p = SHORTEST 1 (a)-[rs WHERE type(rs) IN $relations]->+(b)
RETURN p IS NOT NULL AS reachable, CASE WHEN p IS NULL THEN 0 ELSE length(p) END AS hops
