// The local server's failure modes: clear errors, never a hang. (Start/stop itself is exercised by the
// test setup and .ci/run on every run.)
import { createServer, type Server } from "node:net";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findJava, LocalServerError, start, status, stop } from "../../../src/neo4jServer/localServer.ts";
import { runCli } from "../../../src/cli/main.ts";

function listen(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer(() => {});
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve({ server, port: typeof address === "object" && address ? address.port : 0 });
    });
  });
}

describe("local Neo4j server", () => {
  let taken: { server: Server; port: number };
  let env: Record<string, string | undefined>;
  beforeAll(async () => {
    taken = await listen();
    env = {
      ...process.env,
      RELGRAPH_STATE_DIR: mkdtempSync(join(tmpdir(), "relgraph-state-")),
      RELGRAPH_NEO4J_BOLT_PORT: String(taken.port),
      RELGRAPH_NEO4J_HTTP_PORT: String(taken.port),
    };
  });
  afterAll(() => taken.server.close());

  it("refuses a taken port with a message naming it and how to fix it", async () => {
    const err = await start({ env }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LocalServerError);
    expect((err as Error).message).toContain(`port ${taken.port}`);
    expect((err as Error).message).toContain("RELGRAPH_NEO4J_BOLT_PORT");
  });

  it("reports stopped (exit 3) and stops idempotently where nothing runs", async () => {
    expect((await status(env)).running).toBe(false);
    expect(await stop({ env })).toBe(false);
    const out: string[] = [];
    const io = {
      stdout: (t: string) => out.push(t),
      stderr: (t: string) => out.push(t),
      env,
      cwd: process.cwd(),
    };
    expect(await runCli(["neo4j", "status"], io)).toBe(3);
    expect(out.join("")).toContain("stopped");
    expect(await runCli(["neo4j", "stop"], io)).toBe(0);
  });

  it("explains a missing Java 17/21 instead of failing obscurely", async () => {
    const none = await findJava({ JAVA_HOME: "/nonexistent" }, ["/nonexistent/bin/java"]).catch(
      (e: unknown) => e,
    );
    expect(none).toBeInstanceOf(LocalServerError);
    expect((none as Error).message).toMatch(/needs Java 17 or 21.*apt-get install/s);
    const temurin = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java";
    if (existsSync(temurin)) {
      // A newer JDK alone is named and skipped, never used.
      const err = await findJava({}, [temurin]).catch((e: unknown) => e);
      expect((err as Error).message).toContain("Java 25");
    }
  });

  it("rejects a malformed port setting", async () => {
    await expect(status({ RELGRAPH_NEO4J_BOLT_PORT: "seventy" })).rejects.toThrow(/RELGRAPH_NEO4J_BOLT_PORT/);
  });
});
