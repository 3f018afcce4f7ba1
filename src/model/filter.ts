/**
 * RelationshipFilter: which stored relationships a read, delete or precondition selects. Any
 * combination of fields; all given fields must match.
 *
 * Example: {resourceType: "document", relation: "viewer"} selects `document:*#viewer@…`;
 * {subjectType: "user", subjectId: "alice", subjectRelation: ""} selects every tuple whose subject
 * is exactly `user:alice` (not `user:alice#…`).
 */
export interface RelationshipFilter {
  readonly resourceType?: string;
  readonly resourceId?: string;
  readonly resourceIdPrefix?: string;
  readonly relation?: string;
  readonly subjectType?: string;
  readonly subjectId?: string;
  /** "" matches direct subjects only. */
  readonly subjectRelation?: string;
}

/** Every field of a RelationshipFilter, in the order messages and inputs list them. */
export const FILTER_FIELDS = [
  "resourceType",
  "resourceId",
  "resourceIdPrefix",
  "relation",
  "subjectType",
  "subjectId",
  "subjectRelation",
] as const satisfies readonly (keyof RelationshipFilter)[];
