// Deleting a store, step 1 (under its write lock): mark it deleting. From then on it is NOT_FOUND to
// every read and write (store-get, store-lock, store-list and the evaluator's templates skip it), so
// its objects can be removed in many small transactions — one transaction for a large store would
// exceed Neo4j's transaction memory. Marking an already-deleting store again resumes a deletion that
// stopped half-way (a crash). The second MATCH reads the record after the lock is held (a write
// committed just before adds its labels). Returns the labels to purge.
MATCH (l:_Store {name: $store})
SET l.writeLock = $nonce, l.deleting = true
WITH count(l) AS locked
MATCH (s:_Store {name: $store})
RETURN s.types AS types
