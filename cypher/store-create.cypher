// A new store; the uniqueness constraint on _Store.name turns a duplicate into ALREADY_EXISTS.
CREATE (s:_Store {name: $store, incarnation: $incarnation, revision: 0, schemaRevision: 0, prunedThrough: 0,
                  types: [], resourceTypes: [], lastChangeAt: $now, createdAt: $now})
RETURN s.name AS name, s.incarnation AS incarnation, s.revision AS revision, s.schemaRevision AS schemaRevision
