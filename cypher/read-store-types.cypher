// The resource types a store's tuples use (what read-store-size counts, one query per type).
MATCH (s:_Store {name: $store})
RETURN s.resourceTypes AS types
