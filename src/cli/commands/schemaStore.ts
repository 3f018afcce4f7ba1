/**
 * `relgraph schema read|write|diff`: a store's schema, on the configured Neo4j or a server.
 *
 *   read [--json]        the stored text on stdout (exit 2 with NOT_FOUND when there is none)
 *   write FILE           compiles and stores FILE (.zed or .fga); prints the token, warnings on
 *                        stderr; INVALID_SCHEMA lists each diagnostic as `file:line:col: …` (exit 2)
 *   diff FILE [--json]   what writing FILE would change: definitions added (+), removed (-) and
 *                        changed (~, with the members added, removed and changed), and which stored
 *                        relationships block the change, with counts. Exit 0 when it can be
 *                        written, 1 when stored relationships block it, 2 on error.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ErrorCode, isRelgraphError, RelgraphError } from "../../errors.ts";
import type { RelgraphService, SchemaFile } from "../../coordinator/service.ts";
import { subjectSignature, type SubjectSignature } from "../../store/schemaCheck.ts";
import {
  narrowedOffenders,
  schemaImpact,
  type Offender,
  type SignatureCount,
} from "../../store/schemaDiff.ts";
import { formatDiagnostic, hasErrors, type Diagnostic } from "../../typesystem/diagnostic.ts";
import type { Definition, Member, SchemaIR } from "../../typesystem/ir.ts";
import { parseArgsWithJson, usageError, type RemoteArgs } from "../args.ts";
import { info, type CliIO } from "../io.ts";
import { runServiceCommand, type ServiceCommandSpec } from "../serviceCommand.ts";
import type { ServiceOpener } from "../validation/backend.ts";
import { compileSchemaFile, formatOfFile } from "../schemaFiles.ts";

export const SCHEMA_STORE_USAGE =
  "       relgraph schema read [--store S] [--json]\n" +
  "       relgraph schema write FILE [--store S]\n" +
  "       relgraph schema diff FILE [--store S] [--json]   exit 0 writable, 1 blocked by stored relationships\n";

const EXIT_BLOCKED = 1;
/** Counting blocking relationships stops here ("at least"): a diff must not read a whole store. */
const COUNT_LIMIT = 100_000;
const PAGE = 1000;

interface Options {
  readonly remote: RemoteArgs;
  readonly store: string;
  readonly action: "read" | "write" | "diff";
  readonly file?: string;
  readonly json: boolean;
}

function parse(action: Options["action"], argv: readonly string[]): Options | undefined {
  const common = parseArgsWithJson(argv);
  if (common === undefined) return undefined;
  const { json } = common;
  const [file, ...extra] = common.positional;
  if (action === "read") {
    if (file !== undefined) throw usageError(`unexpected argument ${JSON.stringify(file)}`);
    return { remote: common.remote, store: common.store, action, json };
  }
  if (file === undefined) throw usageError(`schema ${action} needs a FILE (.zed or .fga)`);
  if (extra.length > 0) throw usageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  if (formatOfFile(file) === undefined) throw usageError(`${file}: expected a .zed or .fga file`);
  return { remote: common.remote, store: common.store, action, file, json };
}

async function readSchemaFile(
  file: string,
  io: CliIO,
): Promise<{ text: string; ir: SchemaIR; format: "ZED" | "OPENFGA"; files: SchemaFile[] }> {
  const dialect = formatOfFile(file)!;
  const text = await readFile(resolve(io.cwd, file), "utf8").catch((e: NodeJS.ErrnoException) => {
    throw usageError(`${file}: cannot read the file (${e.code ?? e.message})`);
  });
  const { ir, diagnostics, files } = compileSchemaFile(text, file, io.cwd, dialect);
  if (ir === undefined || hasErrors(diagnostics))
    throw new RelgraphError(ErrorCode.INVALID_SCHEMA, `${file} does not compile`, { diagnostics });
  // The server resolves the imports again, from the files sent with the schema.
  return {
    text,
    ir,
    format: dialect === "zed" ? "ZED" : "OPENFGA",
    files,
  };
}

function printDiagnostics(e: unknown, file: string, io: CliIO): void {
  if (!isRelgraphError(e) || e.code !== ErrorCode.INVALID_SCHEMA) return;
  const diagnostics = (e.details as { diagnostics?: Diagnostic[] } | undefined)?.diagnostics ?? [];
  for (const d of diagnostics) io.stderr(`${formatDiagnostic(d, file)}\n`);
}

// ---- diff ---------------------------------------------------------------------------------------

/** A member's identity for comparison: everything but where it was written. */
const canonical = (m: Member | Definition): string =>
  JSON.stringify(m, (k, v: unknown) => (k === "loc" || k === "doc" ? undefined : v));

interface DefinitionDiff {
  readonly name: string;
  readonly change: "added" | "removed" | "changed";
  readonly members: readonly { name: string; kind: string; change: "added" | "removed" | "changed" }[];
}

function definitionDiffs(before: SchemaIR | undefined, after: SchemaIR): DefinitionDiff[] {
  const old = new Map((before?.definitions ?? []).map((d) => [d.name, d]));
  const now = new Map(after.definitions.map((d) => [d.name, d]));
  const out: DefinitionDiff[] = [];
  for (const [name, d] of now) {
    const prev = old.get(name);
    if (prev === undefined) out.push({ name, change: "added", members: [] });
    else if (canonical(prev) !== canonical(d)) {
      const pm = new Map(prev.members.map((m) => [m.name, m]));
      const nm = new Map(d.members.map((m) => [m.name, m]));
      const members: DefinitionDiff["members"][number][] = [];
      for (const [n, m] of nm) {
        const p = pm.get(n);
        if (p === undefined) members.push({ name: n, kind: m.kind, change: "added" });
        else if (canonical(p) !== canonical(m)) members.push({ name: n, kind: m.kind, change: "changed" });
      }
      for (const [n, m] of pm) if (!nm.has(n)) members.push({ name: n, kind: m.kind, change: "removed" });
      members.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      out.push({ name, change: "changed", members });
    }
  }
  for (const name of old.keys()) if (!now.has(name)) out.push({ name, change: "removed", members: [] });
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Relationships of `type#relation`, `visit`-ed page by page up to COUNT_LIMIT; whether it stopped. */
async function walkRelation(
  service: RelgraphService,
  store: string,
  type: string,
  relation: string,
  visit: (s: SubjectSignature) => void,
): Promise<boolean> {
  let after: string | undefined;
  let seen = 0;
  for (;;) {
    const page = await service.relationships(
      store,
      { resourceType: type, relation },
      { first: PAGE, ...(after !== undefined ? { after } : { consistency: { kind: "fullyConsistent" } }) },
    );
    for (const t of page.tuples) visit(subjectSignature(t));
    seen += page.tuples.length;
    if (!page.hasNextPage || page.endCursor === undefined) return false;
    if (seen >= COUNT_LIMIT) return true;
    after = page.endCursor;
  }
}

async function blockers(
  service: RelgraphService,
  store: string,
  before: SchemaIR | undefined,
  after: SchemaIR,
): Promise<{ offenders: Offender[]; atLeast: boolean }> {
  const impact = schemaImpact(before, after);
  const offenders: Offender[] = [];
  let atLeast = false;
  for (const r of impact.removed) {
    let count = 0;
    atLeast = (await walkRelation(service, store, r.type, r.relation, () => count++)) || atLeast;
    if (count > 0) offenders.push({ type: r.type, relation: r.relation, reason: r.reason, count });
  }
  for (const n of impact.narrowed) {
    const bySignature = new Map<string, SignatureCount>();
    atLeast =
      (await walkRelation(service, store, n.type, n.relation, (s) => {
        const key = JSON.stringify(s);
        const c = bySignature.get(key);
        bySignature.set(key, { signature: s, count: (c?.count ?? 0) + 1 });
      })) || atLeast;
    offenders.push(...narrowedOffenders(n, [...bySignature.values()]));
  }
  return { offenders, atLeast };
}

function printDiff(
  store: string,
  diffs: readonly DefinitionDiff[],
  offenders: readonly Offender[],
  atLeast: boolean,
  io: CliIO,
): void {
  if (diffs.length === 0) io.stdout(`no change to the schema of store "${store}"\n`);
  const sign = { added: "+", removed: "-", changed: "~" } as const;
  const blocking = (type: string, relation?: string) =>
    offenders.filter((o) => o.type === type && (relation === undefined || o.relation === relation));
  const note = (os: readonly Offender[]) =>
    os.length === 0
      ? ""
      : ` — blocked by ${os.reduce((n, o) => n + o.count, 0)}${atLeast ? "+" : ""} stored relationships (${os
          .map((o) => `${o.type}#${o.relation}: ${o.reason}: ${o.count}`)
          .join("; ")})`;
  for (const d of diffs) {
    io.stdout(
      `${sign[d.change]} definition ${d.name}${d.change === "removed" ? note(blocking(d.name)) : ""}\n`,
    );
    for (const m of d.members)
      io.stdout(`    ${sign[m.change]} ${m.kind} ${m.name}${note(blocking(d.name, m.name))}\n`);
  }
  const total = offenders.reduce((n, o) => n + o.count, 0);
  io.stdout(
    total === 0
      ? "the change can be written\n"
      : `the change is blocked: ${total}${atLeast ? " or more" : ""} stored relationships would no longer fit\n`,
  );
}

// ---- the command -------------------------------------------------------------------------------

function spec(action: Options["action"]): ServiceCommandSpec<Options> {
  return {
    name: `schema ${action}`,
    usage: `usage: relgraph schema ${action} ...\n${SCHEMA_STORE_USAGE}`,
    parse: (argv) => parse(action, argv),
    async run(service, o, io) {
      switch (o.action) {
        case "read": {
          const s = await service.readSchema(o.store);
          if (s === undefined)
            throw new RelgraphError(ErrorCode.NOT_FOUND, `store "${o.store}" has no schema yet`);
          io.stdout(
            o.json
              ? `${JSON.stringify({ text: s.text, format: s.format, schemaRevision: s.schemaRevision })}\n`
              : s.text.endsWith("\n")
                ? s.text
                : `${s.text}\n`,
          );
          return 0;
        }
        case "write": {
          const file = o.file!;
          try {
            const { text, format, files } = await readSchemaFile(file, io);
            const out = await service.writeSchema(o.store, text, format, files);
            for (const w of out.warnings) io.stderr(`${formatDiagnostic(w, file)}\n`);
            if (o.json) io.stdout(`${JSON.stringify({ token: out.token })}\n`);
            else info(io, `token: ${out.token}\n`);
            return 0;
          } catch (e) {
            printDiagnostics(e, file, io);
            throw e;
          }
        }
        case "diff": {
          const file = o.file!;
          let next: SchemaIR;
          try {
            next = (await readSchemaFile(file, io)).ir;
          } catch (e) {
            printDiagnostics(e, file, io);
            throw e;
          }
          const stored = await service.readSchema(o.store);
          const diffs = definitionDiffs(stored?.ir, next);
          const { offenders, atLeast } = await blockers(service, o.store, stored?.ir, next);
          if (o.json)
            io.stdout(
              `${JSON.stringify({ store: o.store, definitions: diffs, blockedBy: offenders, countsAreLowerBounds: atLeast })}\n`,
            );
          else printDiff(o.store, diffs, offenders, atLeast, io);
          return offenders.length > 0 ? EXIT_BLOCKED : 0;
        }
        default:
          return o.action satisfies never;
      }
    },
  };
}

export function runSchemaStore(
  action: Options["action"],
  argv: readonly string[],
  io: CliIO,
  open?: ServiceOpener,
): Promise<number> {
  return runServiceCommand(spec(action), argv, io, open);
}
