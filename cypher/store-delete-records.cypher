// Deleting a store: its change log, schema and store record.
MATCH (s:_Store {name: $store})
OPTIONAL MATCH (c:_Change {store: $store})
WITH s, collect(c) AS changes
OPTIONAL MATCH (x:_Schema {store: $store})
FOREACH (c IN changes | DELETE c)
DELETE x, s
