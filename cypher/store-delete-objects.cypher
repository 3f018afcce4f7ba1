// Deleting a store: its objects of one type, with their relationships.
MATCH (n{{:type}} {store: $store})
DETACH DELETE n
