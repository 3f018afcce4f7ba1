// Objects of one type left without any relationship after a delete: removed, so Browser shows
// only objects that take part in some tuple.
UNWIND $ids AS id
MATCH (n{{:type}} {store: $store, id: id})
WHERE NOT (n)--()
DELETE n
