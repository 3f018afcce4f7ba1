/**
 * OpenFGA store test files (`fga model test`, `.fga.yaml`), loaded and run with OpenFGA's
 * semantics (the model is imported as an OpenFGA-origin schema):
 *
 *   name: optional
 *   model: |                        # or model_file: ./model.fga
 *     model
 *       schema 1.1
 *     type user
 *     type document
 *       relations
 *         define viewer: [user, user:*]
 *   tuples:                         # and/or tuple_file: ./tuples.yaml, tuple_files: [a.yaml, b.json, c.csv]
 *     - user: user:anne
 *       relation: viewer
 *       object: document:1
 *   tests:
 *     - name: viewers
 *       tuples: [...]               # this test's own tuples, added to the file's
 *       check:
 *         - user: user:anne         # or users: [...]
 *           object: document:1      # or objects: [...]
 *           assertions: { viewer: true }
 *       list_objects:
 *         - user: user:anne
 *           type: document
 *           assertions: { viewer: [document:1] }
 *       list_users:
 *         - object: document:1
 *           user_filter: [{ type: user }]          # one filter; `relation` for usersets
 *           assertions: { viewer: { users: [user:anne, user:*] } }
 *
 * Each test runs on a fresh temporary store holding the model, the file's tuples and the test's
 * own. Assertions are reported as `check <user> <relation> <object>` (one per user × object ×
 * relation), `list_objects <user> <relation> <type>` and `list_users <object> <relation>
 * <type[#relation]>` (one per relation); a failure's reason is `expected true, got false` or
 * `expected [a, b], got [a]` (lists sorted), or the error the service reported.
 */
import { readFile } from "node:fs/promises";
import { extname, isAbsolute, relative, resolve, sep } from "node:path";
import { parse as parseYaml } from "yaml";
import { isRelgraphError } from "../../errors.ts";
import {
  formatObjectRef,
  formatSubjectRef,
  isValidRelationName,
  isValidTypeName,
  parseObjectRef,
  parseSubjectRef,
  parseTuple,
  type ObjectRef,
  type SubjectRef,
  type Tuple,
} from "../../model/tuple.ts";
import type { Consistency, RelgraphService } from "../../coordinator/service.ts";
import type { RelationshipUpdate } from "../../store/interface.ts";

export interface FgaCheck {
  readonly users: readonly SubjectRef[];
  readonly objects: readonly ObjectRef[];
  readonly assertions: readonly (readonly [relation: string, expected: boolean])[];
  /** The request's condition context (absent: none). */
  readonly context?: Readonly<Record<string, unknown>>;
}
export interface FgaListObjects {
  readonly user: SubjectRef;
  readonly type: string;
  readonly assertions: readonly (readonly [relation: string, expected: readonly string[]])[];
  /** The request's condition context (absent: none). */
  readonly context?: Readonly<Record<string, unknown>>;
}
export interface FgaListUsers {
  readonly object: ObjectRef;
  readonly filter: { readonly type: string; readonly relation: string };
  readonly assertions: readonly (readonly [relation: string, expected: readonly string[]])[];
  /** The request's condition context (absent: none). */
  readonly context?: Readonly<Record<string, unknown>>;
}
export interface FgaTest {
  readonly name: string;
  readonly tuples: readonly Tuple[];
  readonly checks: readonly FgaCheck[];
  readonly listObjects: readonly FgaListObjects[];
  readonly listUsers: readonly FgaListUsers[];
}
export interface FgaTestFile {
  readonly format: "openfga";
  readonly model: string;
  readonly tuples: readonly Tuple[];
  readonly tests: readonly FgaTest[];
}

/** A load failure with a message for the user (never a bug). */
export class FgaLoadError extends Error {}

function fail(message: string): never {
  throw new FgaLoadError(message);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const FILE_KEYS = [
  "name",
  "description",
  "model",
  "model_file",
  "tuples",
  "tuple_file",
  "tuple_files",
  "tests",
];
const TEST_KEYS = [
  "name",
  "description",
  "tuples",
  "tuple_file",
  "tuple_files",
  "check",
  "list_objects",
  "list_users",
];

function onlyKeys(value: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(value))
    if (!allowed.includes(key))
      fail(`${where}: unexpected key \`${key}\` (expected ${allowed.map((k) => `\`${k}\``).join(", ")})`);
}

/** A path named by the file, which must lie under the file's directory (as for zed's schemaFile). */
async function readLocal(
  baseDir: string,
  file: unknown,
  what: string,
): Promise<{ text: string; path: string }> {
  if (typeof file !== "string" || file === "") fail(`\`${what}\` must be a path`);
  const target = resolve(baseDir, file);
  const rel = relative(baseDir, target);
  if (isAbsolute(file) || rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel))
    fail(`${what} "${file}" is not local to the test file's directory`);
  try {
    return { text: await readFile(target, "utf8"), path: target };
  } catch (e) {
    fail(`cannot read ${what} "${file}": ${errorText(e)}`);
  }
}

/** Parses a `.fga.yaml` document (already YAML-parsed); `baseDir` resolves the file references. */
export async function parseFgaTestFile(doc: Record<string, unknown>, baseDir: string): Promise<FgaTestFile> {
  onlyKeys(doc, FILE_KEYS, "OpenFGA test file");
  const inline = doc["model"];
  const file = doc["model_file"];
  const hasInline = inline !== undefined && inline !== null && inline !== "";
  const hasFile = file !== undefined && file !== null && file !== "";
  if (hasInline && hasFile) fail("only one of model or model_file can be specified");
  if (!hasInline && !hasFile) fail("an OpenFGA test file needs `model` or `model_file`");
  let model: string;
  if (hasFile) model = (await readLocal(baseDir, file, "model_file")).text;
  else if (typeof inline !== "string") fail("`model` must be a string (use a `|` block)");
  else model = inline;
  const tuples = await tupleSources(doc, baseDir, "");
  const testsValue = doc["tests"];
  if (testsValue !== undefined && testsValue !== null && !Array.isArray(testsValue))
    fail("`tests` must be a list");
  const tests: FgaTest[] = [];
  for (const [i, t] of ((testsValue as unknown[] | null | undefined) ?? []).entries())
    tests.push(await parseTest(t, i, baseDir));
  return { format: "openfga", model, tuples, tests };
}

async function tupleSources(doc: Record<string, unknown>, baseDir: string, where: string): Promise<Tuple[]> {
  const out = parseTupleList(doc["tuples"], `${where}tuples`);
  const single = doc["tuple_file"];
  const many = doc["tuple_files"];
  const files: unknown[] = [];
  if (single !== undefined && single !== null) files.push(single);
  if (many !== undefined && many !== null) {
    if (!Array.isArray(many)) fail(`\`${where}tuple_files\` must be a list of paths`);
    files.push(...(many as unknown[]));
  }
  for (const f of files) {
    const { text, path } = await readLocal(baseDir, f, `${where}tuple file`);
    out.push(...parseTupleFile(text, path, String(f)));
  }
  return out;
}

function parseTupleFile(text: string, path: string, name: string): Tuple[] {
  const ext = extname(path).toLowerCase();
  if (ext === ".csv") return parseCsvTuples(text, name);
  let value: unknown;
  try {
    value = ext === ".json" ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    fail(`tuple file "${name}": ${errorText(e)}`);
  }
  return parseTupleList(value, `tuple file "${name}"`);
}

/** `user_type,user_id,user_relation,relation,object_type,object_id[,condition_name,condition_context]`. */
function parseCsvTuples(text: string, name: string): Tuple[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const header = (lines.shift() ?? "").split(",").map((h) => h.trim());
  const col = (h: string): number => header.indexOf(h);
  for (const h of ["user_type", "user_id", "relation", "object_type", "object_id"])
    if (col(h) < 0) fail(`tuple file "${name}": missing column \`${h}\``);
  return lines.map((line, i) => {
    const cells = line.split(",").map((c) => c.trim());
    const cell = (h: string): string => (col(h) < 0 ? "" : (cells[col(h)] ?? ""));
    const userRel = cell("user_relation");
    const conditionName = cell("condition_name");
    // The context is JSON with commas of its own: the rest of the line, CSV-unquoted.
    const at = col("condition_context");
    let context: unknown;
    if (conditionName !== "" && at >= 0 && cells.length > at) {
      let raw = cells.slice(at).join(",").trim();
      if (raw.startsWith('"') && raw.endsWith('"')) raw = raw.slice(1, -1).replace(/""/g, '"');
      try {
        context = raw === "" ? undefined : JSON.parse(raw);
      } catch (e) {
        fail(`tuple file "${name}" line ${i + 2}: condition_context: ${errorText(e)}`);
      }
    }
    return toTuple(
      {
        user: `${cell("user_type")}:${cell("user_id")}${userRel ? `#${userRel}` : ""}`,
        relation: cell("relation"),
        object: `${cell("object_type")}:${cell("object_id")}`,
        ...(conditionName !== ""
          ? { condition: { name: conditionName, ...(context !== undefined ? { context } : {}) } }
          : {}),
      },
      `tuple file "${name}" line ${i + 2}`,
    );
  });
}

function parseTupleList(value: unknown, where: string): Tuple[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail(`\`${where}\` must be a list of {user, relation, object}`);
  return value.map((t, i) => toTuple(t, `${where}[${i}]`));
}

function toTuple(t: unknown, where: string): Tuple {
  if (!isRecord(t)) fail(`${where}: expected {user, relation, object}`);
  onlyKeys(t, ["user", "relation", "object", "condition"], where);
  const { user, relation, object } = t;
  if (typeof user !== "string" || typeof relation !== "string" || typeof object !== "string")
    fail(`${where}: user, relation and object must be strings`);
  let caveat: Tuple["caveat"];
  const condition = t["condition"];
  if (condition !== undefined && condition !== null) {
    if (!isRecord(condition) || typeof condition["name"] !== "string")
      fail(`${where}.condition: expected {name, context?}`);
    onlyKeys(condition, ["name", "context"], `${where}.condition`);
    const context = condition["context"] ?? {};
    if (!isRecord(context)) fail(`${where}.condition.context must be a mapping`);
    caveat = { name: condition["name"], context };
  }
  try {
    const tuple = parseTuple(`${object}#${relation}@${user}`, "openfga");
    return caveat !== undefined ? { ...tuple, caveat } : tuple;
  } catch (e) {
    fail(`${where}: ${isRelgraphError(e) ? e.message : errorText(e)}`);
  }
}

function list<T>(value: unknown, where: string, item: (v: unknown, where: string) => T): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail(`${where} must be a list`);
  return value.map((v, i) => item(v, `${where}[${i}]`));
}

function str(value: unknown, where: string): string {
  if (typeof value !== "string" || value === "") fail(`${where} must be a string`);
  return value;
}

function subject(value: unknown, where: string): SubjectRef {
  try {
    return parseSubjectRef(str(value, where), "openfga", where);
  } catch (e) {
    if (e instanceof FgaLoadError) throw e;
    fail(isRelgraphError(e) ? e.message : errorText(e));
  }
}

function object(value: unknown, where: string): ObjectRef {
  try {
    return parseObjectRef(str(value, where), "openfga", where);
  } catch (e) {
    if (e instanceof FgaLoadError) throw e;
    fail(isRelgraphError(e) ? e.message : errorText(e));
  }
}

/** `user`/`users` (or `object`/`objects`): exactly one of the two. */
function oneOrMany<T>(
  item: Record<string, unknown>,
  one: string,
  many: string,
  where: string,
  parse: (v: unknown, where: string) => T,
): T[] {
  const a = item[one];
  const b = item[many];
  if ((a === undefined || a === null) === (b === undefined || b === null))
    fail(`${where}: exactly one of \`${one}\` or \`${many}\` is required`);
  if (a !== undefined && a !== null) return [parse(a, `${where}.${one}`)];
  const values = list(b, `${where}.${many}`, parse);
  if (values.length === 0) fail(`${where}.${many} is empty`);
  return values;
}

function assertionsOf<T>(
  value: unknown,
  where: string,
  parse: (v: unknown, where: string) => T,
): (readonly [string, T])[] {
  if (!isRecord(value)) fail(`${where}.assertions must be a mapping from relation to expectation`);
  return Object.entries(value).map(([relation, v]) => {
    if (!isValidRelationName(relation, "openfga"))
      fail(`${where}.assertions: invalid relation \`${relation}\``);
    return [relation, parse(v, `${where}.assertions.${relation}`)] as const;
  });
}

/** An item's `context` (a mapping), as a property to spread: `{context}` or nothing. */
function contextOf(item: Record<string, unknown>, where: string): { context?: Record<string, unknown> } {
  const c = item["context"];
  if (c === undefined || c === null) return {};
  if (!isRecord(c)) fail(`${where}.context must be a mapping`);
  return { context: c };
}

async function parseTest(t: unknown, index: number, baseDir: string): Promise<FgaTest> {
  const where = `tests[${index}]`;
  if (!isRecord(t)) fail(`${where} must be a mapping`);
  onlyKeys(t, TEST_KEYS, where);
  const name = typeof t["name"] === "string" ? t["name"] : `test ${index + 1}`;
  const tuples = await tupleSources(t, baseDir, `${where}.`);
  const checks = list(t["check"], `${where}.check`, (c, w): FgaCheck => {
    if (!isRecord(c)) fail(`${w} must be a mapping`);
    onlyKeys(c, ["user", "users", "object", "objects", "context", "assertions"], w);
    return {
      users: oneOrMany(c, "user", "users", w, subject),
      objects: oneOrMany(c, "object", "objects", w, object),
      assertions: assertionsOf(c["assertions"], w, (v, aw) => {
        if (typeof v !== "boolean") fail(`${aw} must be true or false`);
        return v;
      }),
      ...contextOf(c, w),
    };
  });
  const stringList = (v: unknown, w: string): string[] => list(v, w, str);
  const listObjects = list(t["list_objects"], `${where}.list_objects`, (c, w): FgaListObjects => {
    if (!isRecord(c)) fail(`${w} must be a mapping`);
    onlyKeys(c, ["user", "type", "context", "assertions"], w);
    const type = str(c["type"], `${w}.type`);
    if (!isValidTypeName(type, "openfga")) fail(`${w}.type: invalid type \`${type}\``);
    return {
      user: subject(c["user"], `${w}.user`),
      type,
      assertions: assertionsOf(c["assertions"], w, (v, aw) =>
        stringList(v, aw).map((o) => formatObjectRef(object(o, aw))),
      ),
      ...contextOf(c, w),
    };
  });
  const listUsers = list(t["list_users"], `${where}.list_users`, (c, w): FgaListUsers => {
    if (!isRecord(c)) fail(`${w} must be a mapping`);
    onlyKeys(c, ["object", "user_filter", "context", "assertions"], w);
    const filters = list(c["user_filter"], `${w}.user_filter`, (f, fw) => {
      if (!isRecord(f)) fail(`${fw} must be {type, relation?}`);
      onlyKeys(f, ["type", "relation"], fw);
      const type = str(f["type"], `${fw}.type`);
      const relation =
        f["relation"] === undefined || f["relation"] === null ? "" : str(f["relation"], `${fw}.relation`);
      return { type, relation };
    });
    if (filters.length !== 1) fail(`${w}.user_filter must have exactly one entry`);
    return {
      object: object(c["object"], `${w}.object`),
      filter: filters[0]!,
      assertions: assertionsOf(c["assertions"], w, (v, aw) => {
        if (!isRecord(v)) fail(`${aw} must be {users: [...]}`);
        onlyKeys(v, ["users"], aw);
        return stringList(v["users"], `${aw}.users`).map((u) => formatSubjectRef(subject(u, `${aw}.users`)));
      }),
      ...contextOf(c, w),
    };
  });
  return { name, tuples, checks, listObjects, listUsers };
}

// ---------------------------------------------------------------------------------------------
// Running

export interface FgaOutcome {
  readonly assertion: string;
  /** undefined when it holds. */
  readonly reason: string | undefined;
}

const FULLY_CONSISTENT: Consistency = { kind: "fullyConsistent" };
const PAGE = 1000;

function describeError(e: unknown): string {
  if (isRelgraphError(e)) return `${e.code}: ${e.message}`;
  return errorText(e);
}

const sorted = (xs: readonly string[]): string[] =>
  [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const listText = (xs: readonly string[]): string => `[${xs.join(", ")}]`;

function compareLists(expected: readonly string[], got: readonly string[]): string | undefined {
  const e = sorted(expected);
  const g = sorted(got);
  return e.length === g.length && e.every((x, i) => x === g[i])
    ? undefined
    : `expected ${listText(e)}, got ${listText(g)}`;
}

/** Writes the model (when given) and tuples to `store` (created by the caller). Throws what the service throws. */
export async function prepareFgaStore(
  service: RelgraphService,
  store: string,
  model: string | undefined,
  tuples: readonly Tuple[],
): Promise<void> {
  if (model !== undefined) await service.writeSchema(store, model, "OPENFGA");
  for (let i = 0; i < tuples.length; i += PAGE) {
    const updates: RelationshipUpdate[] = tuples
      .slice(i, i + PAGE)
      .map((tuple) => ({ operation: "TOUCH", tuple }));
    await service.writeRelationships(store, updates);
  }
}

/** Every item of a paginated lookup, page after page. */
async function allPages<T>(
  page: (after: string | undefined) => Promise<{
    readonly items: readonly T[];
    readonly hasNextPage: boolean;
    readonly endCursor?: string;
  }>,
): Promise<T[]> {
  const all: T[] = [];
  let after: string | undefined;
  for (;;) {
    const p = await page(after);
    all.push(...p.items);
    if (!p.hasNextPage || p.endCursor === undefined) return all;
    after = p.endCursor;
  }
}

/** A list_objects / list_users assertion: the listed names against the expected ones. */
async function listAssertion(
  assertion: string,
  expected: readonly string[],
  list: () => Promise<string[]>,
): Promise<FgaOutcome> {
  try {
    return { assertion, reason: compareLists(expected, await list()) };
  } catch (e) {
    return { assertion, reason: describeError(e) };
  }
}

/** Evaluates one test's assertions on a prepared store, in file order. */
export async function runFgaAssertions(
  service: RelgraphService,
  store: string,
  test: FgaTest,
): Promise<FgaOutcome[]> {
  const out: FgaOutcome[] = [];
  for (const c of test.checks)
    for (const user of c.users)
      for (const obj of c.objects)
        for (const [relation, expected] of c.assertions) {
          const assertion = `check ${formatSubjectRef(user)} ${relation} ${formatObjectRef(obj)}`;
          let reason: string | undefined;
          try {
            const r = await service.check(
              store,
              {
                resource: obj,
                permission: relation,
                subject: user,
                ...(c.context ? { context: c.context } : {}),
              },
              FULLY_CONSISTENT,
            );
            const got = r.permissionship === "HAS_PERMISSION";
            reason = got === expected ? undefined : `expected ${expected}, got ${got}`;
          } catch (e) {
            reason = describeError(e);
          }
          out.push({ assertion, reason });
        }
  for (const l of test.listObjects)
    for (const [relation, expected] of l.assertions)
      out.push(
        await listAssertion(
          `list_objects ${formatSubjectRef(l.user)} ${relation} ${l.type}`,
          expected,
          async () =>
            (
              await allPages(async (after) => {
                const page = await service.lookupResources(
                  store,
                  {
                    resourceType: l.type,
                    permission: relation,
                    subject: l.user,
                    ...(l.context ? { context: l.context } : {}),
                  },
                  { first: PAGE, consistency: FULLY_CONSISTENT, ...(after !== undefined ? { after } : {}) },
                );
                return { ...page, items: page.resources };
              })
            )
              .filter((r) => r.permissionship === "HAS_PERMISSION")
              .map((r) => formatObjectRef(r.resource)),
        ),
      );
  for (const l of test.listUsers)
    for (const [relation, expected] of l.assertions) {
      const filter = l.filter.relation === "" ? l.filter.type : `${l.filter.type}#${l.filter.relation}`;
      out.push(
        await listAssertion(
          `list_users ${formatObjectRef(l.object)} ${relation} ${filter}`,
          expected,
          async () =>
            (
              await allPages(async (after) => {
                const page = await service.lookupSubjects(
                  store,
                  {
                    resource: l.object,
                    permission: relation,
                    subjectType: l.filter.type,
                    ...(l.filter.relation !== "" ? { subjectRelation: l.filter.relation } : {}),
                    ...(l.context ? { context: l.context } : {}),
                  },
                  { first: PAGE, consistency: FULLY_CONSISTENT, ...(after !== undefined ? { after } : {}) },
                );
                return { ...page, items: page.subjects };
              })
            )
              .filter((s) => s.permissionship === "HAS_PERMISSION")
              .map((s) => formatSubjectRef(s.subject)),
        ),
      );
    }
  return out;
}
