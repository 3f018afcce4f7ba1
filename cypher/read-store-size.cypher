// The number of tuples whose resource has type {{:type}} in a store: how the memory budget decides
// whether a store is evaluated in memory or in Neo4j (a node's degree is O(1) to read).
MATCH (r{{:type}})
WHERE r.store = $store AND r.id IS NOT NULL
RETURN sum(COUNT { (r)-->() }) AS count
