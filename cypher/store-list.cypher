MATCH (s:_Store)
RETURN s.name AS name, s.incarnation AS incarnation, s.revision AS revision, s.schemaRevision AS schemaRevision
ORDER BY s.name
