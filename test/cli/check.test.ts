/** `relgraph check`: arguments, output and exit codes, on a fake service. */
import { describe, expect, it } from "vitest";
import { parseConsistency, runCheck } from "../../src/cli/commands/check.ts";
import type { Backend } from "../../src/cli/validation/backend.ts";
import { ErrorCode, RelgraphError } from "../../src/errors.ts";
import type { CheckRequest, Consistency, Permissionship } from "../../src/coordinator/service.ts";
import { captureIO } from "./fixtures.ts";
import { partialService } from "./services.ts";

interface Seen {
  store?: string;
  request?: CheckRequest;
  consistency?: Consistency | undefined;
  backend?: Backend;
  closed: number;
}

async function check(argv: readonly string[], answer: Permissionship | Error = "HAS_PERMISSION") {
  const seen: Seen = { closed: 0 };
  const io = captureIO({ NEO4J_URI: "bolt://example:7687" });
  const code = await runCheck(argv, io, async (backend) => {
    seen.backend = backend;
    return partialService({
      async check(store, request, consistency) {
        seen.store = store;
        seen.request = request;
        seen.consistency = consistency;
        if (answer instanceof Error) throw answer;
        return { permissionship: answer, checkedAt: "token-1" };
      },
      async close() {
        seen.closed++;
      },
    });
  });
  return { code, out: io.out(), err: io.err(), seen };
}

describe("relgraph check", () => {
  it("exits 0 and prints HAS_PERMISSION when allowed, on the Neo4j backend and the default store", async () => {
    const r = await check(["document:readme", "view", "user:alice"]);
    expect(r).toMatchObject({ code: 0, out: "HAS_PERMISSION\n", err: "" });
    expect(r.seen).toEqual({
      backend: "neo4j",
      store: "default",
      request: {
        resource: { type: "document", id: "readme" },
        permission: "view",
        subject: { type: "user", id: "alice", relation: "" },
      },
      consistency: { kind: "minimizeLatency" },
      closed: 1,
    });
  });

  it("exits 1 when denied and 3 when conditional", async () => {
    expect(await check(["document:readme", "view", "user:bob"], "NO_PERMISSION")).toMatchObject({
      code: 1,
      out: "NO_PERMISSION\n",
    });
    expect(await check(["document:readme", "view", "user:bob"], "CONDITIONAL_PERMISSION")).toMatchObject({
      code: 3,
      out: "CONDITIONAL_PERMISSION\n",
    });
  });

  it("passes --store, --consistency and userset subjects on", async () => {
    const r = await check([
      "--store",
      "tenant-a",
      "folder:root",
      "view",
      "group:eng#member",
      "--consistency=at_least_as_fresh:abc123",
    ]);
    expect(r.code).toBe(0);
    expect(r.seen.store).toBe("tenant-a");
    expect(r.seen.request?.subject).toEqual({ type: "group", id: "eng", relation: "member" });
    expect(r.seen.consistency).toEqual({ kind: "atLeastAsFresh", token: "abc123" });
    expect(
      (await check(["--consistency", "fully_consistent", "a1a:x", "view", "usr:y"])).seen.consistency,
    ).toEqual({
      kind: "fullyConsistent",
    });
  });

  it("exits 2 with the error code on stderr when the engine refuses", async () => {
    const r = await check(
      ["document:readme", "view", "user:alice", "--store", "nope"],
      new RelgraphError(ErrorCode.NOT_FOUND, "store nope does not exist"),
    );
    expect(r).toMatchObject({
      code: 2,
      out: "",
      err: "relgraph check: NOT_FOUND: store nope does not exist\n",
    });
    expect(r.seen.closed).toBe(1);
  });

  it("exits 2 when the backend cannot be opened", async () => {
    const io = captureIO();
    const code = await runCheck(["document:readme", "view", "user:alice"], io, async () => {
      throw new RelgraphError(ErrorCode.UNAVAILABLE, "no NEO4J_URI is set");
    });
    expect(code).toBe(2);
    expect(io.err()).toBe("relgraph check: UNAVAILABLE: no NEO4J_URI is set\n");
  });

  it.each([
    [[], "expected RESOURCE PERMISSION SUBJECT"],
    [["document:readme", "view"], "expected RESOURCE PERMISSION SUBJECT"],
    [["document:readme", "view", "user:alice", "extra"], "expected RESOURCE PERMISSION SUBJECT"],
    [["document", "view", "user:alice"], "resource"],
    [["document:readme", "view", "user"], "subject"],
    [["document:readme", "view", "user:alice", "--consistency", "eventually"], "--consistency must be"],
    [
      ["document:readme", "view", "user:alice", "--consistency", "at_least_as_fresh:"],
      "--consistency must be",
    ],
    [["document:readme", "view", "user:alice", "--store"], "--store needs a value"],
    [["document:readme", "view", "user:alice", "--verbose"], "unknown option --verbose"],
  ])("exits 2 on bad arguments %j", async (argv, message) => {
    const r = await check(argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain("relgraph check: INVALID_ARGUMENT: ");
    expect(r.err).toContain(message);
    expect(r.seen.backend).toBeUndefined();
  });

  it("prints usage on --help", async () => {
    const r = await check(["--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("usage: relgraph check");
  });

  it("parses the consistency modes", () => {
    expect(parseConsistency("minimize_latency")).toEqual({ kind: "minimizeLatency" });
    expect(parseConsistency("fully_consistent")).toEqual({ kind: "fullyConsistent" });
    expect(parseConsistency("at_least_as_fresh:t:with:colons")).toEqual({
      kind: "atLeastAsFresh",
      token: "t:with:colons",
    });
  });
});

describe("--consistency spellings", () => {
  it("accepts the CLI's and GraphQL's spellings alike", () => {
    for (const [a, b] of [
      ["minimize_latency", "minimizeLatency"],
      ["fully_consistent", "fullyConsistent"],
      ["at_least_as_fresh:rg2_x", "atLeastAsFresh:rg2_x"],
    ] as const)
      expect(parseConsistency(b)).toEqual(parseConsistency(a));
    expect(parseConsistency("atLeastAsFresh:tok")).toEqual({ kind: "atLeastAsFresh", token: "tok" });
    expect(() => parseConsistency("atLeastAsFresh:")).toThrow(/--consistency must be/);
  });
});

describe("check --json", () => {
  it("prints the GraphQL CheckResult's fields, and keeps the exit code", async () => {
    const io = captureIO({});
    const service = partialService({
      check: async () => ({ permissionship: "NO_PERMISSION", checkedAt: "tok" }),
    });
    const code = await runCheck(["document:readme", "view", "user:alice", "--json"], io, async () => service);
    expect(code).toBe(1);
    expect(JSON.parse(io.out())).toEqual({
      allowed: false,
      permissionship: "NO_PERMISSION",
      missingContext: [],
      checkedAt: "tok",
      explanation: null,
    });
  });
});
