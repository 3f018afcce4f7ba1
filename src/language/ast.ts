/**
 * The syntax tree of a `.zed` schema: what the text says, before any meaning is given to names.
 * Every node is tagged by `kind` (switches over it are exhaustive) and carries its location.
 * Nodes for constructs Relgraph refuses later (`partial`, `import`) are still built, so the
 * refusal can point at them.
 */
import type { SourceLocation, SourcePosition } from "../typesystem/ir.ts";

/** Schema : TopLevel* */
export interface DocumentNode {
  readonly kind: "Document";
  readonly statements: readonly TopLevelNode[];
  readonly loc: SourceLocation;
}

export type TopLevelNode = UseNode | DefinitionNode | CaveatNode | PartialNode | ImportNode;

/** `use expiration` */
export interface UseNode {
  readonly kind: "Use";
  readonly flag: string;
  readonly loc: SourceLocation;
}

/** A name with its own location (so diagnostics can point at the name, not the statement). */
export interface NameNode {
  readonly value: string;
  readonly loc: SourceLocation;
}

/** `definition [prefix/]name { member* }` */
export interface DefinitionNode {
  readonly kind: "Definition";
  readonly name: NameNode;
  readonly members: readonly MemberNode[];
  readonly doc?: string;
  readonly loc: SourceLocation;
}

/** `partial name { member* }`: a reusable block of members (refused as UNIMPLEMENTED). */
export interface PartialNode {
  readonly kind: "Partial";
  readonly name: NameNode;
  readonly members: readonly MemberNode[];
  readonly doc?: string;
  readonly loc: SourceLocation;
}

/** `import "path/to/file.zed"` (refused as UNIMPLEMENTED). */
export interface ImportNode {
  readonly kind: "Import";
  readonly path: string;
  readonly loc: SourceLocation;
}

export type MemberNode = RelationNode | PermissionNode | PartialReferenceNode;

/** `relation name: type | type ...` */
export interface RelationNode {
  readonly kind: "Relation";
  readonly name: NameNode;
  readonly types: readonly TypeReferenceNode[];
  readonly doc?: string;
  /** Codes from `// spicedb-ignore-warning: code` comments directly above. */
  readonly ignoredWarnings: readonly string[];
  readonly loc: SourceLocation;
}

/** `permission name = expression` */
export interface PermissionNode {
  readonly kind: "Permission";
  readonly name: NameNode;
  readonly expression: ExpressionNode;
  readonly doc?: string;
  /** Codes from `// spicedb-ignore-warning: code` comments directly above. */
  readonly ignoredWarnings: readonly string[];
  readonly loc: SourceLocation;
}

/** `...partial_name` inside a definition. */
export interface PartialReferenceNode {
  readonly kind: "PartialReference";
  readonly name: NameNode;
  readonly loc: SourceLocation;
}

/** `user`, `user:*`, `group#member`, `group#...`, each optionally `with caveat [and expiration]`. */
export interface TypeReferenceNode {
  readonly kind: "TypeReference";
  readonly type: NameNode;
  /** Relation after `#`; `...` is kept as written. */
  readonly relation?: NameNode;
  readonly wildcard: boolean;
  readonly caveat?: NameNode;
  readonly expiration: boolean;
  readonly loc: SourceLocation;
}

/** `caveat name(param type, ...) { CEL }` */
export interface CaveatNode {
  readonly kind: "Caveat";
  readonly name: NameNode;
  readonly parameters: readonly CaveatParameterNode[];
  /** The CEL text between the braces, trimmed, exactly as written. */
  readonly expression: string;
  /** Where `expression` starts in the source. */
  readonly expressionStart: SourcePosition;
  readonly doc?: string;
  readonly loc: SourceLocation;
}

export interface CaveatParameterNode {
  readonly kind: "CaveatParameter";
  readonly name: NameNode;
  /** Type text normalised to `name<child, ...>` without spaces. */
  readonly type: string;
  readonly loc: SourceLocation;
}

export type ExpressionNode =
  IdentifierNode | ArrowNode | BinaryNode | NilNode | SelfNode | ErrorExpressionNode;

/** A relation or permission of the same definition. */
export interface IdentifierNode {
  readonly kind: "Identifier";
  readonly name: string;
  readonly loc: SourceLocation;
}

/**
 * `left->right`, `left.any(right)`, `left.all(right)`. `chain` holds further `->name` steps
 * (`a->b->c`), which the parser accepts like SpiceDB and the compiler refuses.
 */
export interface ArrowNode {
  readonly kind: "Arrow";
  readonly left: IdentifierNode;
  readonly right: IdentifierNode;
  readonly fn: "->" | "any" | "all";
  readonly chain: readonly IdentifierNode[];
  readonly loc: SourceLocation;
}

export type BinaryOperator = "+" | "&" | "-";

export interface BinaryNode {
  readonly kind: "Binary";
  readonly operator: BinaryOperator;
  readonly left: ExpressionNode;
  readonly right: ExpressionNode;
  readonly loc: SourceLocation;
}

export interface NilNode {
  readonly kind: "Nil";
  readonly loc: SourceLocation;
}

/** `self`: only a keyword after `use self` (otherwise it is an ordinary identifier). */
export interface SelfNode {
  readonly kind: "Self";
  readonly loc: SourceLocation;
}

/** Stands in for an expression that failed to parse (the syntax error is already reported). */
export interface ErrorExpressionNode {
  readonly kind: "ErrorExpression";
  readonly loc: SourceLocation;
}

export type AstNode =
  DocumentNode | TopLevelNode | MemberNode | TypeReferenceNode | CaveatParameterNode | ExpressionNode;
