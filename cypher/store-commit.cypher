// Commits revision $revision: the store's head, the labels it now uses, and the change-log record.
MATCH (s:_Store {name: $store})
SET s.revision = $revision, s.schemaRevision = $schemaRevision, s.types = $types,
    s.resourceTypes = $resourceTypes, s.lastChangeAt = $at, s.prunedThrough = $prunedThrough
REMOVE s.writeLock
CREATE (:_Change {store: $store, revision: $revision, at: $at, changes: $changes, schemaRevision: $changeSchemaRevision})
