/**
 * `relgraph validate`: the fixtures on the memory backend (the real engine, through
 * createRelgraph), and the command's contract — JSON shape, exit codes, temporary stores, one
 * file's failure not stopping the others — on a small fake service.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runValidate } from "../../src/cli/commands/validate.ts";
import type { Backend } from "../../src/cli/validation/backend.ts";
import { parseExpectedSubject } from "../../src/cli/validation/expected.ts";
import { loadValidationFile } from "../../src/cli/validation/loader.ts";
import { compareSubjects } from "../../src/cli/validation/runner.ts";
import { RelgraphError, ErrorCode } from "../../src/errors.ts";
import type { ExpandedSubject } from "../../src/coordinator/service.ts";
import { captureIO, expectFixture, listFixtures, parseReport, type CapturedIO } from "./fixtures.ts";
import { directService, partialService, type FakeCalls } from "./services.ts";

describe("validation fixtures on the memory backend", () => {
  const fixtures = listFixtures();
  let reports: ReturnType<typeof parseReport> | undefined;
  let exitCode: number | undefined;

  beforeAll(async () => {
    const io = captureIO();
    exitCode = await runValidate([...fixtures.map((f) => f.file), "--json"], io);
    reports = parseReport(io.out());
  });

  it("has at least 40 fixtures, passing and failing ones", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(40);
    expect(fixtures.filter((f) => f.expected).length).toBeGreaterThanOrEqual(10);
    expect(fixtures.filter((f) => !f.expected).length).toBeGreaterThanOrEqual(25);
  });

  it("reports every file once, in order, and exits 2 (some fixtures cannot be loaded)", () => {
    expect(reports?.files.map((f) => f.file)).toEqual(fixtures.map((f) => f.file));
    expect(exitCode).toBe(2);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))("%s", (_name, fixture) => {
    expectFixture(
      fixture,
      reports?.files.find((r) => r.file === fixture.file),
    );
  });
});

// ---------------------------------------------------------------------------------------------

const SCHEMA = `schema: |-
  definition user {}
  definition document {
    relation reader: user
  }
`;

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "relgraph-validate-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function ioIn(dir: string): CapturedIO {
  return { ...captureIO(), cwd: dir };
}

interface Run {
  readonly code: number;
  readonly io: CapturedIO;
  readonly calls: FakeCalls;
  readonly backends: Backend[];
}

async function run(files: Record<string, string>, argv: readonly string[]): Promise<Run> {
  const calls: FakeCalls = { created: [], deleted: [], closed: 0 };
  const backends: Backend[] = [];
  const io = ioIn(workspace(files));
  const code = await runValidate(argv, io, async (backend) => {
    backends.push(backend);
    return directService(calls);
  });
  return { code, io, calls, backends };
}

const GOOD = `${SCHEMA}relationships: |-
  document:d#reader@user:alice
assertions:
  assertTrue:
    - document:d#reader@user:alice
  assertFalse:
    - document:d#reader@user:bob
validation:
  document:d#reader:
    - "[user:alice] is <document:d#reader>"
`;

const FAILING = `${SCHEMA}relationships: |-
  document:d#reader@user:alice
assertions:
  assertTrue:
    - document:d#reader@user:bob
`;

describe("relgraph validate: exit codes and report", () => {
  it("exits 0 when every assertion passes, with one JSON document", async () => {
    const r = await run({ "good.yaml": GOOD }, ["good.yaml", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.io.out())).toEqual({
      files: [
        {
          file: "good.yaml",
          passed: [
            { assertion: "assertTrue document:d#reader@user:alice" },
            { assertion: "assertFalse document:d#reader@user:bob" },
            { assertion: "validation document:d#reader" },
          ],
          failed: [],
        },
      ],
    });
  });

  it("exits 1 when an assertion fails", async () => {
    const r = await run({ "bad.yaml": FAILING }, ["--json", "bad.yaml"]);
    expect(r.code).toBe(1);
    expect(parseReport(r.io.out()).files[0]?.failed).toEqual([
      {
        assertion: "assertTrue document:d#reader@user:bob",
        reason: "expected HAS_PERMISSION, got NO_PERMISSION",
      },
    ]);
  });

  it("exits 2 when a file cannot be loaded, and still runs the other files", async () => {
    const r = await run({ "a.yaml": FAILING, "broken.yaml": "schema: [", "c.yaml": GOOD }, [
      "a.yaml",
      "broken.yaml",
      "missing.yaml",
      "c.yaml",
      "--json",
    ]);
    expect(r.code).toBe(2);
    const files = parseReport(r.io.out()).files;
    expect(files.map((f) => f.file)).toEqual(["a.yaml", "broken.yaml", "missing.yaml", "c.yaml"]);
    expect(files[0]?.failed).toHaveLength(1);
    expect(files[1]).toMatchObject({
      passed: [],
      failed: [],
      error: expect.stringContaining("invalid YAML"),
    });
    expect(files[2]).toMatchObject({
      passed: [],
      failed: [],
      error: expect.stringContaining("cannot read missing.yaml"),
    });
    expect(files[3]).toMatchObject({ failed: [] });
    expect(files[3]?.passed).toHaveLength(3);
    expect(files[3]).not.toHaveProperty("error");
  });

  it("a schema or relationships the service refuses is a load error with empty lists", async () => {
    const r = await run(
      {
        "schema.yaml": `schema: "definition INVALID {}"\nassertions:\n  assertTrue:\n    - document:d#reader@user:a\n`,
        "rels.yaml": `${SCHEMA}relationships: |-\n  document:d#forbidden@user:a\n`,
      },
      ["schema.yaml", "rels.yaml", "--json"],
    );
    expect(r.code).toBe(2);
    const [schema, rels] = parseReport(r.io.out()).files;
    expect(schema).toEqual({
      file: "schema.yaml",
      passed: [],
      failed: [],
      error: "the schema was refused: INVALID_SCHEMA: the schema says INVALID",
    });
    expect(rels).toEqual({
      file: "rels.yaml",
      passed: [],
      failed: [],
      error: "the relationships were refused: SCHEMA_VIOLATION: relation forbidden is not writable",
    });
    expect(r.calls.deleted).toEqual(r.calls.created);
  });

  it("uses a fresh temporary store per file and deletes it, also when a check throws", async () => {
    const throwing = `${SCHEMA}assertions:\n  assertTrue:\n    - document:d#boom@user:a\n`;
    const r = await run({ "a.yaml": GOOD, "b.yaml": throwing }, ["a.yaml", "b.yaml", "--json"]);
    expect(r.code).toBe(1);
    expect(r.calls.created).toHaveLength(2);
    for (const name of r.calls.created) expect(name).toMatch(/^validate-[0-9a-f]{12}$/);
    expect(new Set(r.calls.created).size).toBe(2);
    expect(r.calls.deleted).toEqual(r.calls.created);
    expect(r.calls.closed).toBe(1);
    expect(parseReport(r.io.out()).files[1]?.failed).toEqual([
      { assertion: "assertTrue document:d#boom@user:a", reason: "INTERNAL: boom" },
    ]);
  });

  it("warns on stderr when a temporary store cannot be deleted, keeping the file's result", async () => {
    const io = ioIn(workspace({ "a.yaml": GOOD }));
    const code = await runValidate(["a.yaml", "--json"], io, async () => ({
      ...directService(),
      deleteStore: async () => {
        throw new RelgraphError(ErrorCode.UNAVAILABLE, "Neo4j went away");
      },
    }));
    expect(code).toBe(0);
    expect(parseReport(io.out()).files[0]?.passed).toHaveLength(3);
    expect(io.err()).toMatch(
      /^relgraph validate: warning: a\.yaml: could not delete the temporary store validate-[0-9a-f]+: UNAVAILABLE: Neo4j went away\n$/,
    );
  });

  it("prints failed assertions and a summary for humans", async () => {
    const r = await run({ "a.yaml": FAILING, "b.yaml": GOOD, "c.yaml": "nope: 1" }, [
      "a.yaml",
      "b.yaml",
      "c.yaml",
    ]);
    expect(r.code).toBe(2);
    expect(r.io.out()).toBe(
      [
        "a.yaml: 1 of 1 assertion failed",
        "  FAIL assertTrue document:d#reader@user:bob: expected HAS_PERMISSION, got NO_PERMISSION",
        "b.yaml: ok (3 assertions passed)",
        "c.yaml: could not be loaded: not a validation file: expected `schema` or `schemaFile` (zed) or `model`, `model_file`, `tests` (OpenFGA)",
        "3 files: 1 could not be loaded, 1 assertion failed, 3 passed",
        "",
      ].join("\n"),
    );
  });

  it("defaults to the memory backend and passes --backend neo4j on", async () => {
    expect((await run({ "a.yaml": GOOD }, ["a.yaml"])).backends).toEqual(["memory"]);
    expect((await run({ "a.yaml": GOOD }, ["--backend", "neo4j", "a.yaml"])).backends).toEqual(["neo4j"]);
    expect((await run({ "a.yaml": GOOD }, ["--backend=neo4j", "a.yaml"])).backends).toEqual(["neo4j"]);
  });

  it("opens no backend when no file loads", async () => {
    const r = await run({ "c.yaml": "nope: 1" }, ["c.yaml", "--json"]);
    expect(r.code).toBe(2);
    expect(r.backends).toEqual([]);
  });

  it("reports a backend that cannot be opened on every loadable file", async () => {
    const io = ioIn(workspace({ "a.yaml": GOOD }));
    const code = await runValidate(["a.yaml", "--json", "--backend", "neo4j"], io, async () => {
      throw new RelgraphError(ErrorCode.UNAVAILABLE, "no Neo4j here");
    });
    expect(code).toBe(2);
    expect(parseReport(io.out()).files[0]?.error).toBe(
      "cannot open the neo4j backend: UNAVAILABLE: no Neo4j here",
    );
    expect(io.err()).toContain("UNAVAILABLE: no Neo4j here");
  });

  it("refuses bad usage with exit 2", async () => {
    for (const argv of [[], ["--backend", "postgres", "a.yaml"], ["--frobnicate", "a.yaml"], ["--backend"]]) {
      const io = captureIO();
      expect(await runValidate(argv, io, async () => partialService({})), argv.join(" ")).toBe(2);
      expect(io.err()).toContain("usage: relgraph validate");
      expect(io.out()).toBe("");
    }
    const help = captureIO();
    expect(await runValidate(["--help"], help)).toBe(0);
    expect(help.out()).toContain("usage: relgraph validate");
  });
});

// ---------------------------------------------------------------------------------------------

describe("validation file loader", () => {
  async function load(text: string, extra: Record<string, string> = {}) {
    const dir = workspace({ "sub/file.yaml": text, ...extra });
    return loadValidationFile("sub/file.yaml", dir);
  }

  it("reads schema, relationships (comments, blank lines), assertions and validation", async () => {
    const r = await load(`schema: "definition user {}"
relationships: |-
  // a comment

  document:d#reader@user:a
  document:d#reader@group:g#member
assertions:
  assertTrue:
    - "  document:d#view@user:a  "
  assertFalse:
    - document:d#view@user:b
  assertCaveated:
    - 'document:d#view@user:c with {"x": 1}'
validation:
  "document:d#view":
    - "[user:* - {user:b, user:c[...]}] is <document:d#reader>/<group:g#member>"
  "document:e#view": null
`);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.file.relationships.map((t) => `${t.subjectType}:${t.subjectId}#${t.subjectRelation}`)).toEqual([
      "user:a#",
      "group:g#member",
    ]);
    expect(r.file.assertions.map((a) => [a.kind, a.text])).toEqual([
      ["assertTrue", "document:d#view@user:a"],
      ["assertFalse", "document:d#view@user:b"],
      ["assertCaveated", 'document:d#view@user:c with {"x": 1}'],
    ]);
    expect(r.file.assertions[2]?.context).toEqual({ x: 1 });
    expect(r.file.validations.map((v) => [v.key, v.permission, v.expected.length])).toEqual([
      ["document:d#view", "view", 1],
      ["document:e#view", "view", 0],
    ]);
  });

  it("reads the files a schema imports, next to the schema file or the validation file", async () => {
    const viaFile = await load("schemaFile: schemas/s.zed\n", {
      "sub/schemas/s.zed": 'import "lib/u.zed"\ndefinition doc { relation viewer: user }\n',
      "sub/schemas/lib/u.zed": "definition user {}\n",
    });
    expect(viaFile).toMatchObject({
      ok: true,
      file: { schemaFiles: [{ path: "lib/u.zed", text: "definition user {}\n" }] },
    });
    const inline = await load('schema: |-\n  import "u.zed"\n  definition doc {}\n', {
      "sub/u.zed": "definition user {}\n",
    });
    expect(inline).toMatchObject({ ok: true, file: { schemaFiles: [{ path: "u.zed" }] } });
  });

  it("resolves schemaFile relative to the validation file", async () => {
    const r = await load("schemaFile: schemas/s.zed\n", { "sub/schemas/s.zed": "definition user {}\n" });
    expect(r).toMatchObject({ ok: true, file: { schema: "definition user {}\n" } });
  });

  it.each([
    ["schemaFile: ../outside.zed\n", "is not local"],
    ["schemaFile: /etc/passwd\n", "is not local"],
    ["schema: [\n", "invalid YAML"],
    ["- a\n- b\n", "must be a YAML mapping"],
    ["relationships: x\n", "not a validation file"],
    ["model_file: m.fga\n", 'cannot read model_file "m.fga"'],
    ["tests: []\n", "an OpenFGA test file needs `model` or `model_file`"],
    ['schema: "definition user {}"\nassertions:\n  assertMaybe: []\n', "unexpected key `assertMaybe`"],
    [
      'schema: "definition user {}"\nassertions:\n  assertTrue:\n    - not a tuple\n',
      "error parsing relationship",
    ],
    [
      'schema: "definition user {}"\nassertions:\n  assertTrue:\n    - "doc:b#rel@usr:e with nope"\n',
      "caveat context",
    ],
    [
      'schema: "definition user {}"\nrelationships: "doc:b#rel@usr:e\\ndoc:b#rel@usr:e"\n',
      "found repeated relationship",
    ],
    [
      'schema: "definition user {}"\nvalidation:\n  "doc:b#rel":\n    - "[not a subject] is <doc:b#rel>"\n',
      "invalid subject",
    ],
    [
      'schema: "definition user {}"\nvalidation:\n  "doc:b#rel":\n    - "[user:x] is <doc:b>"\n',
      'expected "type:id#relation"',
    ],
    ['schema: "definition user {}"\nvalidation:\n  "doc:b#rel": "[user:x]"\n', "expected a list of subjects"],
    ['schema: ""\n', "`schema` is empty"],
  ])("refuses %j (%s)", async (text, message) => {
    const r = await load(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });
});

describe("expected subjects (zed syntax)", () => {
  it("parses subjects, usersets, wildcards with exclusions, caveat markers and relations", () => {
    expect(parseExpectedSubject("[user:tom] is <document:firstdoc#writer>", "t")).toEqual({
      text: "[user:tom] is <document:firstdoc#writer>",
      subject: { subject: { type: "user", id: "tom", relation: "" }, caveated: false, exceptions: [] },
      relations: [
        {
          text: "document:firstdoc#writer",
          resource: { type: "document", id: "firstdoc" },
          relation: "writer",
        },
      ],
    });
    const wildcard = parseExpectedSubject(
      "[user:* - {user:x, user:y[...]}] is <acme/doc:d#rel>/<group:g#member>",
      "t",
    );
    expect(wildcard.subject?.subject).toEqual({ type: "user", id: "*", relation: "" });
    expect(wildcard.subject?.exceptions).toEqual([
      { subject: { type: "user", id: "x", relation: "" }, caveated: false },
      { subject: { type: "user", id: "y", relation: "" }, caveated: true },
    ]);
    expect(wildcard.relations.map((r) => `${r.resource.type}:${r.resource.id}#${r.relation}`)).toEqual([
      "acme/doc:d#rel",
      "group:g#member",
    ]);
    expect(parseExpectedSubject("[group:eng#member[...]] is <doc:x#rel>", "t").subject).toMatchObject({
      subject: { type: "group", id: "eng", relation: "member" },
      caveated: true,
    });
    expect(parseExpectedSubject("[user:tom#...] is <doc:x#rel>", "t").subject?.subject).toEqual({
      type: "user",
      id: "tom",
      relation: "",
    });
    expect(parseExpectedSubject("no subject here <doc:x#rel>", "t").subject).toBeUndefined();
  });
});

describe("compareSubjects (zed's comparison)", () => {
  const s = (text: string) => {
    const [object = "", relation = ""] = text.split("#");
    const [type = "", id = ""] = object.split(":");
    return { type, id, relation };
  };
  const r = (text: string) => {
    const { type, id, relation } = s(text);
    return { resource: { type, id }, relation };
  };
  const found = (subject: string, relations: string[], excluded: string[] = []): ExpandedSubject => ({
    subject: s(subject),
    excluded: excluded.map(s),
    relations: relations.map(r),
    conditional: false,
  });
  const expected = (...texts: string[]) => texts.map((t) => parseExpectedSubject(t, "test"));

  it("pins the justification of a nested group member", () => {
    const subjects = [
      found("group:eng#member", ["document:plan#reader"]),
      found("group:backend#member", ["group:eng#member"]),
      found("user:alice", ["group:backend#member"]),
    ];
    expect(
      compareSubjects(
        expected(
          "[group:eng#member] is <document:plan#reader>",
          "[group:backend#member] is <group:eng#member>",
          "[user:alice] is <group:backend#member>",
        ),
        subjects,
      ),
    ).toEqual([]);
    expect(
      compareSubjects(
        expected("[group:eng#member] is <document:plan#reader>", "[user:alice] is <group:eng#member>"),
        subjects,
      ),
    ).toEqual([
      "found different relationships for subject `user:alice`: specified <group:eng#member>, computed <group:backend#member>",
      "subject `group:backend#member` found but missing from specified",
    ]);
  });

  it("pins a wildcard with its exclusions", () => {
    const subjects = [found("user:*", ["document:d#reader"], ["user:mallory", "user:eve"])];
    expect(
      compareSubjects(expected("[user:* - {user:mallory, user:eve}] is <document:d#reader>"), subjects),
    ).toEqual([]);
    expect(compareSubjects(expected("[user:* - {user:eve}] is <document:d#reader>"), subjects)).toEqual([
      "found different excluded subjects for subject `user:*`: specified {user:eve}, computed {user:eve, user:mallory}",
    ]);
  });

  it("pins a userset subject", () => {
    const subjects = [
      found("group:eng#member", ["document:plan#reader"]),
      found("user:bob", ["group:eng#member"]),
    ];
    expect(
      compareSubjects(
        expected("[group:eng#member] is <document:plan#reader>", "[user:bob] is <group:eng#member>"),
        subjects,
      ),
    ).toEqual([]);
    expect(compareSubjects(expected("[user:bob] is <group:eng#member>"), subjects)).toEqual([
      "subject `group:eng#member` found but missing from specified",
    ]);
  });

  it("compares relations as sorted sets of the found side, like zed", () => {
    const subjects = [found("user:a", ["doc:x#writer", "doc:x#reader", "doc:x#reader"])];
    expect(compareSubjects(expected("[user:a] is <doc:x#writer>/<doc:x#reader>"), subjects)).toEqual([]);
    expect(compareSubjects(expected("[user:a] is <doc:x#reader>"), subjects)).toEqual([
      "found different relationships for subject `user:a`: specified <doc:x#reader>, computed <doc:x#reader>/<doc:x#writer>",
    ]);
  });

  it("reports missing subjects, unexpected exclusions and caveat mismatches", () => {
    const subjects = [found("user:a", ["doc:x#rel"])];
    expect(
      compareSubjects(expected("[user:b] is <doc:x#rel>", "[user:a - {user:c}] is <doc:x#rel>"), subjects),
    ).toEqual([
      "missing expected subject `user:b`",
      "found unexpected excluded subjects for subject `user:a`",
    ]);
    expect(compareSubjects(expected("[user:a[...]] is <doc:x#rel>"), subjects)).toEqual([
      "found caveat mismatch for subject `user:a`: specified caveated, computed not caveated",
    ]);
  });
});
