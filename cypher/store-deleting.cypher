// A store whose deletion began but did not finish (a crash): its labels, to finish it.
MATCH (s:_Store {name: $store})
WHERE s.deleting = true
RETURN s.types AS types
