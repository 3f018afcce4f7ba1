MATCH (x:_Schema {store: $store})
RETURN x.text AS text, x.format AS format, x.ir AS ir, x.schemaRevision AS schemaRevision
