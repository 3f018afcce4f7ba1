/**
 * Caveats and expiring relationships end to end: the CEL program (types, three-valued partial
 * evaluation, bounds), positioned schema diagnostics, GraphQL (`context`, `missingContext` on
 * check, checkBulk, the lookups; expand with context), the CLI (`check --context`, exit 3), and an
 * expiry on memory and Neo4j (both evaluators, a second process) that no cached answer outlives.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/api/server.ts";
import { runCheck } from "../../src/cli/commands/check.ts";
import { configFromEnv } from "../../src/config.ts";
import { createRelgraph, type Relgraph } from "../../src/index.ts";
import { parseTuple } from "../../src/model/tuple.ts";
import { CaveatProgram, MAX_CAVEAT_EXPRESSION_CHARS } from "../../src/typesystem/caveat/program.ts";
import { compileSchema } from "../../src/language/schema.ts";
import { captureIO } from "../cli/fixtures.ts";
import { TypeSystem } from "../../src/typesystem/typesystem.ts";
import { TupleIndex } from "../../src/model/tupleIndex.ts";
import { IndexReader } from "../../src/engine/reader.ts";
import { Evaluator } from "../../src/engine/check.ts";
import { HAS, NO } from "../../src/engine/result.ts";
import { StoreClock } from "../../src/store/clock.ts";
import { zedSchema } from "../engine/support/harness.ts";
import { openOwnNeo4jStore, uniqueStoreName } from "../engine/support/neo4jStores.ts";
import { dataOf, errorsOf, gql } from "../api/harness.ts";

const SCHEMA = `
use expiration
caveat ip_ok(allowed bool, ip ipaddress) { allowed || ip.in_cidr("10.0.0.0/8") }
caveat on_day(day string) { day == "tuesday" }
definition user {}
definition doc {
  relation viewer: user with ip_ok | user with on_day | user with expiration
  relation banned: user with on_day
  permission view = viewer - banned
}`;

const touch = (texts: readonly string[]) =>
  texts.map((t) => ({ operation: "TOUCH" as const, tuple: parseTuple(t) }));

const caveat = (expression: string, params: Record<string, string>) =>
  CaveatProgram.compile({
    name: "c",
    parameters: Object.entries(params).map(([name, type]) => ({ name, type })),
    expression,
  });

describe("the caveat program", () => {
  it("reads a timestamp in UTC or with an offset (the same instant)", () => {
    const { program } = caveat("now < until", { now: "timestamp", until: "timestamp" });
    const run = (ctx: Record<string, unknown>) => program!.evaluate(new Map(), program!.bind(ctx));
    // 07:16:28.068632-07:00 is 14:16:28.068632Z, as in SpiceDB's caveatlr testconfig.
    expect(run({ now: "2024-10-03T14:16:28Z", until: "2024-10-03T07:16:28.068632-07:00" })).toEqual({
      kind: "true",
    });
    expect(run({ now: "2024-10-03T14:16:29Z", until: "2024-10-03T07:16:28.068632-07:00" })).toEqual({
      kind: "false",
    });
    // cel-js keeps milliseconds (a CEL timestamp has nanoseconds: a known difference).
    expect(run({ now: "2024-10-03T14:16:28.001Z", until: "2024-10-03T14:16:28.002+00:00" })).toEqual({
      kind: "true",
    });
    expect(() => program!.bind({ now: "2024-10-03 14:16:28" })).toThrow(/timestamp/);
    expect(() => program!.bind({ now: "2024-10-03T14:16:28+7:00" })).toThrow(/timestamp/);
  });

  it("evaluates three-valued: absorbed unknowns decide, others name exactly the parameters missing", () => {
    const { program, problems } = caveat('allowed || ip.in_cidr("10.0.0.0/8")', {
      allowed: "bool",
      ip: "ipaddress",
    });
    expect(problems).toEqual([]);
    const run = (ctx: Record<string, unknown>) => program!.evaluate(new Map(), program!.bind(ctx));
    expect(run({ allowed: true })).toEqual({ kind: "true" });
    expect(run({ ip: "10.2.3.4" })).toEqual({ kind: "true" });
    expect(run({ ip: "192.168.0.1" })).toEqual({ kind: "missing", missing: ["allowed"] });
    expect(run({})).toEqual({ kind: "missing", missing: ["allowed", "ip"] });
    expect(run({ allowed: false, ip: "192.168.0.1" })).toEqual({ kind: "false" });
    // Stored context wins over the request's.
    expect(program!.evaluate(program!.bind({ allowed: true }), program!.bind({ allowed: false }))).toEqual({
      kind: "true",
    });
  });

  it("`&&` absorbs a false side; `?:` follows a known condition", () => {
    const and = caveat("a && b", { a: "bool", b: "bool" }).program!;
    expect(and.evaluate(new Map(), and.bind({ a: false }))).toEqual({ kind: "false" });
    expect(and.evaluate(new Map(), and.bind({ a: true }))).toEqual({ kind: "missing", missing: ["b"] });
    const t = caveat("a ? b : c", { a: "bool", b: "bool", c: "bool" }).program!;
    expect(t.evaluate(new Map(), t.bind({ a: true, b: true }))).toEqual({ kind: "true" });
    expect(t.evaluate(new Map(), t.bind({ a: false }))).toEqual({ kind: "missing", missing: ["c"] });
  });

  it("refuses context values of the wrong type, naming the parameter", () => {
    const p = caveat("n > 1 && u > 1 && t < timestamp('2030-01-01T00:00:00Z') && d > duration('1s')", {
      n: "int",
      u: "uint",
      t: "timestamp",
      d: "duration",
    }).program!;
    expect(() => p.bind({ n: 1.5 })).toThrow(/^n: expected an int/);
    expect(() => p.bind({ u: -1 })).toThrow(/^u: expected a uint/);
    expect(() => p.bind({ t: "2030-01-01" })).toThrow(/^t: expected a timestamp/);
    expect(() => p.bind({ d: "soon" })).toThrow(/^d: expected a duration/);
    // int beyond 2^53 as a decimal string.
    expect(
      p.evaluate(new Map(), p.bind({ n: "9007199254740993", u: 2, t: "2029-01-01T00:00:00Z", d: "2s" })),
    ).toEqual({
      kind: "true",
    });
  });

  it("uint is SpiceDB's non-negative CEL int in .zed models and CEL's uint in OpenFGA models", () => {
    const zed = CaveatProgram.compile({
      name: "c",
      parameters: [{ name: "n", type: "uint" }],
      expression: "n == 3",
    });
    expect(zed.problems).toEqual([]);
    expect(zed.program!.evaluate(new Map(), zed.program!.bind({ n: 3 }))).toEqual({ kind: "true" });
    expect(() => zed.program!.bind({ n: -3 })).toThrow(/expected a uint/);
    const fga = CaveatProgram.compile(
      { name: "c", parameters: [{ name: "n", type: "uint" }], expression: "n == 3u" },
      "openfga",
    );
    expect(fga.problems).toEqual([]);
    expect(fga.program!.evaluate(new Map(), fga.program!.bind({ n: 3 }))).toEqual({ kind: "true" });
  });

  it("type-checks at compile time and bounds the expression", () => {
    expect(caveat("n > 'a'", { n: "int" }).problems[0]?.message).toMatch(/no such overload: int > string/);
    expect(caveat("n + 1", { n: "int" }).problems[0]?.message).toMatch(
      /of type int; a caveat must be a bool/,
    );
    expect(caveat("x", { n: "int" }).problems[0]?.message).toMatch(/Unknown variable: x/);
    expect(caveat("a ".repeat(MAX_CAVEAT_EXPRESSION_CHARS), { a: "bool" }).problems[0]?.code).toBe(
      "caveat-too-large",
    );
    // Nested comprehensions could take list-size-squared steps: refused.
    expect(caveat("l.exists(x, l.all(y, x == y))", { l: "list<string>" }).problems[0]).toMatchObject({
      code: "caveat-too-complex",
      offset: 12,
    });
    expect(caveat("l.exists(x, x == 'a') && l.all(y, y != 'b')", { l: "list<string>" }).problems).toEqual([]);
    // Nesting beyond cel-js's depth limit is a diagnostic, not a stack overflow.
    expect(caveat(`${"(".repeat(200)}a${")".repeat(200)}`, { a: "bool" }).problems[0]?.code).toBe(
      "invalid-caveat-expression",
    );
  });

  it("reports a CEL problem at its line and column in the schema", () => {
    const text = `definition user {}\ncaveat c(n int) {\n  n > 1 &&\n    n > "x"\n}`;
    const d = compileSchema(text, { format: "zed" }).diagnostics.find(
      (x) => x.code === "invalid-caveat-expression",
    );
    expect(d?.message).toMatch(/caveat "c": no such overload: int > string/);
    expect(d?.loc?.start.line).toBe(4);
    expect(d?.loc?.start.column).toBe(5);
  });
});

describe("caveats over GraphQL", () => {
  let rg: Relgraph;
  let server: RunningServer;
  beforeAll(async () => {
    rg = await createRelgraph({ memory: true });
    await rg.writeSchema("default", SCHEMA, "ZED");
    await rg.writeRelationships(
      "default",
      touch([
        'doc:1#viewer@user:anne[ip_ok:{"allowed":false}]',
        "doc:2#viewer@user:anne[on_day]",
        "doc:3#viewer@user:anne",
        "doc:3#banned@user:anne[on_day]",
      ]),
    );
    server = await startServer({ host: "127.0.0.1", port: 0, service: rg, log: () => undefined });
  });
  afterAll(async () => {
    await server.close();
    await rg.close();
  });

  const CHECK = `query($doc: ObjectRef!, $ctx: JSON) {
    check(resource: $doc, permission: "view", subject: "user:anne", context: $ctx, consistency: {fullyConsistent: true}) {
      allowed permissionship missingContext
    }
  }`;

  it("check answers CONDITIONAL with missingContext, and decides with the context", async () => {
    const ask = async (doc: string, ctx?: unknown) =>
      dataOf(await gql(server.url, CHECK, { doc, ...(ctx !== undefined ? { ctx } : {}) }))["check"];
    expect(await ask("doc:1")).toEqual({
      allowed: false,
      permissionship: "CONDITIONAL_PERMISSION",
      missingContext: ["ip"],
    });
    expect(await ask("doc:1", { ip: "10.1.1.1" })).toEqual({
      allowed: true,
      permissionship: "HAS_PERMISSION",
      missingContext: [],
    });
    expect(await ask("doc:1", { ip: "8.8.8.8" })).toMatchObject({ permissionship: "NO_PERMISSION" });
    // Exclusion: the banned side decides with the context.
    expect(await ask("doc:3")).toMatchObject({
      permissionship: "CONDITIONAL_PERMISSION",
      missingContext: ["day"],
    });
    expect(await ask("doc:3", { day: "tuesday" })).toMatchObject({ permissionship: "NO_PERMISSION" });
    expect(await ask("doc:3", { day: "monday" })).toMatchObject({ permissionship: "HAS_PERMISSION" });
    // A literal context, variables inside it.
    const literal = await gql(
      server.url,
      `query($ip: String) { check(resource: "doc:1", permission: "view", subject: "user:anne", context: {ip: $ip}) { permissionship } }`,
      { ip: "10.0.0.9" },
    );
    expect(dataOf(literal)["check"]).toEqual({ permissionship: "HAS_PERMISSION" });
  });

  it("a context value of the wrong type, or a context that is not an object, is INVALID_ARGUMENT", async () => {
    const bad = errorsOf(await gql(server.url, CHECK, { doc: "doc:1", ctx: { ip: 5 } }))[0]!;
    expect(bad.extensions?.["code"]).toBe("INVALID_ARGUMENT");
    expect(bad.message).toMatch(/context\.ip: expected an IP address \(parameter "ip" of caveat "ip_ok"\)/);
    const notObject = errorsOf(await gql(server.url, CHECK, { doc: "doc:1", ctx: [1] }))[0]!;
    expect(notObject.extensions?.["code"]).toBe("INVALID_ARGUMENT");
  });

  it("explain shows the caveated relationship that decided, with its stored context", async () => {
    const r = dataOf(
      await gql(
        server.url,
        `{ check(resource: "doc:1", permission: "view", subject: "user:anne", context: {ip: "10.1.2.3"}, explain: true) {
          permissionship explanation { path } } }`,
      ),
    )["check"] as { permissionship: string; explanation: { path: string[] } };
    expect(r.permissionship).toBe("HAS_PERMISSION");
    expect(r.explanation.path).toEqual(['doc:1#viewer@user:anne[ip_ok:{"allowed":false}]']);
  });

  it("a context over the size bounds is RESOURCE_EXHAUSTED", async () => {
    const big = errorsOf(
      await gql(server.url, CHECK, { doc: "doc:1", ctx: { ip: "10.0.0.1", extra: Array(1001).fill(1) } }),
    )[0]!;
    expect(big.extensions?.["code"]).toBe("RESOURCE_EXHAUSTED");
    expect(big.message).toMatch(/at most 1000 list elements/);
    const fits = await gql(server.url, CHECK, {
      doc: "doc:1",
      ctx: { ip: "10.0.0.1", extra: Array(1000).fill(1) },
    });
    expect(dataOf(fits)["check"]).toMatchObject({ permissionship: "HAS_PERMISSION" });
  });

  it("checkBulk items carry their own context and missingContext", async () => {
    const r = dataOf(
      await gql(
        server.url,
        `{ checkBulk(checks: [
            {resource: "doc:2", permission: "view", subject: "user:anne"},
            {resource: "doc:2", permission: "view", subject: "user:anne", context: {day: "tuesday"}},
            {resource: "doc:1", permission: "view", subject: "user:anne", context: {ip: 7}}
          ]) { results { permissionship missingContext error { code } } } }`,
      ),
    )["checkBulk"] as { results: unknown[] };
    expect(r.results).toEqual([
      { permissionship: "CONDITIONAL_PERMISSION", missingContext: ["day"], error: null },
      { permissionship: "HAS_PERMISSION", missingContext: [], error: null },
      { permissionship: null, missingContext: null, error: { code: "INVALID_ARGUMENT" } },
    ]);
  });

  it("lookups mark conditional results with their missing parameters; the context decides them", async () => {
    const LR = `query($ctx: JSON) { lookupResources(resourceType: "doc", permission: "view", subject: "user:anne", context: $ctx) {
      edges { node { resource permissionship missingContext } } } }`;
    const nodes = async (ctx?: unknown) =>
      (
        dataOf(await gql(server.url, LR, ctx !== undefined ? { ctx } : {}))["lookupResources"] as {
          edges: { node: unknown }[];
        }
      ).edges.map((e) => e.node);
    expect(await nodes()).toEqual([
      { resource: "doc:1", permissionship: "CONDITIONAL_PERMISSION", missingContext: ["ip"] },
      { resource: "doc:2", permissionship: "CONDITIONAL_PERMISSION", missingContext: ["day"] },
      { resource: "doc:3", permissionship: "CONDITIONAL_PERMISSION", missingContext: ["day"] },
    ]);
    expect(await nodes({ ip: "10.0.0.1", day: "tuesday" })).toEqual([
      { resource: "doc:1", permissionship: "HAS_PERMISSION", missingContext: [] },
      { resource: "doc:2", permissionship: "HAS_PERMISSION", missingContext: [] },
    ]);
    const LS = `{ lookupSubjects(resource: "doc:2", permission: "view", subjectType: "user", context: {day: "monday"}) {
      edges { node { subject permissionship missingContext } } } }`;
    expect((dataOf(await gql(server.url, LS))["lookupSubjects"] as { edges: unknown[] }).edges).toEqual([]);
    const LS2 = `{ lookupSubjects(resource: "doc:2", permission: "view", subjectType: "user") {
      edges { node { subject permissionship missingContext } } } }`;
    expect((dataOf(await gql(server.url, LS2))["lookupSubjects"] as { edges: unknown[] }).edges).toEqual([
      { node: { subject: "user:anne", permissionship: "CONDITIONAL_PERMISSION", missingContext: ["day"] } },
    ]);
  });

  it("permissions takes a context and names what a CONDITIONAL answer lacks", async () => {
    const P = `query($ctx: JSON) { permissions(resource: "doc:1", subject: "user:anne", context: $ctx) { results { name permissionship missingContext } } }`;
    const results = async (ctx?: unknown) =>
      (
        dataOf(await gql(server.url, P, ctx !== undefined ? { ctx } : {}))["permissions"] as {
          results: { name: string; permissionship: string; missingContext: string[] }[];
        }
      ).results.find((r) => r.name === "viewer");
    expect(await results()).toEqual({
      name: "viewer",
      permissionship: "CONDITIONAL_PERMISSION",
      missingContext: ["ip"],
    });
    expect(await results({ ip: "10.0.0.1" })).toEqual({
      name: "viewer",
      permissionship: "HAS_PERMISSION",
      missingContext: [],
    });
    expect(await results({ ip: "1.1.1.1" })).toMatchObject({ permissionship: "NO_PERMISSION" });
  });

  it("expand with a context leaves out relationships whose caveat is false", async () => {
    const EX = `query($ctx: JSON) { expand(resource: "doc:1", permission: "viewer", context: $ctx) { nodes { subjects } } }`;
    const subjects = async (ctx?: unknown) =>
      (
        dataOf(await gql(server.url, EX, ctx !== undefined ? { ctx } : {}))["expand"] as {
          nodes: { subjects: string[] }[];
        }
      ).nodes.flatMap((n) => n.subjects);
    expect(await subjects()).toEqual(["user:anne"]);
    expect(await subjects({ ip: "10.0.0.1" })).toEqual(["user:anne"]);
    expect(await subjects({ ip: "1.1.1.1" })).toEqual([]);
    // A node whose relationships stay conditional names what the context lacks.
    const MISSING = `query($ctx: JSON) { expand(resource: "doc:1", permission: "viewer", context: $ctx) { nodes { kind missingContext } } }`;
    const missing = async (ctx?: unknown) =>
      (
        dataOf(await gql(server.url, MISSING, ctx !== undefined ? { ctx } : {}))["expand"] as {
          nodes: { kind: string; missingContext: string[] }[];
        }
      ).nodes.map((n) => n.missingContext);
    expect(await missing()).toEqual([["ip"]]);
    expect(await missing({ ip: "10.0.0.1" })).toEqual([[]]);
  });

  it("writes refuse a stored context of the wrong type, naming the parameter", async () => {
    const r = errorsOf(
      await gql(
        server.url,
        `mutation { writeRelationships(updates: [{operation: TOUCH, relationship: "doc:9#viewer@user:x[ip_ok:{\\"allowed\\":\\"yes\\"}]"}]) { token } }`,
      ),
    )[0]!;
    expect(r.extensions?.["code"]).toBe("INVALID_ARGUMENT");
    expect(r.message).toMatch(/allowed: expected a boolean \(parameter "allowed" of caveat "ip_ok"\)/);
  });

  it("writeSchema refuses a caveat whose expression does not type-check, at its position", async () => {
    const r = errorsOf(
      await gql(server.url, `mutation($s: String!) { writeSchema(store: "default", schema: $s) { token } }`, {
        s: SCHEMA.replace('"tuesday"', "3"),
      }),
    )[0]!;
    expect(r.extensions?.["code"]).toBe("INVALID_SCHEMA");
    expect(r.message).toMatch(/4:29: caveat "on_day": no such overload: string == int/);
  });
});

describe("relgraph check --context", () => {
  async function cli(argv: readonly string[]) {
    const rg = await createRelgraph({ memory: true });
    await rg.writeSchema("default", SCHEMA, "ZED");
    await rg.writeRelationships("default", touch(["doc:2#viewer@user:anne[on_day]"]));
    const io = captureIO({ NEO4J_URI: "bolt://example:7687" });
    const code = await runCheck(argv, io, async () => rg);
    return { code, out: io.out(), err: io.err() };
  }

  it("exits 3 for CONDITIONAL and names the missing parameters; 0 with the context", async () => {
    expect(await cli(["doc:2", "view", "user:anne"])).toMatchObject({
      code: 3,
      out: "CONDITIONAL_PERMISSION\nmissing context: day\n",
    });
    expect(await cli(["doc:2", "view", "user:anne", "--context", '{"day":"tuesday"}'])).toMatchObject({
      code: 0,
      out: "HAS_PERMISSION\n",
    });
    const json = await cli(["doc:2", "view", "user:anne", "--json"]);
    expect(JSON.parse(json.out)).toMatchObject({ missingContext: ["day"] });
  });

  it("refuses a --context that is not a JSON object (exit 2, saying why)", async () => {
    const r = await cli(["doc:2", "view", "user:anne", "--context", "[1]"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--context must be a JSON object/);
    const broken = await cli(["doc:2", "view", "user:anne", "--context", "{day:"]);
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(/--context is not valid JSON/);
  });
});

describe("an expiring relationship on memory and Neo4j", () => {
  const store = uniqueStoreName("expiry");
  const opened: Relgraph[] = [];
  afterAll(async () => {
    await opened[0]?.deleteStore(store).catch(() => {});
    for (const rg of opened) await rg.close();
  });

  it("holds until it expires, then is absent everywhere; no cached answer outlives it", async () => {
    const memory = await createRelgraph({ memory: true });
    const writer = await createRelgraph({ store: await openOwnNeo4jStore() });
    // A second process: its own projection, loaded from Neo4j; and the direct Cypher evaluator.
    const reader = await createRelgraph({ store: await openOwnNeo4jStore() });
    const cypher = await createRelgraph({
      store: await openOwnNeo4jStore(),
      config: configFromEnv({ RELGRAPH_EVALUATOR: "cypher" }),
    });
    opened.push(writer, reader, cypher, memory);
    const expires = new Date(Date.now() + 2500).toISOString().replace(/\.\d+Z$/, "Z");
    const tuple = `doc:e#viewer@user:tim[expiration:${expires}]`;
    for (const [rg, name] of [
      [writer, store],
      [memory, "default"],
    ] as const) {
      if (name !== "default") await rg.createStore(name);
      await rg.writeSchema(name, SCHEMA, "ZED");
      await rg.writeRelationships(name, touch([tuple]));
    }
    const ask = async (rg: Relgraph, name: string) =>
      (
        await rg.check(
          name,
          {
            resource: { type: "doc", id: "e" },
            permission: "view",
            subject: { type: "user", id: "tim", relation: "" },
          },
          { kind: "fullyConsistent" },
        )
      ).permissionship;
    const all = async () =>
      Promise.all([ask(memory, "default"), ask(writer, store), ask(reader, store), ask(cypher, store)]);
    // Asked twice before: a cached answer, if any were kept, would be HAS afterwards.
    if (Date.now() < Date.parse(expires) - 300) {
      expect(await all()).toEqual(Array(4).fill("HAS_PERMISSION"));
      expect(await all()).toEqual(Array(4).fill("HAS_PERMISSION"));
    }
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(expires) - Date.now() + 50)));
    expect(await all()).toEqual(Array(4).fill("NO_PERMISSION"));
    // Neo4j's clock was sampled (same machine: a small offset).
    expect(Math.abs(writer.store.clock?.offset ?? Number.NaN)).toBeLessThan(1000);
    // Pruning deletes it from Neo4j, recorded in the change log; the answers stay the same.
    const head = await writer.store.head(store);
    expect(await writer.pruneExpired(store)).toBe(1);
    const log = await writer.store.changes(store, head.revision, 10);
    expect(log.changes.map((c) => [c.operation, c.tuple.subjectId])).toEqual([["DELETE", "tim"]]);
    expect((await writer.store.read(store, {}, { first: 10 })).tuples).toEqual([]);
    expect(await all()).toEqual(Array(4).fill("NO_PERMISSION"));
  }, 30_000);

  it("expiries are judged by the evaluator's clock (the store's, where it has one)", () => {
    const schema = new TypeSystem(zedSchema(SCHEMA));
    const index = new TupleIndex();
    index.add(parseTuple("doc:c#viewer@user:a[expiration:2030-01-01T00:00:00Z]"));
    const req = {
      resource: { type: "doc", id: "c" },
      permission: "view",
      subject: { type: "user", id: "a", relation: "" },
    };
    const at = (iso: string) =>
      new Evaluator(schema, { clock: () => Date.parse(iso) }).check(new IndexReader(index), req);
    expect(at("2029-12-31T23:59:59.999Z")).toBe(HAS);
    expect(at("2030-01-01T00:00:00Z")).toBe(NO);
    const clock = new StoreClock();
    clock.sample(Date.now() + 60_000, Date.now(), Date.now());
    expect(clock.now() - Date.now()).toBeGreaterThan(59_000);
  });

  it("the background pruning deletes expired relationships on its own", async () => {
    const rg = await createRelgraph({
      memory: true,
      config: configFromEnv({ RELGRAPH_EXPIRY_PRUNE_INTERVAL_MS: "50" }),
    });
    opened.push(rg);
    await rg.writeSchema("default", SCHEMA, "ZED");
    await rg.writeRelationships(
      "default",
      touch(["doc:p#viewer@user:a[expiration:2001-01-01T00:00:00Z]", "doc:p#viewer@user:b"]),
    );
    const deadline = Date.now() + 5000;
    let left = (await rg.store.read("default", {}, { first: 10 })).tuples.length;
    while (left > 1 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      left = (await rg.store.read("default", {}, { first: 10 })).tuples.length;
    }
    expect(left).toBe(1);
  });
});
