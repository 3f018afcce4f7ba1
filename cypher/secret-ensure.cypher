// The secret named $name, created with $value by the first process that asks (the uniqueness
// constraint on _Secret.name makes concurrent first asks agree on one value).
MERGE (s:_Secret {name: $name})
  ON CREATE SET s.value = $value, s.createdAt = $now
RETURN s.value AS value
