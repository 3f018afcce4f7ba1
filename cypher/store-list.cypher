MATCH (s:_Store)
WHERE s.deleting IS NULL
RETURN s.name AS name, s.incarnation AS incarnation, s.revision AS revision, s.schemaRevision AS schemaRevision
ORDER BY s.name
