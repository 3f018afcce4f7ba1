// The health probe (src/store/neo4j/health.ts): answered by any live Neo4j, reads nothing.
RETURN 1 AS ok
