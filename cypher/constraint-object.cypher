// Objects of one type are unique per (store, id); also the index every object lookup uses.
CREATE CONSTRAINT IF NOT EXISTS FOR (n{{:type}}) REQUIRE (n.store, n.id) IS UNIQUE
