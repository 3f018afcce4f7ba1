/**
 * The rewrite IR: what a schema means, independent of the text it came from (.zed or OpenFGA DSL).
 * The compiler (language → IR) produces it; the printer turns it back into canonical `.zed`;
 * the engine evaluates it. Every union is tagged by `kind` so switches are exhaustive.
 *
 * Model: a definition (object type) has members. A member is a `relation` (directly writable: it
 * lists the subject types it accepts, and its rewrite contains `this`) or a `permission` (computed
 * only; `types` is empty). A `.zed` relation has rewrite `{kind: "this"}`; an OpenFGA relation such
 * as `define viewer: [user] or editor` is a relation with rewrite `union(this, computed editor)`.
 */

/** 1-based line and column (counted in Unicode code points), 0-based code-point offset. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

export interface SourceLocation {
  readonly file?: string;
  readonly start: SourcePosition;
  readonly end: SourcePosition;
}

/** Where a schema came from; an OpenFGA-origin model keeps OpenFGA's behaviour where the two differ. */
export type SchemaOrigin = "zed" | "openfga";

/** A subject type a relation accepts: `user`, `user:*`, `group#member`, `group#...` (= `group`). */
export interface AllowedSubject {
  readonly type: string;
  /** `undefined` for a direct object (`user`, `group#...`); a relation name for a userset. */
  readonly relation?: string;
  /** `user:*`. Never combined with `relation`. */
  readonly wildcard: boolean;
  /** `with caveat_name` (parsed, evaluated by a later issue). */
  readonly caveat?: string;
  /** `with expiration`. */
  readonly expiration: boolean;
  readonly loc?: SourceLocation;
}

export type Rewrite =
  | ThisRewrite
  | ComputedRewrite
  | ArrowRewrite
  | UnionRewrite
  | IntersectionRewrite
  | ExclusionRewrite
  | NilRewrite
  | SelfRewrite;

/** The tuples written directly to this relation (`_this` in Zanzibar). */
export interface ThisRewrite {
  readonly kind: "this";
  readonly loc?: SourceLocation;
}
/** Another member of the same object: `viewer` in `permission view = viewer + editor`. */
export interface ComputedRewrite {
  readonly kind: "computed";
  readonly relation: string;
  readonly loc?: SourceLocation;
}
/**
 * Tuple-to-userset: follow `tupleset` (a relation of this object) to its subjects, then evaluate
 * `computed` on each. `any` = `parent->view` / `parent.any(view)`; `all` = `parent.all(view)`.
 */
export interface ArrowRewrite {
  readonly kind: "arrow";
  readonly tupleset: string;
  readonly computed: string;
  readonly mode: "any" | "all";
  readonly loc?: SourceLocation;
}
export interface UnionRewrite {
  readonly kind: "union";
  readonly children: readonly Rewrite[];
  readonly loc?: SourceLocation;
}
export interface IntersectionRewrite {
  readonly kind: "intersection";
  readonly children: readonly Rewrite[];
  readonly loc?: SourceLocation;
}
/** `base - subtract`. */
export interface ExclusionRewrite {
  readonly kind: "exclusion";
  readonly base: Rewrite;
  readonly subtract: Rewrite;
  readonly loc?: SourceLocation;
}
/** `nil`: the empty set. */
export interface NilRewrite {
  readonly kind: "nil";
  readonly loc?: SourceLocation;
}
/** `self` (after `use self`): the object itself, when it is the subject. */
export interface SelfRewrite {
  readonly kind: "self";
  readonly loc?: SourceLocation;
}

export interface Member {
  readonly kind: "relation" | "permission";
  readonly name: string;
  /** Subject types a tuple on this member may have; empty for permissions. */
  readonly types: readonly AllowedSubject[];
  readonly rewrite: Rewrite;
  /** Text of `/** ... *\/` doc comments directly above, without the comment markers. */
  readonly doc?: string;
  /** Warning codes silenced by `// spicedb-ignore-warning: code` comments above (`.zed` only). */
  readonly ignoredWarnings?: readonly string[];
  readonly loc?: SourceLocation;
}

export interface Definition {
  readonly name: string;
  readonly members: readonly Member[];
  readonly doc?: string;
  readonly loc?: SourceLocation;
}

export interface CaveatParameter {
  readonly name: string;
  /** Type text as written, e.g. `int`, `list<string>`, `map<any>`. */
  readonly type: string;
  readonly loc?: SourceLocation;
}

/** `caveat name(params) { expr }` / OpenFGA `condition`: a CEL expression over its parameters. */
export interface Caveat {
  readonly name: string;
  readonly parameters: readonly CaveatParameter[];
  /** The CEL expression text as written. */
  readonly expression: string;
  /** Where the expression's first character is in the source (positions of CEL problems). */
  readonly expressionStart?: SourcePosition;
  readonly doc?: string;
  readonly loc?: SourceLocation;
}

/** `use` flags of a `.zed` schema. */
export interface SchemaFeatures {
  readonly self: boolean;
  readonly typechecking: boolean;
  readonly expiration: boolean;
}

/**
 * A construct that was parsed but is not implemented yet: `writeSchema` refuses the schema with
 * UNIMPLEMENTED naming it. (`partial` members are also inlined, so validation sees them.)
 */
export interface UnsupportedConstruct {
  readonly construct: "partial" | "import";
  /** The partial's name or the import path. */
  readonly name: string;
  readonly loc?: SourceLocation;
}

export interface SchemaIR {
  readonly origin: SchemaOrigin;
  readonly definitions: readonly Definition[];
  readonly caveats: readonly Caveat[];
  readonly features: SchemaFeatures;
  /** Parsed-but-refused constructs (`.zed` only); absent when there are none. */
  readonly unsupported?: readonly UnsupportedConstruct[];
}

/**
 * The operands of a rewrite, in the positions explain's node ids use (`view.0`, `view.1`): a union's
 * or intersection's children in order, an exclusion's base then subtracted side; none for leaves.
 */
export function operandsOf(rewrite: Rewrite): readonly Rewrite[] {
  switch (rewrite.kind) {
    case "union":
    case "intersection":
      return rewrite.children;
    case "exclusion":
      return [rewrite.base, rewrite.subtract];
    case "this":
    case "computed":
    case "arrow":
    case "nil":
    case "self":
      return [];
    default:
      return rewrite satisfies never;
  }
}
