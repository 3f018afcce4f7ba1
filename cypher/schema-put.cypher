// The store's current schema: text as written, its IR as JSON, and its schema revision.
MERGE (x:_Schema {store: $store})
SET x.text = $text, x.format = $format, x.ir = $ir, x.schemaRevision = $schemaRevision, x.writtenAt = $now
