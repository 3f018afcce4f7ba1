// One _Secret record per name (the token-signing secret every Relgraph process on this database shares).
CREATE CONSTRAINT relgraph_secret_name IF NOT EXISTS FOR (s:_Secret) REQUIRE s.name IS UNIQUE
