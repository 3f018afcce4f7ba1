/**
 * The GraphQL operations the remote service sends, one per service method, with variables (so the
 * server parses and validates each document once and caches it). Field names follow
 * schema/api.graphql; test/cli/remote.test.ts validates every one against it.
 */

const PAGE_INFO = "pageInfo { hasNextPage endCursor }";
const DIAGNOSTIC =
  "severity code message location { start { line column offset } end { line column offset } }";

export const CREATE_STORE = `mutation ($name: String!) { createStore(name: $name) { name revision schemaRevision } }`;

export const DELETE_STORE = `mutation ($name: String!) { deleteStore(name: $name) }`;

export const STORES = `query { stores { name revision schemaRevision } }`;

export const WRITE_SCHEMA = `mutation ($store: String, $schema: String!, $format: SchemaFormat, $files: [SchemaFileInput!]) {
  writeSchema(store: $store, schema: $schema, format: $format, files: $files) { token warnings { ${DIAGNOSTIC} } }
}`;

export const READ_SCHEMA = `query ($store: String) { schema(store: $store) { text format schemaRevision } }`;

export const WRITE_RELATIONSHIPS = `mutation ($store: String, $updates: [RelationshipUpdate!]!, $preconditions: [Precondition!]) {
  writeRelationships(store: $store, updates: $updates, preconditions: $preconditions) { token }
}`;

export const DELETE_RELATIONSHIPS = `mutation (
  $store: String, $filter: RelationshipFilter!, $preconditions: [Precondition!], $limit: Int, $allowPartial: Boolean,
  $all: Boolean
) {
  deleteRelationships(
    store: $store, filter: $filter, preconditions: $preconditions, limit: $limit, allowPartial: $allowPartial,
    all: $all
  ) { token deletedCount complete }
}`;

export const RELATIONSHIPS = `query ($store: String, $filter: RelationshipFilter, $first: Int, $after: String, $consistency: Consistency) {
  relationships(store: $store, filter: $filter, first: $first, after: $after, consistency: $consistency) {
    edges { node { relationship } } ${PAGE_INFO} readAt staleCursor
  }
}`;

export const CHANGES = `query ($store: String, $first: Int, $after: String) {
  changes(store: $store, first: $first, after: $after) {
    edges { node { revision operation relationship } } ${PAGE_INFO} token
  }
}`;

export const CHECK = `query (
  $store: String, $resource: ObjectRef!, $permission: String!, $subject: SubjectRef!,
  $contextualTuples: [RelationshipTuple!], $context: JSON, $consistency: Consistency, $explain: Boolean
) {
  check(
    store: $store, resource: $resource, permission: $permission, subject: $subject,
    contextualTuples: $contextualTuples, context: $context, consistency: $consistency, explain: $explain
  ) {
    permissionship missingContext checkedAt
    explanation {
      root truncated path cypher browserUrl
      nodes { id kind resource relation result children relationships subjects cycleTo note }
    }
  }
}`;

export const CHECK_BULK = `query ($store: String, $checks: [CheckBulkItem!]!, $consistency: Consistency) {
  checkBulk(store: $store, checks: $checks, consistency: $consistency) {
    checkedAt results { permissionship missingContext error { code message } }
  }
}`;

export const LOOKUP_RESOURCES = `query (
  $store: String, $resourceType: String!, $permission: String!, $subject: SubjectRef!,
  $contextualTuples: [RelationshipTuple!], $context: JSON, $first: Int, $after: String, $consistency: Consistency
) {
  lookupResources(
    store: $store, resourceType: $resourceType, permission: $permission, subject: $subject,
    contextualTuples: $contextualTuples, context: $context, first: $first, after: $after, consistency: $consistency
  ) { edges { node { resource permissionship missingContext } } ${PAGE_INFO} readAt staleCursor }
}`;

export const LOOKUP_SUBJECTS = `query (
  $store: String, $resource: ObjectRef!, $permission: String!, $subjectType: String!, $subjectRelation: String,
  $contextualTuples: [RelationshipTuple!], $context: JSON, $first: Int, $after: String, $consistency: Consistency
) {
  lookupSubjects(
    store: $store, resource: $resource, permission: $permission, subjectType: $subjectType,
    subjectRelation: $subjectRelation, contextualTuples: $contextualTuples, context: $context, first: $first,
    after: $after, consistency: $consistency
  ) { edges { node { subject excludedSubjects permissionship missingContext } } ${PAGE_INFO} readAt staleCursor }
}`;

export const EXPAND = `query ($store: String, $resource: ObjectRef!, $permission: String!, $consistency: Consistency, $maxNodes: Int) {
  expand(store: $store, resource: $resource, permission: $permission, consistency: $consistency, maxNodes: $maxNodes) {
    root truncated expandedAt nodes { id kind resource relation children subjects cycleTo }
  }
}`;

export const PERMISSIONS = `query (
  $store: String, $resource: ObjectRef!, $subject: SubjectRef!, $consistency: Consistency,
  $contextualTuples: [RelationshipTuple!], $context: JSON
) {
  permissions(
    store: $store, resource: $resource, subject: $subject, consistency: $consistency,
    contextualTuples: $contextualTuples, context: $context
  ) { results { name kind permissionship missingContext } checkedAt }
}`;
