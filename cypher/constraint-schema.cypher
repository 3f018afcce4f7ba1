// One stored schema per store.
CREATE CONSTRAINT relgraph_schema_store IF NOT EXISTS FOR (c:_Schema) REQUIRE c.store IS UNIQUE
