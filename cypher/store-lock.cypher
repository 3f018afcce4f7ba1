// Takes the store's write lock and reads its state. Writing any property locks the node until the
// transaction ends, so writes to one store are serialised; the second MATCH reads the record again
// after the lock is held, so the state returned is the latest committed one.
MATCH (l:_Store {name: $store})
SET l.writeLock = $nonce
WITH count(l) AS locked
MATCH (s:_Store {name: $store})
WHERE s.deleting IS NULL
RETURN s.incarnation AS incarnation, s.revision AS revision, s.schemaRevision AS schemaRevision,
       s.prunedThrough AS prunedThrough, s.types AS types, s.resourceTypes AS resourceTypes,
       s.lastChangeAt AS lastChangeAt
