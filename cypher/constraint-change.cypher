// One change-log record per (store, revision): a second writer of revision n+1 fails here.
CREATE CONSTRAINT relgraph_change_revision IF NOT EXISTS FOR (c:_Change) REQUIRE (c.store, c.revision) IS UNIQUE
