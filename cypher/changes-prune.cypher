// Drops change-log records up to a revision.
MATCH (c:_Change)
WHERE c.store = $store AND c.revision > $from AND c.revision <= $through
DELETE c
RETURN count(c) AS pruned
