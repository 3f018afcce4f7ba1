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

/**
 * Expression → Rewrite, flattening nested unions and intersections. Iterative (a post-order walk on
 * an explicit stack), so a chain of thousands of operators cannot overflow the JS stack; how deep
 * the result nests is typesystem/validate.ts's concern (`nesting-too-deep`).
 */
export function compileExpression(root: ExpressionNode, diagnostics: Diagnostic[]): Rewrite {
  // Each Binary node is visited twice: first to push its operands, then to combine their results.
  const work: { readonly node: ExpressionNode; readonly combine: boolean }[] = [
    { node: root, combine: false },
  ];
  const done: Rewrite[] = [];
  while (work.length > 0) {
    const { node, combine } = work.pop()!;
    if (node.kind !== "Binary") {
      done.push(compileLeaf(node, diagnostics));
      continue;
    }
    if (!combine) {
      work.push(
        { node, combine: true },
        { node: node.right, combine: false },
        { node: node.left, combine: false },
      );
      continue;
    }
    const right = done.pop()!;
    const left = done.pop()!;
    switch (node.operator) {
      case "+":
        done.push({ kind: "union", children: joined(left, right, "union"), loc: node.loc });
        break;
      case "&":
        done.push({ kind: "intersection", children: joined(left, right, "intersection"), loc: node.loc });
        break;
      case "-":
        done.push({ kind: "exclusion", base: left, subtract: right, loc: node.loc });
        break;
      default:
        unreachable(node.operator, "operator");
    }
  }
  return done[0]!;
}

/** An expression without operands of its own → its rewrite. */
function compileLeaf(node: Exclude<ExpressionNode, { kind: "Binary" }>, diagnostics: Diagnostic[]): Rewrite {
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
    default:
      return unreachable(node, "expression");
  }
}

/**
 * The children of `left kind right`, flattened. A left operand of the same kind was built by this
 * compile and is used by nothing else, so its array is extended in place: a chain of n operators
 * costs O(n), not O(n²).
 */
function joined(left: Rewrite, right: Rewrite, kind: "union" | "intersection"): readonly Rewrite[] {
  const children: Rewrite[] = left.kind === kind ? (left.children as Rewrite[]) : [left];
  if (right.kind === kind) for (const c of right.children) children.push(c);
  else children.push(right);
  return children;
}

function compileCaveat(node: CaveatNode): Caveat {
  return {
    name: node.name.value,
    parameters: node.parameters.map((p) => ({ name: p.name.value, type: p.type, loc: p.loc })),
    expression: node.expression,
    expressionStart: node.expressionStart,
    ...(node.doc !== undefined ? { doc: node.doc } : {}),
    loc: node.loc,
  };
}
