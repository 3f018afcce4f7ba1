// Deleting a store, step 2: its objects of one type, with their relationships, 1,000 objects per
// transaction (an auto-commit query: CALL IN TRANSACTIONS cannot run inside another transaction).
MATCH (n{{:type}} {store: $store})
CALL (n) {
  DETACH DELETE n
} IN TRANSACTIONS OF 1000 ROWS
