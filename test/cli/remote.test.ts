/**
 * Remote mode: every command that reads or writes a store prints the same and exits the same
 * against a running Relgraph server (`--endpoint`, `--api-key`, or RELGRAPH_ENDPOINT /
 * RELGRAPH_API_KEY) as directly against Neo4j. A real server over a real Neo4j store, real HTTP.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSchema, parse, validate } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/api/server.ts";
import { readApiSdl } from "../../src/api/schema.ts";
import { compileSchema } from "../../src/language/schema.ts";
import { runCheck } from "../../src/cli/commands/check.ts";
import { runExpand } from "../../src/cli/commands/expand.ts";
import { runExport } from "../../src/cli/commands/export.ts";
import { runImport } from "../../src/cli/commands/import.ts";
import { runLookupResources, runLookupSubjects } from "../../src/cli/commands/lookup.ts";
import { runPermissions } from "../../src/cli/commands/permissions.ts";
import { runRel } from "../../src/cli/commands/rel.ts";
import { runSchemaStore } from "../../src/cli/commands/schemaStore.ts";
import { runStore } from "../../src/cli/commands/store.ts";
import * as queries from "../../src/cli/remote/queries.ts";
import { openService } from "../../src/cli/validation/backend.ts";
import type { RelgraphService } from "../../src/coordinator/service.ts";
import { captureIO } from "./fixtures.ts";

const SCHEMA = readFileSync("test/fixtures/validation/schemas/documents.zed", "utf8");
const KEY = randomBytes(16).toString("hex");
const dir = mkdtempSync(join(tmpdir(), "relgraph-remote-"));

type Command = (argv: readonly string[], io: ReturnType<typeof captureIO>) => Promise<number>;

describe("the CLI's remote mode", () => {
  const store = `remote-${randomBytes(4).toString("hex")}`;
  let service: RelgraphService;
  let server: RunningServer;
  /** Calls the server's service answered: proves a remote run went through the server. */
  let served = 0;

  beforeAll(async () => {
    service = await openService("neo4j", process.env);
    const counted = new Proxy(service, {
      get(target, name) {
        const value: unknown = Reflect.get(target, name);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          served++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    server = await startServer({
      service: counted,
      host: "127.0.0.1",
      port: 0,
      apiKeys: [KEY],
      log: () => undefined,
    });
    await service.createStore(store);
    await service.writeSchema(store, SCHEMA, "ZED");
    const file = join(dir, "seed.txt");
    writeFileSync(
      file,
      [
        "folder:root#viewer@group:eng#member",
        "group:eng#member@user:alice",
        "document:readme#parent@folder:root",
        "document:readme#reader@user:bob",
        "document:spec#writer@user:alice",
      ].join("\n"),
    );
    expect(await runImport([file, "--store", store, "--quiet"], captureIO(process.env))).toBe(0);
  });

  afterAll(async () => {
    await server?.close();
    await service?.deleteStore(store).catch(() => undefined);
    await service?.close();
  });

  /** The same command directly on Neo4j and against the server (flags), and with the env variables. */
  async function bothWays(command: Command, ...argv: string[]) {
    return compared(true, command, ...argv);
  }

  /** `served`: whether the remote runs must reach the server (false: refused before any request). */
  async function compared(served_: boolean, command: Command, ...argv: string[]) {
    const direct = captureIO(process.env);
    const directCode = await command([...argv, "--store", store], direct);
    const remote = captureIO({ PATH: process.env["PATH"] });
    const before = served;
    const remoteCode = await command(
      [...argv, "--store", store, "--endpoint", server.url, "--api-key", KEY],
      remote,
    );
    if (served_) expect(served, "the remote run reached the server").toBeGreaterThan(before);
    const viaEnv = captureIO({ RELGRAPH_ENDPOINT: server.url, RELGRAPH_API_KEY: KEY });
    const beforeEnv = served;
    const envCode = await command([...argv, "--store", store], viaEnv);
    if (served_) expect(served, "the RELGRAPH_ENDPOINT run reached the server").toBeGreaterThan(beforeEnv);
    // Writes commit a revision each, so their tokens differ; everything else is the same.
    const same = (text: string) =>
      argv[0] === "read" || command !== runRel ? text : text.replace(/rg2_[\w.-]+/g, "<token>");
    expect({ code: remoteCode, out: same(remote.out()), err: remote.err() }).toEqual({
      code: directCode,
      out: same(direct.out()),
      err: direct.err(),
    });
    expect({ code: envCode, out: same(viaEnv.out()) }).toEqual({ code: directCode, out: same(direct.out()) });
    return { code: directCode, out: direct.out(), err: direct.err() };
  }

  it("sends only operations the API's SDL accepts", () => {
    const schema = buildSchema(readApiSdl());
    for (const [name, text] of Object.entries(queries)) {
      if (typeof text !== "string") continue;
      expect(
        validate(schema, parse(text)).map((e) => e.message),
        name,
      ).toEqual([]);
    }
  });

  it("check: the same answers, exit codes and proofs", async () => {
    const fresh = ["--consistency", "fully_consistent"];
    expect((await bothWays(runCheck, "document:readme", "view", "user:alice", ...fresh)).code).toBe(0);
    expect((await bothWays(runCheck, "document:readme", "edit", "user:alice", ...fresh)).code).toBe(1);
    const explained = await bothWays(
      runCheck,
      "document:readme",
      "view",
      "user:alice",
      "--explain",
      ...fresh,
    );
    expect(explained.out).toContain("group:eng#member@user:alice");
    const bad = await bothWays(runCheck, "document:readme", "nosuch", "user:alice");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("relgraph check: ");
  });

  it("permissions: one line per relation and permission, the same both ways, agreeing with check", async () => {
    const r = await bothWays(
      runPermissions,
      "document:readme",
      "user:alice",
      "--consistency",
      "fully_consistent",
    );
    expect(r.code).toBe(0);
    expect(r.out).toBe("parent\tNO\nwriter\tNO\nreader\tNO\nedit\tNO\nview\tHAS\n");
    const json = await bothWays(runPermissions, "document:readme", "user:bob", "--json");
    expect(JSON.parse(json.out)).toMatchObject({
      results: expect.arrayContaining([
        { name: "reader", kind: "RELATION", permissionship: "HAS_PERMISSION", missingContext: [] },
        { name: "view", kind: "PERMISSION", permissionship: "HAS_PERMISSION", missingContext: [] },
      ]),
      checkedAt: expect.stringMatching(/^rg2_/),
    });
    const unknown = await bothWays(runPermissions, "nosuch:1", "user:bob");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^relgraph permissions: SCHEMA_VIOLATION: /);
  });

  it("expand and both lookups: the same output", async () => {
    expect(
      (await bothWays(runExpand, "document:readme", "view", "--consistency", "fully_consistent")).code,
    ).toBe(0);
    const resources = await bothWays(runLookupResources, "document", "view", "user:alice", "--json");
    expect(resources.out).toContain("document:readme");
    expect(resources.out).toContain("document:spec");
    const subjects = await bothWays(runLookupSubjects, "document:readme", "view", "user");
    expect(subjects.out.split("\n").filter(Boolean).sort()).toEqual(["user:alice", "user:bob"]);
  });

  it("import and export through the server give the same store as directly", async () => {
    for (const ext of ["ndjson", "csv"]) {
      const out = join(dir, `via-server.${ext}`);
      const exported = captureIO({});
      const before = served;
      expect(
        await runExport(
          ["--store", store, "--output", out, "--endpoint", server.url, "--api-key", KEY],
          exported,
        ),
        exported.err(),
      ).toBe(0);
      expect(served).toBeGreaterThan(before);
      const direct = join(dir, `direct.${ext}`);
      expect(await runExport(["--store", store, "--output", direct], captureIO(process.env))).toBe(0);
      expect(readFileSync(out, "utf8")).toBe(readFileSync(direct, "utf8"));
    }
    const copy = `${store}-copy`;
    await service.createStore(copy);
    try {
      await service.writeSchema(copy, SCHEMA, "ZED");
      const io = captureIO({});
      const code = await runImport(
        [join(dir, "direct.ndjson"), "--store", copy, "--json", "--endpoint", server.url, "--api-key", KEY],
        io,
      );
      expect(code, io.err()).toBe(0);
      expect(JSON.parse(io.out())).toMatchObject({ imported: 5, rejected: 0 });
      const again = captureIO(process.env);
      await runExport(["--store", copy], again);
      const original = captureIO(process.env);
      await runExport(["--store", store], original);
      expect(again.out()).toBe(original.out());
    } finally {
      await service.deleteStore(copy);
    }
  });

  it("store and rel: the same lifecycle directly and through the server", async () => {
    const name = `${store}-x`;
    const remoteFlags = ["--endpoint", server.url, "--api-key", KEY];
    for (const [flags, other] of [
      [[], remoteFlags],
      [remoteFlags, []],
    ] as const) {
      const io = (f: readonly string[]) => ({ f, io: captureIO(f.length ? {} : process.env) });
      const a = io(flags);
      expect(await runStore(["create", name, ...a.f], a.io), a.io.err()).toBe(0);
      expect(a.io.out()).toBe(`created store ${name}\n`);
      const dup = io(other);
      expect(await runStore(["create", name, ...dup.f], dup.io)).toBe(2);
      expect(dup.io.err()).toMatch(/^relgraph store: ALREADY_EXISTS: /);
      const list = io(other);
      expect(await runStore(["list", "--json", ...list.f], list.io)).toBe(0);
      expect(JSON.parse(list.io.out())).toContainEqual({ name, revision: 0, schemaRevision: 0 });
      const del = io(other);
      expect(await runStore(["delete", name, ...del.f], del.io)).toBe(0);
      const gone = io(flags);
      expect(await runStore(["delete", name, ...gone.f], gone.io)).toBe(2);
      expect(gone.io.err()).toMatch(/^relgraph store: NOT_FOUND: /);
    }

    const rel = (...argv: string[]) => bothWays(runRel, ...argv);
    expect((await rel("read", "--resource-type", "document", "--relation", "reader")).out).toBe(
      "document:readme#reader@user:bob\n",
    );
    const paged = await rel("read", "--first", "2", "--json");
    expect(JSON.parse(paged.out)).toMatchObject({ relationships: expect.any(Array), hasNextPage: true });
    expect((JSON.parse(paged.out) as { relationships: string[] }).relationships).toHaveLength(2);
    // Writes: touch is idempotent, so both ways print a token and change nothing the second time.
    const touched = await rel("touch", "document:new#reader@user:carol");
    expect(touched.out).toMatch(/^token: rg2_/);
    expect((await rel("read", "--resource-id", "new")).out).toBe("document:new#reader@user:carol\n");
    // A delete is not idempotent in what it reports: each way deletes its own copy.
    for (const flags of [[], ["--endpoint", server.url, "--api-key", KEY]]) {
      await rel("touch", "document:new#reader@user:carol");
      const io = captureIO(flags.length ? {} : process.env);
      expect(await runRel(["delete", "--resource-id", "new", "--json", "--store", store, ...flags], io)).toBe(
        0,
      );
      expect(JSON.parse(io.out())).toMatchObject({ deletedCount: 1, complete: true });
      expect((await rel("read", "--resource-id", "new")).out).toBe("");
    }
    const refused = await rel("create", "document:new#nosuch@user:carol");
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/^relgraph rel: SCHEMA_VIOLATION: /);
    for (const [argv, message] of [
      [["create"], "rel create needs at least one TUPLE"],
      [["delete"], "rel delete takes either TUPLEs or filter flags"],
      [["read", "document:1#reader@user:x"], "rel read takes filter flags, not tuples"],
      [["touch", "not-a-tuple"], 'no "@"'],
      [["read", "--after", "x"], "--after needs --first"],
      [["frob"], 'unknown rel command "frob"'],
    ] as const) {
      const r = captureIO({});
      expect(await runRel([...argv], r), argv.join(" ")).toBe(2);
      expect(r.err()).toContain(message);
    }
  });

  it("schema read, diff and write: the same both ways; diff names what blocks a change", async () => {
    const schema =
      (action: "read" | "write" | "diff") => (argv: readonly string[], io: Parameters<Command>[1]) =>
        runSchemaStore(action, argv, io);
    expect((await bothWays(schema("read"))).out).toBe(SCHEMA.endsWith("\n") ? SCHEMA : `${SCHEMA}\n`);

    const same = join(dir, "same.zed");
    writeFileSync(same, SCHEMA);
    const unchanged = await bothWays(schema("diff"), same);
    expect(unchanged).toMatchObject({ code: 0 });
    expect(unchanged.out).toBe(`no change to the schema of store "${store}"\nthe change can be written\n`);

    // Drop document#reader (one stored relationship uses it), add a definition, change a permission.
    const next = SCHEMA.replace("  relation reader: user | group#member\n", "")
      .replace("permission view = reader + edit + parent->view", "permission view = edit + parent->view")
      .concat("\ndefinition team {\n  relation member: user\n}\n");
    const nextFile = join(dir, "next.zed");
    writeFileSync(nextFile, next);
    const blocked = await bothWays(schema("diff"), nextFile);
    expect(blocked.code).toBe(1);
    expect(blocked.out).toBe(
      [
        "~ definition document",
        "    - relation reader — blocked by 1 stored relationships (document#reader: relation removed: 1)",
        "    ~ permission view",
        "+ definition team",
        "the change is blocked: 1 stored relationships would no longer fit",
        "",
      ].join("\n"),
    );
    const json = await bothWays(schema("diff"), nextFile, "--json");
    expect(JSON.parse(json.out)).toMatchObject({
      blockedBy: [{ type: "document", relation: "reader", count: 1 }],
      countsAreLowerBounds: false,
    });
    // Writing it is refused by the store in the same terms; a broken file never reaches the store.
    const refused = await bothWays(schema("write"), nextFile);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(
      /^relgraph schema write: FAILED_PRECONDITION: schema change refused: 1 stored relationship/,
    );
    const broken = join(dir, "broken.zed");
    writeFileSync(broken, "definition user {}\ndefinition doc {\n  permission view = nosuch\n}\n");
    const invalid = await compared(false, schema("write"), broken);
    expect(invalid.code).toBe(2);
    expect(invalid.err).toContain(`${broken}:3:`);
    expect(invalid.err).toContain("relgraph schema write: INVALID_SCHEMA: ");

    // A schema split over files (`import`): the files are read next to it and sent with it; the
    // store keeps the compiled whole, which equals the one-file schema it was split from.
    const split = mkdtempSync(join(tmpdir(), "relgraph-imports-"));
    mkdirSync(join(split, "lib"));
    writeFileSync(join(split, "lib", "user.zed"), "definition user {}\n");
    const root = join(split, "root.zed");
    writeFileSync(root, `import "lib/user.zed"\n${SCHEMA.replace("definition user {}\n", "")}`);
    // (Each write is a new revision, so the printed tokens differ: the runs are compared by code.)
    expect(await schema("write")([root, "--store", store], captureIO(process.env))).toBe(0);
    const before = served;
    const remoteIO = captureIO({ PATH: process.env["PATH"] });
    const remoteArgs = [root, "--store", store, "--endpoint", server.url, "--api-key", KEY];
    expect(await schema("write")(remoteArgs, remoteIO), remoteIO.err()).toBe(0);
    expect(served).toBeGreaterThan(before);
    const compiledWhole = (await bothWays(schema("read"))).out;
    expect(compiledWhole).not.toContain("import");
    expect(compileSchema(compiledWhole, { format: "zed" }).ir?.definitions.map((d) => d.name)).toEqual(
      compileSchema(SCHEMA, { format: "zed" }).ir?.definitions.map((d) => d.name),
    );
    writeFileSync(root, `import "lib/nothere.zed"\n${SCHEMA.replace("definition user {}\n", "")}`);
    const missing = await compared(false, schema("write"), root);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`${root}:1:1: error: import-not-found: `);
  });

  it("says what is wrong with the endpoint or the key, exit 2", async () => {
    const cases: [string[], RegExp][] = [
      [["--endpoint", server.url, "--api-key", "wrong"], /relgraph check: UNAUTHENTICATED: /],
      [["--endpoint", server.url], /relgraph check: UNAUTHENTICATED: /],
      [
        ["--endpoint", "http://127.0.0.1:1/graphql"],
        /relgraph check: UNAVAILABLE: cannot reach Relgraph at http:\/\/127\.0\.0\.1:1\/graphql/,
      ],
      [["--endpoint", "not a url"], /relgraph check: INVALID_ARGUMENT: --endpoint: not a URL/],
      [
        ["--endpoint", "ftp://127.0.0.1/x"],
        /relgraph check: INVALID_ARGUMENT: --endpoint: expected an http\(s\) URL/,
      ],
    ];
    for (const [flags, message] of cases) {
      const io = captureIO({});
      const code = await runCheck(["document:readme", "view", "user:alice", "--store", store, ...flags], io);
      expect(code, flags.join(" ")).toBe(2);
      expect(io.err()).toMatch(message);
    }
  });
});
