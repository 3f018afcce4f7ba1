/**
 * Relgraph as a library: the public surface, and the only module outside code should import.
 *
 *   import { createRelgraph, parseTuple, parseObjectRef, parseSubjectRef } from "relgraph";
 *   const rg = await createRelgraph({ memory: true }); // or { neo4j: { uri, user, password } }, or () from the environment
 *   await rg.writeSchema("default", "definition user {}\ndefinition doc { relation viewer: user }", "ZED");
 *   const { token } = await rg.writeRelationships("default", [
 *     { operation: "TOUCH", tuple: parseTuple("doc:1#viewer@user:ann") },
 *   ]);
 *   const r = await rg.check(
 *     "default",
 *     { resource: parseObjectRef("doc:1"), permission: "viewer", subject: parseSubjectRef("user:ann") },
 *     { kind: "atLeastAsFresh", token },
 *   );
 *   r.permissionship; // "HAS_PERMISSION"
 *   await rg.close();
 *
 * Everything not exported here is internal and may change without notice.
 */
export { createRelgraph, type RelgraphOptions } from "./coordinator/createRelgraph.ts";
export { Relgraph, MAX_BULK_CHECKS } from "./coordinator/relgraph.ts";
export type * from "./coordinator/service.ts";
export { ErrorCode, RelgraphError, isRelgraphError, type ErrorDetails } from "./errors.ts";
export {
  formatObjectRef,
  formatSubjectRef,
  formatTuple,
  parseObjectRef,
  parseSubjectRef,
  parseTuple,
  type Dialect,
  type ObjectRef,
  type SubjectRef,
  type Tuple,
} from "./model/tuple.ts";
export type { RelationshipFilter } from "./model/filter.ts";
export type {
  Change,
  Precondition,
  RelationshipUpdate,
  Revision,
  SchemaFormat,
  StoreInfo,
  TupleStore,
  UpdateOperation,
} from "./store/interface.ts";
export { DEFAULT_STORE } from "./store/interface.ts";
export type { Diagnostic } from "./typesystem/diagnostic.ts";
export { configFromEnv, neo4jConfigFromEnv, type RelgraphConfig } from "./config.ts";
export type { Neo4jConfig } from "./store/neo4j/connection.ts";
