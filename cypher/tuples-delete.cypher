// DELETE of tuples by key; returns the keys that existed (absent ones are no-ops).
UNWIND $keys AS key
MATCH ()-[t{{:relation}} {key: key}]->()
DELETE t
RETURN key
