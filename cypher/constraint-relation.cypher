// Tuples of one relation are unique: `key` digests (store, resource, relation, subject).
CREATE CONSTRAINT IF NOT EXISTS FOR ()-[t{{:relation}}]-() REQUIRE t.key IS UNIQUE
