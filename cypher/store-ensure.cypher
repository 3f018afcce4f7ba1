// Creates a store record when missing (the default store on connect); never touches an existing one.
MERGE (s:_Store {name: $store})
  ON CREATE SET s.incarnation = $incarnation, s.revision = 0, s.schemaRevision = 0, s.prunedThrough = 0,
                s.types = [], s.resourceTypes = [], s.lastChangeAt = $now, s.createdAt = $now
