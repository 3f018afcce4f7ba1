/**
 * The schema as the evaluator uses it: every member numbered (goal keys are ints), every
 * `computed` reference resolved once, arrows resolving their target per subject type on demand.
 */
import type { AllowedSubject, Member, Rewrite, SchemaIR, SchemaOrigin } from "../typesystem/ir.ts";
import { ErrorCode, RelgraphError, unreachable } from "../errors.ts";

export type CompiledRewrite =
  | { readonly kind: "this" }
  | { readonly kind: "computed"; readonly member: CompiledMember | undefined; readonly relation: string }
  | {
      readonly kind: "arrow";
      readonly tupleset: CompiledMember | undefined;
      readonly computed: string;
      readonly mode: "any" | "all";
    }
  | { readonly kind: "union"; readonly children: readonly CompiledRewrite[] }
  | { readonly kind: "intersection"; readonly children: readonly CompiledRewrite[] }
  | { readonly kind: "exclusion"; readonly base: CompiledRewrite; readonly subtract: CompiledRewrite }
  | { readonly kind: "nil" }
  | { readonly kind: "self" };

export interface CompiledMember {
  /** Dense id across the schema: goal key = object × memberCount + id. */
  readonly id: number;
  readonly type: string;
  readonly name: string;
  readonly kind: Member["kind"];
  readonly types: readonly AllowedSubject[];
  /** `type`, `type:*`, `type#relation` keys of `types`, for OpenFGA's ignore-misfit-tuples rule. */
  readonly allowedKeys: ReadonlySet<string>;
  rewrite: CompiledRewrite;
}

export class CompiledSchema {
  readonly origin: SchemaOrigin;
  readonly members: CompiledMember[] = [];
  private readonly byType = new Map<string, Map<string, CompiledMember>>();

  constructor(readonly ir: SchemaIR) {
    this.origin = ir.origin;
    for (const def of ir.definitions) {
      const map = new Map<string, CompiledMember>();
      this.byType.set(def.name, map);
      for (const m of def.members) {
        const cm: CompiledMember = {
          id: this.members.length,
          type: def.name,
          name: m.name,
          kind: m.kind,
          types: m.types,
          allowedKeys: new Set(m.types.map(allowedKey)),
          rewrite: { kind: "nil" },
        };
        this.members.push(cm);
        map.set(m.name, cm);
      }
    }
    for (const def of ir.definitions)
      for (const m of def.members) this.member(def.name, m.name)!.rewrite = this.compile(def.name, m.rewrite);
  }

  hasType(type: string): boolean {
    return this.byType.has(type);
  }

  member(type: string, name: string): CompiledMember | undefined {
    return this.byType.get(type)?.get(name);
  }

  membersOf(type: string): Iterable<CompiledMember> {
    return this.byType.get(type)?.values() ?? [];
  }

  /** The member or FAILED_PRECONDITION naming what is missing (SpiceDB's wording). */
  require(type: string, name: string): CompiledMember {
    if (!this.byType.has(type))
      throw new RelgraphError(ErrorCode.FAILED_PRECONDITION, `object definition \`${type}\` not found`, {
        reason: "unknown-definition",
        definition: type,
      });
    const m = this.member(type, name);
    if (m === undefined)
      throw new RelgraphError(
        ErrorCode.FAILED_PRECONDITION,
        `relation/permission \`${name}\` not found under definition \`${type}\``,
        { reason: "unknown-relation", definition: type, relation: name },
      );
    return m;
  }

  private compile(type: string, r: Rewrite): CompiledRewrite {
    switch (r.kind) {
      case "this":
        return { kind: "this" };
      case "computed":
        return { kind: "computed", member: this.member(type, r.relation), relation: r.relation };
      case "arrow":
        return { kind: "arrow", tupleset: this.member(type, r.tupleset), computed: r.computed, mode: r.mode };
      case "union":
        return { kind: "union", children: r.children.map((c) => this.compile(type, c)) };
      case "intersection":
        return { kind: "intersection", children: r.children.map((c) => this.compile(type, c)) };
      case "exclusion":
        return {
          kind: "exclusion",
          base: this.compile(type, r.base),
          subtract: this.compile(type, r.subtract),
        };
      case "nil":
        return { kind: "nil" };
      case "self":
        return { kind: "self" };
      default:
        return unreachable(r, "rewrite");
    }
  }
}

export function allowedKey(a: AllowedSubject): string {
  return a.wildcard
    ? `${a.type}:*`
    : a.relation === undefined || a.relation === "..."
      ? a.type
      : `${a.type}#${a.relation}`;
}
