// Change-log records after a revision, oldest first (seeks the (store, revision) constraint).
MATCH (c:_Change)
WHERE c.store = $store AND c.revision > $after AND c.revision <= $through
RETURN c.revision AS revision, c.at AS at, c.changes AS changes, c.schemaRevision AS schemaRevision
ORDER BY c.revision
LIMIT $limit
