// The resource types a store's tuples use (what read-store-size counts, one query per type).
MATCH (s:_Store {name: $store})
WHERE s.deleting IS NULL
RETURN s.resourceTypes AS types
