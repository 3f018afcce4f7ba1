// The local server's failure modes: clear errors, never a hang. (Start/stop itself is exercised by the
// test setup and .ci/run on every run.)
import { createServer, type Server } from "node:net";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  findJava,
  jvmOptions,
  LocalServerError,
  localServerPaths,
  settleClassArchive,
  start,
  status,
  stop,
} from "../../../src/neo4jServer/localServer.ts";
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

describe("local Neo4j server: the JVM's class archive", () => {
  // The JVM writes the archive at a clean exit; here a file stands in for what it writes.
  const base = mkdtempSync(join(tmpdir(), "relgraph-cds-"));
  const env = {
    RELGRAPH_NEO4J_CACHE: join(base, "cache"),
    RELGRAPH_STATE_DIR: join(base, "state"),
    RELGRAPH_NEO4J_JAVA_OPTS: "-XX:TieredStopAtLevel=1  -Dx=1",
  };
  const paths = localServerPaths(env);
  const java = "/usr/lib/jvm/some-java/bin/java";
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it("asks the first start to archive at exit, keeps the archive after a clean stop and maps it after", () => {
    const first = jvmOptions(paths, java, env);
    const dump = first.find((o) => o.startsWith("-XX:ArchiveClassesAtExit="));
    expect(dump).toMatch(/\.jsa\.[0-9a-f]+\.partial$/);
    // The user's options last (they win).
    expect(first.slice(-2)).toEqual(["-XX:TieredStopAtLevel=1", "-Dx=1"]);
    expect(first).toHaveLength(3);
    const partial = dump!.slice("-XX:ArchiveClassesAtExit=".length);
    writeFileSync(partial, "archive");
    settleClassArchive(paths, true);
    expect(existsSync(partial)).toBe(false);
    const second = jvmOptions(paths, java, env);
    const shared = second.find((o) => o.startsWith("-XX:SharedArchiveFile="))!;
    expect(readFileSync(shared.slice("-XX:SharedArchiveFile=".length), "utf8")).toBe("archive");
    // Another Java has its own archive.
    expect(jvmOptions(paths, "/usr/bin/java", env)[0]).toMatch(/^-XX:ArchiveClassesAtExit=/);
  });

  it("drops what a killed server may have half written", () => {
    const dump = jvmOptions(paths, "/opt/other/java", env)[0]!;
    const partial = dump.slice("-XX:ArchiveClassesAtExit=".length);
    writeFileSync(partial, "half");
    settleClassArchive(paths, false);
    expect(existsSync(partial)).toBe(false);
    expect(jvmOptions(paths, "/opt/other/java", env)[0]).toMatch(/^-XX:ArchiveClassesAtExit=/);
  });
});
