// One _Store record per store name.
CREATE CONSTRAINT relgraph_store_name IF NOT EXISTS FOR (s:_Store) REQUIRE s.name IS UNIQUE
