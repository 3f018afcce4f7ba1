// Deleting a store, step 3: its change log, 1,000 revisions per transaction (auto-commit query).
MATCH (c:_Change {store: $store})
CALL (c) {
  DELETE c
} IN TRANSACTIONS OF 1000 ROWS
