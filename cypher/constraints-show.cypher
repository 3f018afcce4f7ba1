// The uniqueness constraints that exist, so a schema write only creates the missing ones.
SHOW CONSTRAINTS YIELD type, labelsOrTypes, properties
WHERE type IN ["UNIQUENESS", "RELATIONSHIP_UNIQUENESS"]
RETURN type, labelsOrTypes, properties
