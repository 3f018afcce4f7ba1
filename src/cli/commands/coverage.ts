/**
 * `relgraph coverage FILE... [--json]`: which parts of a schema a set of validation files exercises.
 *
 * Every assertion of every file (SpiceDB validation YAML: schema, relationships, assertions) is
 * checked with its proof on an in-memory backend. A relation or permission is *exercised* when some
 * proof evaluates it; a rewrite branch (each operand of a union, intersection or exclusion, each
 * arrow and computed userset, at any depth) *decided* an answer when it is in some proof: for a
 * grant the branches that granted, for a denial the branches that were tried and denied. Branches
 * that never decided anything are what the tests do not pin down: a change there goes unnoticed.
 * (No peer reports branch coverage.)
 *
 * Exit 0, or 2 when a file cannot be loaded or its schema does not compile.
 */
import { usageError } from "../args.ts";
import { reportCommandError } from "../args.ts";
import type { RelgraphService } from "../../coordinator/service.ts";
import { printRewrite } from "../../language/printer.ts";
import { operandsOf, type Rewrite, type SchemaIR } from "../../typesystem/ir.ts";
import type { CliCommand, CliIO } from "../io.ts";
import { loadValidationFile, type ZedValidationFile } from "../validation/loader.ts";
import { openService, type ServiceOpener } from "../validation/backend.ts";

const USAGE =
  "usage: relgraph coverage FILE... [--json]\n" +
  "  which relations, permissions and rewrite branches the validation files' assertions exercise\n";

interface Branch {
  /** `document#view` */
  readonly member: string;
  /** Operand positions from the permission's rewrite, e.g. `.2` or `.0.1`; "" for the whole rewrite. */
  readonly path: string;
  /** The operand as written, e.g. `parent->view`. */
  readonly text: string;
}

export interface CoverageReport {
  readonly files: number;
  readonly assertions: number;
  readonly members: {
    readonly total: number;
    readonly exercised: number;
    readonly missed: readonly string[];
  };
  readonly branches: {
    readonly total: number;
    readonly decided: number;
    readonly missed: readonly Branch[];
  };
}

/** The operands of a rewrite, with the positions the proof's node ids use (engine/explain.ts). */
function operands(rewrite: Rewrite, path: string, out: { path: string; rewrite: Rewrite }[]): void {
  const stack: { rewrite: Rewrite; path: string }[] = [{ rewrite, path }];
  while (stack.length > 0) {
    const { rewrite: r, path: p } = stack.pop()!;
    out.push({ path: p, rewrite: r });
    operandsOf(r).forEach((c, i) => stack.push({ rewrite: c, path: `${p}.${i}` }));
  }
}

/** Every member and every operand of every permission of a schema. */
function schemaParts(ir: SchemaIR): { members: string[]; branches: Branch[] } {
  const members: string[] = [];
  const branches: Branch[] = [];
  for (const def of ir.definitions)
    for (const m of def.members) {
      if (m.kind !== "relation" && m.kind !== "permission") continue;
      const member = `${def.name}#${m.name}`;
      members.push(member);
      if (m.kind !== "permission") continue;
      const found: { path: string; rewrite: Rewrite }[] = [];
      operands(m.rewrite, "", found);
      // The whole rewrite is the member itself; its operands are the branches.
      for (const o of found)
        if (o.path !== "") branches.push({ member, path: o.path, text: printRewrite(o.rewrite) });
    }
  branches.sort((a, b) =>
    a.member === b.member ? (a.path < b.path ? -1 : 1) : a.member < b.member ? -1 : 1,
  );
  return { members, branches };
}

/** `document:readme#view.2.0` → member `document#view`, path `.2.0`. */
function parseNodeId(id: string): { member: string; path: string } | undefined {
  const hash = id.lastIndexOf("#");
  const colon = id.indexOf(":");
  if (hash < 0 || colon < 0 || colon > hash) return undefined;
  const rest = id.slice(hash + 1);
  const dot = rest.indexOf(".");
  const name = dot < 0 ? rest : rest.slice(0, dot);
  return { member: `${id.slice(0, colon)}#${name}`, path: dot < 0 ? "" : rest.slice(dot) };
}

async function coverFile(
  service: RelgraphService,
  file: ZedValidationFile,
  store: string,
  seen: { members: Set<string>; branches: Set<string> },
): Promise<{ ir: SchemaIR; assertions: number }> {
  await service.createStore(store);
  try {
    await service.writeSchema(store, file.schema, "ZED", file.schemaFiles);
    const ir = (await service.readSchema(store))!.ir;
    for (let i = 0; i < file.relationships.length; i += 1000)
      await service.writeRelationships(
        store,
        file.relationships.slice(i, i + 1000).map((tuple) => ({ operation: "TOUCH", tuple })),
      );
    for (const a of file.assertions) {
      const out = await service.check(
        store,
        {
          resource: { type: a.tuple.resourceType, id: a.tuple.resourceId },
          permission: a.tuple.relation,
          subject: { type: a.tuple.subjectType, id: a.tuple.subjectId, relation: a.tuple.subjectRelation },
        },
        { kind: "fullyConsistent" },
        { explain: true },
      );
      for (const n of out.explanation?.nodes ?? []) {
        const parsed = parseNodeId(n.id);
        if (parsed === undefined) continue;
        seen.members.add(parsed.member);
        // An arrow reads its tupleset relation: that relation is exercised too.
        if (n.kind === "ARROW") {
          const tupleset = n.relation.split("->")[0]!.replace(/\.all$/, "");
          seen.members.add(`${n.resource.type}#${tupleset}`);
        }
        if (parsed.path !== "") seen.branches.add(`${parsed.member}${parsed.path}`);
      }
    }
    return { ir, assertions: file.assertions.length };
  } finally {
    await service.deleteStore(store).catch(() => undefined);
  }
}

export async function runCoverage(
  argv: readonly string[],
  io: CliIO,
  open: ServiceOpener = openService,
): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    io.stdout(USAGE);
    return 0;
  }
  const json = argv.includes("--json");
  const unknown = argv.find((a) => a.startsWith("-") && a !== "--json");
  const files = argv.filter((a) => !a.startsWith("-"));
  if (unknown !== undefined || files.length === 0) {
    const code = reportCommandError(
      io,
      "coverage",
      usageError(unknown !== undefined ? `unknown option ${unknown}` : "expected at least one FILE"),
    );
    io.stderr(USAGE);
    return code;
  }
  let service: RelgraphService | undefined;
  try {
    service = await open("memory", io.env);
    const seen = { members: new Set<string>(), branches: new Set<string>() };
    const members = new Set<string>();
    const branches = new Map<string, Branch>();
    let assertions = 0;
    for (const [i, path] of files.entries()) {
      const loaded = await loadValidationFile(path, io.cwd);
      if (!loaded.ok) throw usageError(`${path}: ${loaded.error}`);
      const { ir, assertions: n } = await coverFile(service, loaded.file, `coverage-${i}`, seen);
      assertions += n;
      const parts = schemaParts(ir);
      for (const m of parts.members) members.add(m);
      for (const b of parts.branches) branches.set(`${b.member}${b.path}`, b);
    }
    const missedMembers = [...members].filter((m) => !seen.members.has(m)).sort();
    const missedBranches = [...branches.entries()].filter(([k]) => !seen.branches.has(k)).map(([, b]) => b);
    const report: CoverageReport = {
      files: files.length,
      assertions,
      members: { total: members.size, exercised: members.size - missedMembers.length, missed: missedMembers },
      branches: {
        total: branches.size,
        decided: branches.size - missedBranches.length,
        missed: missedBranches,
      },
    };
    if (json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    else io.stdout(formatReport(report));
    return 0;
  } catch (e) {
    return reportCommandError(io, "coverage", e);
  } finally {
    await service?.close().catch(() => undefined);
  }
}

const percent = (n: number, total: number): string =>
  total === 0 ? "—" : `${Math.floor((100 * n) / total)} %`;

function formatReport(r: CoverageReport): string {
  let text =
    `${r.files} file${r.files === 1 ? "" : "s"}, ${r.assertions} assertions\n` +
    `relations and permissions exercised: ${r.members.exercised}/${r.members.total} (${percent(r.members.exercised, r.members.total)})\n` +
    `rewrite branches that decided an answer: ${r.branches.decided}/${r.branches.total} (${percent(r.branches.decided, r.branches.total)})\n`;
  if (r.members.missed.length > 0)
    text += `\nnever exercised:\n${r.members.missed.map((m) => `  ${m}\n`).join("")}`;
  if (r.branches.missed.length > 0)
    text += `\nbranches that never decided an answer:\n${r.branches.missed
      .map((b) => `  ${b.member}  operand ${b.path.slice(1)}: ${b.text}\n`)
      .join("")}`;
  return text;
}

export const coverageCommand: CliCommand = (argv, io) => runCoverage(argv, io);
