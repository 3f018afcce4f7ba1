/**
 * Compiler: `.zed` syntax tree → rewrite IR.
 *
 * Gives the tree its meaning without judging it: a relation becomes a member of kind `relation`
 * with rewrite `this`; a permission becomes a member of kind `permission` (no subject types) whose
 * rewrite mirrors its expression. Chains of `+` and `&` are flattened into one n-ary node (both are
 * associative), so `a + b + c` and `a + (b + c)` compile to the same IR and the printer has one
 * canonical form. Name resolution and every semantic check happen in validate.ts, on the IR, so an
 * imported OpenFGA model goes through the same checks.
 *
 * The only diagnostics produced here are about shapes the IR cannot hold (`a->b->c`) and about
 * `partial` references that name no partial.
 */
import type {
  CaveatNode,
  DefinitionNode,
  DocumentNode,
  ExpressionNode,
  MemberNode,
  PartialNode,
  TypeReferenceNode,
} from "./ast.ts";
import { unreachable } from "../errors.ts";
import { error, type Diagnostic } from "../typesystem/diagnostic.ts";
import type {
  AllowedSubject,
  Caveat,
  Definition,
  Member,
  Rewrite,
  SchemaFeatures,
  SchemaIR,
  UnsupportedConstruct,
} from "../typesystem/ir.ts";

export interface CompileResult {
  readonly ir: SchemaIR;
  readonly diagnostics: readonly Diagnostic[];
}

/** Compiles a parsed `.zed` document to the IR (origin `zed`). */
export function compileDocument(document: DocumentNode): CompileResult {
  const diagnostics: Diagnostic[] = [];
  const partials = new Map<string, PartialNode>();
  const unsupported: UnsupportedConstruct[] = [];
  const features = { self: false, typechecking: false, expiration: false };

  for (const statement of document.statements) {
    switch (statement.kind) {
      case "Use":
        if (statement.flag === "self") features.self = true;
        if (statement.flag === "typechecking") features.typechecking = true;
        if (statement.flag === "expiration") features.expiration = true;
        break;
      case "Partial":
        if (!partials.has(statement.name.value)) partials.set(statement.name.value, statement);
        unsupported.push({ construct: "partial", name: statement.name.value, loc: statement.loc });
        break;
      case "Import":
        unsupported.push({ construct: "import", name: statement.path, loc: statement.loc });
        break;
      case "Definition":
      case "Caveat":
        break;
      default:
        unreachable(statement, "top-level statement");
    }
  }

  const definitions: Definition[] = [];
  const caveats: Caveat[] = [];
  for (const statement of document.statements) {
    if (statement.kind === "Definition")
      definitions.push(compileDefinition(statement, partials, diagnostics));
    if (statement.kind === "Caveat") caveats.push(compileCaveat(statement));
  }
  const ir: SchemaIR = {
    origin: "zed",
    definitions,
    caveats,
    features: features satisfies SchemaFeatures,
    ...(unsupported.length > 0 ? { unsupported } : {}),
  };
  return { ir, diagnostics };
}

function compileDefinition(
  node: DefinitionNode,
  partials: ReadonlyMap<string, PartialNode>,
  diagnostics: Diagnostic[],
): Definition {
  const members: Member[] = [];
  const expand = (list: readonly MemberNode[], seen: ReadonlySet<string>): void => {
    for (const member of list) {
      switch (member.kind) {
        case "Relation":
        case "Permission":
          members.push(compileMember(member, diagnostics));
          break;
        case "PartialReference": {
          const partial = partials.get(member.name.value);
          if (!partial) {
            diagnostics.push(
              error("undefined-partial", `partial "${member.name.value}" is not defined`, member.name.loc),
            );
          } else if (seen.has(partial.name.value)) {
            diagnostics.push(
              error("recursive-partial", `partial "${partial.name.value}" includes itself`, member.name.loc),
            );
          } else {
            expand(partial.members, new Set([...seen, partial.name.value]));
          }
          break;
        }
        default:
          unreachable(member, "member");
      }
    }
  };
  expand(node.members, new Set());
  return {
    name: node.name.value,
    members,
    ...(node.doc !== undefined ? { doc: node.doc } : {}),
    loc: node.loc,
  };
}

function compileMember(
  member: MemberNode & { kind: "Relation" | "Permission" },
  diagnostics: Diagnostic[],
): Member {
  const doc = {
    ...(member.doc !== undefined ? { doc: member.doc } : {}),
    ...(member.ignoredWarnings.length > 0 ? { ignoredWarnings: member.ignoredWarnings } : {}),
  };
  if (member.kind === "Relation") {
    return {
      kind: "relation",
      name: member.name.value,
      types: member.types.map(compileTypeReference),
      rewrite: { kind: "this", loc: member.loc },
      ...doc,
      loc: member.loc,
    };
  }
  return {
    kind: "permission",
    name: member.name.value,
    types: [],
    rewrite: compileExpression(member.expression, diagnostics),
    ...doc,
    loc: member.loc,
  };
}

function compileTypeReference(node: TypeReferenceNode): AllowedSubject {
  // `group#...` is the group itself, exactly like `group`.
  const relation = node.relation && node.relation.value !== "..." ? node.relation.value : undefined;
  return {
    type: node.type.value,
    ...(relation !== undefined ? { relation } : {}),
    wildcard: node.wildcard,
    ...(node.caveat ? { caveat: node.caveat.value } : {}),
    expiration: node.expiration,
    loc: node.loc,
  };
}

/** Expression → Rewrite, flattening nested unions and intersections. */
export function compileExpression(node: ExpressionNode, diagnostics: Diagnostic[]): Rewrite {
  switch (node.kind) {
    case "Identifier":
      return { kind: "computed", relation: node.name, loc: node.loc };
    case "Nil":
      return { kind: "nil", loc: node.loc };
    case "Self":
      return { kind: "self", loc: node.loc };
    case "ErrorExpression":
      return { kind: "nil", loc: node.loc };
    case "Arrow": {
      if (node.chain.length > 0) {
        const text = [node.left.name, node.right.name, ...node.chain.map((c) => c.name)].join("->");
        diagnostics.push(
          error(
            "nested-arrow",
            `nested arrows are not supported: "${text}"; point the arrow at a permission that does the next step`,
            node.loc,
          ),
        );
      }
      return {
        kind: "arrow",
        tupleset: node.left.name,
        computed: node.right.name,
        mode: node.fn === "all" ? "all" : "any",
        loc: node.loc,
      };
    }
    case "Binary": {
      const left = compileExpression(node.left, diagnostics);
      const right = compileExpression(node.right, diagnostics);
      switch (node.operator) {
        case "+":
          return {
            kind: "union",
            children: [...flatten(left, "union"), ...flatten(right, "union")],
            loc: node.loc,
          };
        case "&":
          return {
            kind: "intersection",
            children: [...flatten(left, "intersection"), ...flatten(right, "intersection")],
            loc: node.loc,
          };
        case "-":
          return { kind: "exclusion", base: left, subtract: right, loc: node.loc };
        default:
          return unreachable(node.operator, "operator");
      }
    }
    default:
      return unreachable(node, "expression");
  }
}

function flatten(rewrite: Rewrite, kind: "union" | "intersection"): readonly Rewrite[] {
  return rewrite.kind === kind ? rewrite.children : [rewrite];
}

function compileCaveat(node: CaveatNode): Caveat {
  return {
    name: node.name.value,
    parameters: node.parameters.map((p) => ({ name: p.name.value, type: p.type, loc: p.loc })),
    expression: node.expression,
    ...(node.doc !== undefined ? { doc: node.doc } : {}),
    loc: node.loc,
  };
}
