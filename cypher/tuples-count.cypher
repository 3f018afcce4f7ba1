// How many tuples one relation of one type holds (schema changes that remove it).
MATCH (r{{:resource}} {store: $store})-[t{{:relation}}]->()
RETURN count(t) AS count
