// Deleting a store, step 4: its schema and store record (the objects and change log are gone).
MATCH (s:_Store {name: $store})
WHERE s.deleting = true
OPTIONAL MATCH (x:_Schema {store: $store})
DELETE x, s
