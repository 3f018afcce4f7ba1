// Ends a locked transaction that commits no revision (pruning), leaving the record clean.
MATCH (s:_Store {name: $store})
SET s.prunedThrough = $prunedThrough
REMOVE s.writeLock
