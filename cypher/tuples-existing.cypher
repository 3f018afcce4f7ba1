// Which of these tuple keys are stored (CREATE refuses them). Seeks the relation's key constraint.
UNWIND $keys AS key
MATCH ()-[t{{:relation}} {key: key}]->()
RETURN key
