/**
 * Validation of a schema, on the IR: every check runs on what the schema means, not on how it was
 * written, so `.zed` schemas and imported OpenFGA models are judged by the same rules. Identifier
 * rules follow the IR's origin (SpiceDB's for `zed`, OpenFGA's for `openfga`).
 *
 * Returns ALL diagnostics (errors and warnings), never throws on bad input. The codes and their
 * meaning are listed in src/typesystem/README.md. Warnings are SpiceDB's lints, with SpiceDB's
 * names and conditions (pkg/development/warningdefs.go); they are reported for `.zed` schemas only,
 * since they are advice about the `.zed` way of writing schemas.
 */
import { isValidRelationName, isValidTypeName, type Dialect } from "../model/tuple.ts";
import { RESERVED_WORDS } from "./names.ts";
import { unreachable } from "../errors.ts";
import { error, warning, type Diagnostic } from "./diagnostic.ts";
import { CaveatProgram } from "./caveat/program.ts";
import {
  operandsOf,
  type AllowedSubject,
  type ArrowRewrite,
  type Caveat,
  type Definition,
  type Member,
  type Rewrite,
  type SchemaIR,
  type SourceLocation,
} from "./ir.ts";

/** Text of an arrow as written in `.zed`: `parent->view` or `parent.all(view)`. */
export function arrowText(arrow: ArrowRewrite): string {
  return arrow.mode === "all"
    ? `${arrow.tupleset}.all(${arrow.computed})`
    : `${arrow.tupleset}->${arrow.computed}`;
}

/** `group#member`, `user:*`, `user` */
export function allowedSubjectText(s: AllowedSubject): string {
  return s.wildcard ? `${s.type}:*` : s.relation !== undefined ? `${s.type}#${s.relation}` : s.type;
}

/** Validates the IR; returns every error and warning found (empty when the schema is clean). */
export function validateSchema(ir: SchemaIR): Diagnostic[] {
  return new Validator(ir).run();
}

class Validator {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly dialect: Dialect;
  /** First definition of each name (later duplicates are reported and ignored). */
  private readonly definitions = new Map<string, Definition>();
  private readonly members = new Map<string, Map<string, Member>>();
  private readonly caveats = new Set<string>();
  private readonly wildcardCache = new Map<string, string | null>();

  constructor(private readonly ir: SchemaIR) {
    this.dialect = ir.origin;
  }

  private error(code: string, message: string, loc: SourceLocation | undefined): void {
    this.diagnostics.push(error(code, message, loc));
  }
  /** Reports a warning about `member`, unless a `// spicedb-ignore-warning: code` comment silences it. */
  private warn(member: Member, code: string, message: string, loc: SourceLocation | undefined): void {
    if (member.ignoredWarnings?.includes(code)) return;
    this.diagnostics.push(warning(code, message, loc));
  }

  run(): Diagnostic[] {
    this.indexNames();
    for (const def of this.ir.definitions) {
      if (this.definitions.get(def.name) !== def) continue;
      for (const member of def.members) {
        if (this.members.get(def.name)?.get(member.name) !== member) continue;
        // Every later walk over a rewrite recurses once per level: bounded here, first.
        if (!this.checkNesting(def, member)) continue;
        this.checkMember(def, member);
      }
      this.checkAliasCycles(def);
    }
    return this.diagnostics;
  }

  /**
   * A cycle of permissions that are each nothing but another permission's name (`a = b`,
   * `b = a`, or `view = view`) means nothing at all; SpiceDB refuses it ("there exists a cycle in
   * permissions"), so Relgraph does too. A cycle with anything else in it (`view = view + viewer`)
   * is accepted, with the permission-references-itself warning.
   */
  private checkAliasCycles(def: Definition): void {
    const members = this.members.get(def.name);
    if (!members) return;
    const aliasOf = (m: Member | undefined): string | undefined =>
      m?.kind === "permission" && m.rewrite.kind === "computed" ? m.rewrite.relation : undefined;
    // Each member aliases at most one other, so every walk is a path into a chain or a cycle.
    // Members whose walk is finished are never walked again: linear in the members (the walk
    // that rescanned its path at each step was cubic: 1,200 chained permissions took 1.9 s).
    const done = new Set<string>();
    for (const start of def.members) {
      if (done.has(start.name) || members.get(start.name) !== start) continue;
      const onPath = new Map<string, number>();
      const path: string[] = [];
      let name: string | undefined = start.name;
      while (name !== undefined && !done.has(name) && !onPath.has(name)) {
        onPath.set(name, path.length);
        path.push(name);
        name = aliasOf(members.get(name));
      }
      for (const n of path) done.add(n);
      // Ended at nothing, or at a member already walked (its cycle, if any, is reported).
      if (name === undefined || !onPath.has(name)) continue;
      const cycle = path.slice(onPath.get(name));
      const inCycle = new Set(cycle);
      const first = def.members.find((m) => inCycle.has(m.name));
      this.error(
        "permission-cycle",
        `in definition "${def.name}", permissions ${cycle.map((n) => `"${n}"`).join(", ")} only refer to each other, so they can never hold anyone`,
        first?.loc,
      );
    }
  }

  /**
   * A rewrite nested deeper than MAX_REWRITE_NESTING (`a - b - c - …` with hundreds of terms, or
   * deep parentheses in an imported model) is refused with `nesting-too-deep` at the member. The
   * depth is measured iteratively, so no input can overflow the stack here.
   */
  private checkNesting(def: Definition, member: Member): boolean {
    const depth = rewriteDepth(member.rewrite);
    if (depth <= MAX_REWRITE_NESTING) return true;
    this.error(
      "nesting-too-deep",
      `"${def.name}#${member.name}" nests ${depth} levels deep; at most ${MAX_REWRITE_NESTING} are allowed (split it into permissions that name each other)`,
      member.rewrite.loc ?? member.loc,
    );
    return false;
  }

  /** Declared names: validity, duplicates, and the lookup tables for later checks. */
  private indexNames(): void {
    const zed = this.dialect === "zed";
    for (const caveat of this.ir.caveats) {
      // SpiceDB is looser with caveat names than with type names (checked against SpiceDB:
      // `ok`, `Ok_Cav` and 130-character names are accepted): any `.zed` name path will do.
      if (zed ? !ZED_CAVEAT_NAME.test(caveat.name) : !isValidTypeName(caveat.name, this.dialect))
        this.error(
          "invalid-identifier",
          `invalid caveat name "${caveat.name}"${zed ? " (expected letters, digits and '_', optionally prefixed by 'namespace/')" : this.ruleHint("type")}`,
          caveat.loc,
        );
      if (this.caveats.has(caveat.name))
        this.error("duplicate-caveat", `caveat "${caveat.name}" is defined more than once`, caveat.loc);
      this.caveats.add(caveat.name);
      const params = new Set<string>();
      for (const p of caveat.parameters) {
        const typeProblem = caveatTypeProblem(p.type);
        if (typeProblem !== undefined)
          this.error(
            "invalid-caveat-type",
            `parameter "${p.name}" of caveat "${caveat.name}" has type "${p.type}": ${typeProblem}`,
            p.loc ?? caveat.loc,
          );
        if (params.has(p.name))
          this.error(
            "duplicate-parameter",
            `parameter "${p.name}" appears more than once in caveat "${caveat.name}"`,
            p.loc ?? caveat.loc,
          );
        params.add(p.name);
        // SpiceDB compiles the CEL and refuses a parameter it never reads; an unused parameter
        // changes no answer, so Relgraph accepts the schema and warns (OpenFGA accepts it too).
        if (zed && !celMentions(caveat.expression, p.name))
          this.diagnostics.push(
            warning(
              "unused-caveat-parameter",
              `parameter "${p.name}" of caveat "${caveat.name}" is not used in its expression (SpiceDB refuses such a schema)`,
              p.loc ?? caveat.loc,
            ),
          );
      }
      if (
        params.size === caveat.parameters.length &&
        caveat.parameters.every((p) => !caveatTypeProblem(p.type))
      )
        for (const problem of CaveatProgram.compile(caveat, this.ir.origin).problems)
          this.error(problem.code, problem.message, expressionLocation(caveat, problem.offset));
    }
    for (const def of this.ir.definitions) {
      if (!isValidTypeName(def.name, this.dialect) || (zed && RESERVED_WORDS.has(def.name)))
        this.error(
          "invalid-identifier",
          `invalid definition name "${def.name}"${this.ruleHint("type")}`,
          def.loc,
        );
      if (this.definitions.has(def.name)) {
        this.error("duplicate-definition", `definition "${def.name}" is defined more than once`, def.loc);
        continue;
      }
      if (this.caveats.has(def.name))
        this.error("duplicate-definition", `"${def.name}" names both a definition and a caveat`, def.loc);
      this.definitions.set(def.name, def);
      const members = new Map<string, Member>();
      this.members.set(def.name, members);
      for (const member of def.members) {
        if (!isValidRelationName(member.name, this.dialect) || (zed && RESERVED_WORDS.has(member.name)))
          this.error(
            "invalid-identifier",
            `invalid ${member.kind} name "${member.name}" in definition "${def.name}"${this.ruleHint("relation")}`,
            member.loc,
          );
        if (members.has(member.name)) {
          this.error(
            "duplicate-member",
            `"${member.name}" is defined more than once in definition "${def.name}" (relations and permissions share one namespace)`,
            member.loc,
          );
          continue;
        }
        members.set(member.name, member);
      }
    }
  }

  private ruleHint(what: "type" | "relation"): string {
    if (this.dialect === "openfga")
      return what === "type"
        ? " (OpenFGA: 1 to 254 characters, no whitespace, ':', '#' or '@')"
        : " (OpenFGA: 1 to 50 characters, no whitespace, ':', '#' or '@')";
    return what === "type"
      ? " (expected lowercase letters, digits and '_', 3 to 64 characters, starting with a letter, not ending with '_', optionally prefixed by 'namespace/')"
      : " (expected lowercase letters, digits and '_', 3 to 64 characters, starting with a letter, not ending with '_')";
  }

  private member(type: string, name: string): Member | undefined {
    return this.members.get(type)?.get(name);
  }

  private checkMember(def: Definition, member: Member): void {
    const zed = this.dialect === "zed";
    const hasThis = containsThis(member.rewrite);
    if (member.kind === "permission" && hasThis)
      this.error(
        "invalid-rewrite",
        `permission "${member.name}" cannot hold directly written subjects`,
        member.loc,
      );
    if (member.kind === "relation" && hasThis && member.types.length === 0)
      this.error(
        "missing-subject-types",
        `relation "${member.name}" in definition "${def.name}" must allow at least one subject type`,
        member.loc,
      );
    if (member.kind === "permission" && member.types.length > 0)
      this.error("invalid-rewrite", `permission "${member.name}" cannot declare subject types`, member.loc);

    const seen = new Set<string>();
    for (const subject of member.types) {
      // `user` and `user with expiration` are different entries (SpiceDB accepts both together).
      const text =
        allowedSubjectText(subject) +
        (subject.caveat !== undefined ? ` with ${subject.caveat}` : "") +
        (subject.expiration ? (subject.caveat !== undefined ? " and expiration" : " with expiration") : "");
      if (seen.has(text))
        this.error(
          "duplicate-subject-type",
          `subject type "${text}" appears more than once in relation "${member.name}"`,
          subject.loc ?? member.loc,
        );
      seen.add(text);
      this.checkAllowedSubject(def, member, subject);
    }

    this.checkRewrite(def, member, member.rewrite);

    if (zed && def.name !== "" && member.name.endsWith(def.name)) {
      const what = member.kind === "permission" ? "Permission" : "Relation";
      this.warn(
        member,
        "relation-name-references-parent",
        `${what} "${member.name}" references parent type "${def.name}" in its name; it is recommended to drop the suffix`,
        member.loc,
      );
    }
  }

  private checkAllowedSubject(def: Definition, member: Member, subject: AllowedSubject): void {
    const loc = subject.loc ?? member.loc;
    const target = this.definitions.get(subject.type);
    if (!target) {
      this.error(
        "undefined-type",
        `relation "${def.name}#${member.name}" allows subject type "${subject.type}", which is not defined`,
        loc,
      );
    } else if (subject.relation !== undefined) {
      if (subject.wildcard)
        this.error("invalid-subject-type", `"${subject.type}:*" cannot also name a relation`, loc);
      if (!this.member(subject.type, subject.relation)) {
        this.error(
          "undefined-relation",
          `relation "${def.name}#${member.name}" allows "${subject.type}#${subject.relation}", but "${subject.type}" has no relation or permission "${subject.relation}"`,
          loc,
        );
      } else if (this.dialect === "zed") {
        const wildcard = this.referencedWildcard(subject.type, subject.relation);
        if (wildcard !== null)
          this.error(
            "transitive-wildcard",
            `relation "${def.name}#${member.name}" allows "${subject.type}#${subject.relation}", which includes the wildcard "${wildcard}"; wildcards cannot be reached through a subject relation`,
            loc,
          );
      }
    }
    if (subject.caveat !== undefined && !this.caveats.has(subject.caveat))
      this.error(
        "undefined-caveat",
        `relation "${def.name}#${member.name}" uses caveat "${subject.caveat}", which is not defined`,
        loc,
      );
    if (subject.expiration && this.dialect === "zed" && !this.ir.features.expiration)
      this.error(
        "missing-use-flag",
        `"with expiration" requires "use expiration" at the top of the schema`,
        loc,
      );
  }

  /**
   * The wildcard (`user:*`) a relation's subjects include, directly or through subject relations
   * (`group#member` where `member` allows `user:*`), or null. SpiceDB's referencesWildcardType.
   */
  private referencedWildcard(type: string, relation: string): string | null {
    // Depth-first over subject relations on an explicit stack: a chain of thousands of
    // `relation rN: t#rN+1` cannot overflow the JS stack.
    const start = `${type}#${relation}`;
    const cached = this.wildcardCache.get(start);
    if (cached !== undefined) return cached;
    const visiting = new Set<string>([start]);
    const path: { key: string; subjects: readonly AllowedSubject[]; next: number }[] = [
      { key: start, subjects: this.member(type, relation)?.types ?? [], next: 0 },
    ];
    let found: string | null = null;
    while (path.length > 0) {
      const top = path[path.length - 1]!;
      if (found !== null || top.next >= top.subjects.length) {
        this.wildcardCache.set(top.key, found);
        path.pop();
        continue;
      }
      const s = top.subjects[top.next++]!;
      if (s.wildcard) {
        found = `${s.type}:*`;
        continue;
      }
      if (s.relation === undefined || !this.member(s.type, s.relation)) continue;
      const key = `${s.type}#${s.relation}`;
      const known = this.wildcardCache.get(key);
      if (known !== undefined) {
        found = known;
        continue;
      }
      if (visiting.has(key)) continue;
      visiting.add(key);
      path.push({ key, subjects: this.member(s.type, s.relation)?.types ?? [], next: 0 });
    }
    return found;
  }

  private checkRewrite(def: Definition, member: Member, rewrite: Rewrite): void {
    const loc = rewrite.loc ?? member.loc;
    switch (rewrite.kind) {
      case "this":
      case "nil":
        return;
      case "self":
        if (this.dialect === "zed" && !this.ir.features.self)
          this.error("missing-use-flag", `"self" requires "use self" at the top of the schema`, loc);
        return;
      case "computed": {
        if (!this.member(def.name, rewrite.relation)) {
          if (rewrite.relation === "self" && this.dialect === "zed" && !this.ir.features.self)
            this.error("missing-use-flag", `"self" requires "use self" at the top of the schema`, loc);
          else
            this.error(
              "undefined-relation",
              `"${member.name}" refers to "${rewrite.relation}", which is not a relation or permission of "${def.name}"`,
              loc,
            );
        } else if (rewrite.relation === member.name && this.dialect === "zed") {
          this.warn(
            member,
            "permission-references-itself",
            `Permission "${member.name}" references itself; Relgraph evaluates it as a least fixed point (SpiceDB raises an infinite-recursion error)`,
            loc,
          );
        }
        return;
      }
      case "arrow":
        this.checkArrow(def, member, rewrite);
        return;
      case "union":
      case "intersection":
        for (const child of rewrite.children) this.checkRewrite(def, member, child);
        return;
      case "exclusion":
        this.checkRewrite(def, member, rewrite.base);
        this.checkRewrite(def, member, rewrite.subtract);
        return;
      default:
        unreachable(rewrite, "rewrite");
    }
  }

  private checkArrow(def: Definition, member: Member, arrow: ArrowRewrite): void {
    const loc = arrow.loc ?? member.loc;
    const text = arrowText(arrow);
    const tupleset = this.member(def.name, arrow.tupleset);
    if (!tupleset) {
      this.error(
        "undefined-relation",
        `arrow "${text}" in "${member.name}": "${arrow.tupleset}" is not a relation of "${def.name}"`,
        loc,
      );
      return;
    }
    if (tupleset.kind === "permission") {
      this.error(
        "arrow-on-permission",
        `arrow "${text}" in "${member.name}": the left side of an arrow must be a relation, and "${arrow.tupleset}" is a permission`,
        loc,
      );
      return;
    }
    const wildcard = this.referencedWildcard(def.name, arrow.tupleset);
    if (wildcard !== null) {
      this.error(
        "wildcard-in-arrow",
        `arrow "${text}" in "${member.name}": relation "${arrow.tupleset}" includes the wildcard "${wildcard}", and wildcards cannot be used on the left side of an arrow`,
        loc,
      );
    }
    const targets = [...new Set(tupleset.types.map((s) => s.type))].filter((t) => this.definitions.has(t));
    if (targets.length === 0) return; // the undefined subject types are reported on the relation
    const holders = targets.filter((t) => this.member(t, arrow.computed));
    if (holders.length === 0) {
      // SpiceDB reports this as a warning and accepts the schema; Relgraph refuses it (issue 4),
      // because such an arrow can never match anything.
      this.error(
        "arrow-references-unreachable-relation",
        `Arrow "${text}" under "${member.name}" references relation/permission "${arrow.computed}" that does not exist on any subject types of relation "${arrow.tupleset}" (${targets.join(", ")})`,
        loc,
      );
      return;
    }
    if (this.dialect !== "zed") return;
    const walked = tupleset.types.find((s) => s.relation !== undefined);
    if (walked) {
      this.warn(
        member,
        "arrow-walks-subject-relation",
        `Arrow "${text}" under "${member.name}" references relation "${arrow.tupleset}" that has relation "${walked.relation}" on subject "${walked.type}": the subject relation is ignored by the arrow`,
        loc,
      );
    }
    for (const s of tupleset.types) {
      if (s.type === def.name) continue;
      const target = this.member(s.type, arrow.computed);
      if (target && target.kind === "relation") {
        this.warn(
          member,
          "arrow-references-relation",
          `Arrow "${text}" under "${member.name}" references relation "${arrow.computed}" on definition "${s.type}"; it is recommended to point to a permission`,
          loc,
        );
        break;
      }
    }
  }
}

const ZED_CAVEAT_NAME = /^[\p{L}_][\p{L}\p{N}_]*(\/[\p{L}_][\p{L}\p{N}_]*)*$/u;

// String literals of CEL: triple-quoted, double- and single-quoted (with escapes).
const CEL_STRING = /"""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g;

/** True when `name` is read in the CEL text: as a name, not inside a string, not as `.field`. */
export function celMentions(expression: string, name: string): boolean {
  const code = expression.replace(CEL_STRING, '""');
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<![\\w.])${escaped}(?!\\w)`).test(code);
}

// Caveat parameter types SpiceDB (and OpenFGA conditions) know, with the number of type arguments.
const CAVEAT_TYPES: ReadonlyMap<string, number> = new Map([
  ["any", 0],
  ["bool", 0],
  ["bytes", 0],
  ["double", 0],
  ["duration", 0],
  ["int", 0],
  ["ipaddress", 0],
  ["string", 0],
  ["timestamp", 0],
  ["uint", 0],
  ["list", 1],
  ["map", 1],
]);

/**
 * Where a CEL problem at `offset` (a UTF-16 index into the expression) is in the source: counted
 * from the expression's start in code points, as the lexer counts; the caveat's own location when
 * the start is unknown (an imported OpenFGA condition).
 */
function expressionLocation(caveat: Caveat, offset: number | undefined): SourceLocation | undefined {
  const start = caveat.expressionStart;
  if (start === undefined || offset === undefined) return caveat.loc;
  let { line, column, offset: at } = start;
  for (const ch of caveat.expression.slice(0, offset)) {
    at++;
    if (ch === "\n") {
      line++;
      column = 1;
    } else column++;
  }
  const pos = { line, column, offset: at };
  return { ...(caveat.loc?.file !== undefined ? { file: caveat.loc.file } : {}), start: pos, end: pos };
}

/** Why a caveat parameter type such as `list<map<int>>` is not valid, or undefined when it is. */
export function caveatTypeProblem(text: string): string | undefined {
  let pos = 0;
  const parse = (): string | undefined => {
    const name = /^[a-z_][a-z0-9_]*/i.exec(text.slice(pos))?.[0];
    if (name === undefined) return "expected a type name";
    pos += name.length;
    const arity = CAVEAT_TYPES.get(name);
    if (arity === undefined) return `unknown type "${name}" (known: ${[...CAVEAT_TYPES.keys()].join(", ")})`;
    let count = 0;
    if (text[pos] === "<") {
      pos++;
      for (;;) {
        while (text[pos] === " ") pos++;
        const inner = parse();
        if (inner !== undefined) return inner;
        count++;
        while (text[pos] === " ") pos++;
        if (text[pos] === ",") {
          pos++;
          continue;
        }
        if (text[pos] !== ">") return `expected ">"`;
        pos++;
        break;
      }
    }
    if (count !== arity)
      return arity === 0
        ? `"${name}" takes no type argument`
        : `"${name}" takes exactly ${arity} type argument`;
    return undefined;
  };
  const problem = parse();
  if (problem !== undefined) return problem;
  return pos === text.length ? undefined : `unexpected "${text.slice(pos)}"`;
}

/** True when the rewrite reads directly written tuples (`this`) anywhere. */
export function containsThis(rewrite: Rewrite): boolean {
  switch (rewrite.kind) {
    case "this":
      return true;
    case "computed":
    case "arrow":
    case "nil":
    case "self":
      return false;
    case "union":
    case "intersection":
      return rewrite.children.some(containsThis);
    case "exclusion":
      return containsThis(rewrite.base) || containsThis(rewrite.subtract);
    default:
      return unreachable(rewrite, "rewrite");
  }
}

/** How deep a rewrite may nest (deeper is `nesting-too-deep`). */
export const MAX_REWRITE_NESTING = 500;

/** Levels of a rewrite (a leaf is 1), measured without recursion. */
export function rewriteDepth(root: Rewrite): number {
  let max = 0;
  const stack: { readonly r: Rewrite; readonly depth: number }[] = [{ r: root, depth: 1 }];
  while (stack.length > 0) {
    const { r, depth } = stack.pop()!;
    if (depth > max) max = depth;
    for (const c of operandsOf(r)) stack.push({ r: c, depth: depth + 1 });
  }
  return max;
}
