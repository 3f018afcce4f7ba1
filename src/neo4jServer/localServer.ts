/**
 * The local Neo4j server the project provisions for itself (no Docker, no tarball: Maven Central is
 * the only source of Neo4j on our machines, and it publishes the server's jars).
 *
 *   jars:     ~/.cache/relgraph/neo4j-<version>/lib   (outside the repo, reused across clones)
 *   state:    <repo>/.relgraph/neo4j/{home,password,neo4j.pid}   (git-ignored)
 *
 * `start` is idempotent and reports whether *it* started the server: whoever starts it owns it and is
 * the only one that stops it (npm start, the test setup and .ci/run all follow that rule).
 */
import { execFile, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createConnection } from "node:net";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import neo4j from "neo4j-driver";

const run = promisify(execFile);

/** Newest Neo4j 5.26 LTS patch that resolves from Maven Central (checked 2026-11-26). */
export const NEO4J_VERSION = "5.26.30";
/** The newest Browser build on Maven Central; served by the server at /browser/. */
export const NEO4J_BROWSER_VERSION = "5.24.0";

/** Environment variables as read (process.env, or a test's own). */
export type Env = Readonly<Record<string, string | undefined>>;

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export interface LocalServerPaths {
  readonly version: string;
  readonly cacheDir: string;
  readonly libDir: string;
  readonly stateDir: string;
  readonly home: string;
  readonly passwordFile: string;
  readonly pidFile: string;
  readonly logFile: string;
  readonly boltPort: number;
  readonly httpPort: number;
}

function port(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new Error(`${name} must be a port number, got "${value}"`);
  return n;
}

export function localServerPaths(env: Env = process.env): LocalServerPaths {
  const version = env["RELGRAPH_NEO4J_VERSION"] || NEO4J_VERSION;
  const cacheRoot =
    env["RELGRAPH_NEO4J_CACHE"] || join(env["XDG_CACHE_HOME"] || join(homedir(), ".cache"), "relgraph");
  const cacheDir = join(cacheRoot, `neo4j-${version}`);
  const stateDir = join(env["RELGRAPH_STATE_DIR"] || join(PROJECT_ROOT, ".relgraph"), "neo4j");
  const home = join(stateDir, "home");
  return {
    version,
    cacheDir,
    libDir: join(cacheDir, "lib"),
    stateDir,
    home,
    passwordFile: join(stateDir, "password"),
    pidFile: join(stateDir, "neo4j.pid"),
    logFile: join(home, "logs", "console.log"),
    boltPort: port(env["RELGRAPH_NEO4J_BOLT_PORT"], 7687, "RELGRAPH_NEO4J_BOLT_PORT"),
    httpPort: port(env["RELGRAPH_NEO4J_HTTP_PORT"], 7474, "RELGRAPH_NEO4J_HTTP_PORT"),
  };
}

/** A provisioning failure with the facts a person needs (missing tool, taken port, log tail). */
export class LocalServerError extends Error {
  override readonly name = "LocalServerError";
}

export type Log = (line: string) => void;

async function javaMajor(java: string): Promise<number | undefined> {
  try {
    const { stderr, stdout } = await run(java, ["-version"], { timeout: 20_000 });
    const m = /version "(\d+)(?:\.(\d+))?/.exec(stderr + stdout);
    if (!m) return undefined;
    const major = Number(m[1]);
    return major === 1 ? Number(m[2]) : major;
  } catch {
    return undefined;
  }
}

const JAVA_FALLBACKS = [
  "/usr/lib/jvm/java-17-openjdk-amd64/bin/java",
  "/usr/lib/jvm/java-21-openjdk-amd64/bin/java",
  "/usr/lib/jvm/java-17-openjdk-arm64/bin/java",
  "/usr/lib/jvm/java-21-openjdk-arm64/bin/java",
  "java",
];

/** Neo4j 5.26 runs on Java 17 or 21; newer JDKs on the machine (Temurin 25) are skipped. */
export async function findJava(
  env: Env = process.env,
  fallbacks: readonly string[] = JAVA_FALLBACKS,
): Promise<string> {
  const candidates = [
    env["RELGRAPH_JAVA"],
    env["JAVA_HOME"] && join(env["JAVA_HOME"], "bin", "java"),
    ...fallbacks,
  ].filter((c): c is string => !!c);
  const seen: string[] = [];
  for (const c of candidates) {
    if (c !== "java" && !existsSync(c)) continue;
    const major = await javaMajor(c);
    if (major === 17 || major === 21) return c;
    if (major !== undefined) seen.push(`${c} (Java ${major})`);
  }
  throw new LocalServerError(
    `Neo4j ${NEO4J_VERSION} needs Java 17 or 21, and none was found` +
      (seen.length ? ` (found only ${seen.join(", ")})` : "") +
      ". Install it (Debian: apt-get install -y openjdk-17-jre-headless) or set RELGRAPH_JAVA, or set NEO4J_URI.",
  );
}

function pom(version: string): string {
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.relgraph</groupId>
  <artifactId>neo4j-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.neo4j</groupId><artifactId>neo4j</artifactId><version>${version}</version></dependency>
    <dependency><groupId>org.neo4j.app</groupId><artifactId>neo4j-server</artifactId><version>${version}</version></dependency>
    <dependency><groupId>org.neo4j.client</groupId><artifactId>neo4j-browser</artifactId><version>${NEO4J_BROWSER_VERSION}</version></dependency>
  </dependencies>
</project>
`;
}

/** Downloads the server's jars once into the cache (about 215 jars, 132 MB, ~10–60 s). */
export async function provisionJars(paths: LocalServerPaths, log: Log): Promise<void> {
  if (existsSync(join(paths.libDir, ".complete"))) return;
  try {
    await run("mvn", ["-v"], { timeout: 60_000 });
  } catch {
    throw new LocalServerError(
      "Maven (mvn) is needed once to download Neo4j's jars from Maven Central, and it is not installed. " +
        "Install it (Debian: apt-get install -y maven) or set NEO4J_URI to an existing Neo4j.",
    );
  }
  log(`Downloading Neo4j ${paths.version} from Maven Central into ${paths.cacheDir} (once) ...`);
  mkdirSync(paths.cacheDir, { recursive: true });
  const work = join(paths.cacheDir, `download-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, "pom.xml"), pom(paths.version));
  try {
    await run(
      "mvn",
      [
        "-B",
        "-q",
        "-f",
        join(work, "pom.xml"),
        "dependency:copy-dependencies",
        `-DoutputDirectory=${join(work, "lib")}`,
        "-DincludeScope=runtime",
      ],
      { timeout: 15 * 60_000, maxBuffer: 64 * 1024 * 1024 },
    );
  } catch (e) {
    const out = e && typeof e === "object" && "stdout" in e ? String((e as { stdout: unknown }).stdout) : "";
    throw new LocalServerError(
      `Maven could not download Neo4j ${paths.version}:\n${out.split("\n").slice(-20).join("\n")}`,
    );
  }
  writeFileSync(join(work, "lib", ".complete"), new Date().toISOString());
  // Another process may have finished first: keep theirs.
  if (existsSync(join(paths.libDir, ".complete"))) rmSync(work, { recursive: true, force: true });
  else {
    rmSync(paths.libDir, { recursive: true, force: true });
    renameSync(join(work, "lib"), paths.libDir);
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Options for a JVM that starts fast: class data sharing. The classes Neo4j loads are archived once
 * per Java (at the first clean stop, `-XX:ArchiveClassesAtExit`, ~15 s longer) in the download
 * cache, and every later start maps them (`-XX:SharedArchiveFile`): start-up 14 s → 6 s here, also
 * after a kill -9. A JVM that cannot use the archive (another Java build) ignores it.
 *
 * Not the client compiler only (`-XX:TieredStopAtLevel=1`): it halved the cold JVM's warm-up after a
 * kill under load, but 1,000-row writes ran at 1,700–2,100 rows/s against 5,100–5,700 with C2.
 * RELGRAPH_NEO4J_JAVA_OPTS comes last, so its options win.
 */
export function jvmOptions(paths: LocalServerPaths, java: string, env: Env): string[] {
  const archive = classArchive(paths, java);
  let share: string;
  if (existsSync(archive)) share = `-XX:SharedArchiveFile=${archive}`;
  else {
    // Each server writes its own partial file; its clean stop renames it (settleClassArchive).
    const partial = `${archive}.${randomBytes(6).toString("hex")}.partial`;
    mkdirSync(dirname(archive), { recursive: true });
    mkdirSync(paths.stateDir, { recursive: true });
    writeFileSync(join(paths.stateDir, "class-archive.partial"), `${partial}\n`);
    share = `-XX:ArchiveClassesAtExit=${partial}`;
  }
  return [share, ...(env["RELGRAPH_NEO4J_JAVA_OPTS"] ?? "").split(/\s+/).filter((o) => o !== "")];
}

/** The class archive of one Java, in the download cache (shared by every state directory). */
function classArchive(paths: LocalServerPaths, java: string): string {
  const key = createHash("sha256").update(java).digest("hex").slice(0, 16);
  return join(paths.cacheDir, "class-archives", `${key}.jsa`);
}

/**
 * After a clean stop the JVM has written the archive it was asked for: keep it. After a kill (or
 * before a new start) its file may be partial: drop it.
 */
export function settleClassArchive(paths: LocalServerPaths, clean: boolean): void {
  const marker = join(paths.stateDir, "class-archive.partial");
  if (!existsSync(marker)) return;
  const partial = readFileSync(marker, "utf8").trim();
  rmSync(marker, { force: true });
  if (!partial.endsWith(".partial") || !existsSync(partial)) return;
  if (clean && statSync(partial).size > 0) renameSync(partial, partial.replace(/\.[0-9a-f]+\.partial$/, ""));
  else rmSync(partial, { force: true });
}

function neo4jConf(paths: LocalServerPaths, env: Env): string {
  const heap = env["RELGRAPH_NEO4J_HEAP"] || "1g";
  const pageCache = env["RELGRAPH_NEO4J_PAGECACHE"] || "512m";
  return `# Written by relgraph (src/neo4jServer/localServer.ts) on every start; edits are overwritten.
server.default_listen_address=127.0.0.1
server.bolt.listen_address=:${paths.boltPort}
server.http.listen_address=:${paths.httpPort}
server.https.enabled=false
server.bolt.tls_level=DISABLED
server.directories.data=${join(paths.home, "data")}
server.directories.logs=${join(paths.home, "logs")}
server.directories.run=${join(paths.home, "run")}
server.directories.import=${join(paths.home, "import")}
server.directories.plugins=${join(paths.home, "plugins")}
server.memory.heap.initial_size=${heap}
server.memory.heap.max_size=${heap}
server.memory.pagecache.size=${pageCache}
# No internet here: nothing may phone home. (Neo4j 5.26 no longer declares
# browser.allow_outgoing_connections, and strict config validation refuses undeclared settings;
# client.allow_telemetry is the 5.x switch that stops the Browser's telemetry.)
dbms.usage_report.enabled=false
client.allow_telemetry=false
# Browser guides and style sheets served by Relgraph itself.
browser.remote_content_hostname_whitelist=localhost,127.0.0.1
db.tx_log.rotation.retention_policy=2 files
db.logs.query.enabled=OFF
dbms.security.auth_enabled=true
`;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.setTimeout(1000);
    socket.once("connect", () => {
      socket.destroy();
      resolvePort(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolvePort(false);
    });
    socket.once("error", () => resolvePort(false));
  });
}

function readPid(paths: LocalServerPaths): number | undefined {
  try {
    const pid = Number(readFileSync(paths.pidFile, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function readPassword(paths: LocalServerPaths): string | undefined {
  try {
    return readFileSync(paths.passwordFile, "utf8").trim();
  } catch {
    return undefined;
  }
}

async function boltAnswers(paths: LocalServerPaths, password: string): Promise<boolean> {
  const driver = neo4j.driver(`bolt://127.0.0.1:${paths.boltPort}`, neo4j.auth.basic("neo4j", password), {
    telemetryDisabled: true,
    connectionTimeout: 2000,
  });
  try {
    await driver.verifyConnectivity();
    return true;
  } catch {
    return false;
  } finally {
    await driver.close();
  }
}

function logTail(paths: LocalServerPaths, lines = 30): string {
  const files = [paths.logFile, join(paths.home, "logs", "neo4j.log"), join(paths.home, "logs", "debug.log")];
  const parts: string[] = [];
  for (const f of files) {
    try {
      const text = readFileSync(f, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
      if (text) parts.push(`--- ${f} (last ${lines} lines) ---\n${text}`);
    } catch {
      // not written yet
    }
  }
  return parts.join("\n") || "(no log written)";
}

export interface ServerStatus {
  readonly running: boolean;
  readonly pid?: number;
  readonly bolt: string;
  readonly browser: string;
}

export async function status(env: Env = process.env): Promise<ServerStatus> {
  const paths = localServerPaths(env);
  const pid = readPid(paths);
  const running = pid !== undefined && alive(pid) && (await portOpen(paths.boltPort));
  return {
    running,
    ...(running && pid !== undefined ? { pid } : {}),
    bolt: `bolt://127.0.0.1:${paths.boltPort}`,
    browser: `http://127.0.0.1:${paths.httpPort}/browser/`,
  };
}

export interface StartResult extends ServerStatus {
  /** true when this call started the server (and so owns it). */
  readonly started: boolean;
  readonly password: string;
}

/** Starts the local server unless ours already runs; waits until Bolt answers. */
export async function start(
  options: { env?: Env; log?: Log; timeoutMs?: number } = {},
): Promise<StartResult> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const paths = localServerPaths(env);
  const current = await status(env);
  const existingPassword = readPassword(paths);
  if (current.running && existingPassword !== undefined) {
    if (await boltAnswers(paths, existingPassword))
      return { ...current, started: false, password: existingPassword };
  }
  const pid = readPid(paths);
  if (pid !== undefined && alive(pid)) {
    // Ours, but still starting (or wedged): wait for it rather than start a second one. A process
    // that is only dying (just killed: its pid lives a moment longer) ends the wait with undefined,
    // and a new one starts.
    const up = await waitUntilUp(paths, pid, existingPassword ?? "", options.timeoutMs ?? 120_000, false);
    if (up !== undefined) return up;
  }
  for (const p of [paths.boltPort, paths.httpPort]) {
    if (await portOpen(p))
      throw new LocalServerError(
        `port ${p} on 127.0.0.1 is taken by another process, so Neo4j cannot start there. ` +
          "Stop that process, or choose other ports with RELGRAPH_NEO4J_BOLT_PORT / RELGRAPH_NEO4J_HTTP_PORT, " +
          "or point NEO4J_URI at the Neo4j that is running.",
      );
  }
  const java = await findJava(env);
  await provisionJars(paths, log);

  for (const d of ["conf", "data", "logs", "run", "import", "plugins"])
    mkdirSync(join(paths.home, d), { recursive: true });
  writeFileSync(join(paths.home, "conf", "neo4j.conf"), neo4jConf(paths, env));
  const classpath = `${paths.libDir}/*`;
  const childEnv = { ...process.env, NEO4J_HOME: paths.home, NEO4J_CONF: join(paths.home, "conf") };

  let password = existingPassword;
  const hasDatabase = existsSync(join(paths.home, "data", "dbms"));
  if (password === undefined || !hasDatabase) {
    password = password ?? randomBytes(18).toString("base64url");
    try {
      await run(
        java,
        [
          "-cp",
          classpath,
          "org.neo4j.server.startup.Neo4jAdminCommand",
          "dbms",
          "set-initial-password",
          password,
        ],
        { env: childEnv, timeout: 120_000 },
      );
    } catch (e) {
      const msg =
        e && typeof e === "object" && "stderr" in e ? String((e as { stderr: unknown }).stderr) : String(e);
      throw new LocalServerError(
        `setting Neo4j's initial password failed:\n${msg.split("\n").slice(-15).join("\n")}`,
      );
    }
    mkdirSync(paths.stateDir, { recursive: true });
    writeFileSync(paths.passwordFile, `${password}\n`, { mode: 0o600 });
    chmodSync(paths.passwordFile, 0o600);
  }

  // A server of this state directory that was killed may have left a partial class archive.
  settleClassArchive(paths, false);
  log(`Starting Neo4j ${paths.version} (${java}) ...`);
  const heap = env["RELGRAPH_NEO4J_HEAP"] || "1g";
  const out = openSync(paths.logFile, "a");
  const child = spawn(
    java,
    [
      `-Xms${heap}`,
      `-Xmx${heap}`,
      "-XX:+UseG1GC",
      "-XX:+ExitOnOutOfMemoryError",
      "-Djdk.tls.ephemeralDHKeySize=2048",
      "-Dfile.encoding=UTF-8",
      ...jvmOptions(paths, java, env),
      "-cp",
      classpath,
      "org.neo4j.server.CommunityEntryPoint",
      `--home-dir=${paths.home}`,
      `--config-dir=${join(paths.home, "conf")}`,
    ],
    { env: childEnv, detached: true, stdio: ["ignore", out, out] },
  );
  closeSync(out);
  if (child.pid === undefined) throw new LocalServerError(`could not start ${java}`);
  writeFileSync(paths.pidFile, `${child.pid}\n`);
  child.unref();
  return waitUntilUp(paths, child.pid, password, options.timeoutMs ?? 120_000, true);
}

/**
 * Waits until Bolt answers. If the process exits meanwhile: an error when this call started it,
 * undefined when it was an earlier process (which may have been killed), so the caller starts anew.
 */
async function waitUntilUp(
  paths: LocalServerPaths,
  pid: number,
  password: string,
  timeoutMs: number,
  started: true,
): Promise<StartResult>;
async function waitUntilUp(
  paths: LocalServerPaths,
  pid: number,
  password: string,
  timeoutMs: number,
  started: false,
): Promise<StartResult | undefined>;
async function waitUntilUp(
  paths: LocalServerPaths,
  pid: number,
  password: string,
  timeoutMs: number,
  started: boolean,
): Promise<StartResult | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) {
      rmSync(paths.pidFile, { force: true });
      if (!started) return undefined;
      throw new LocalServerError(`Neo4j exited during start-up.\n${logTail(paths)}`);
    }
    if ((await portOpen(paths.boltPort)) && (await boltAnswers(paths, password))) {
      return {
        running: true,
        pid,
        started,
        password,
        bolt: `bolt://127.0.0.1:${paths.boltPort}`,
        browser: `http://127.0.0.1:${paths.httpPort}/browser/`,
      };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new LocalServerError(
    `Neo4j did not answer on Bolt within ${Math.round(timeoutMs / 1000)} s.\n${logTail(paths)}`,
  );
}

/** Stops the local server if it runs; idempotent. */
export async function stop(options: { env?: Env; log?: Log } = {}): Promise<boolean> {
  const paths = localServerPaths(options.env ?? process.env);
  const pid = readPid(paths);
  if (pid === undefined || !alive(pid)) {
    rmSync(paths.pidFile, { force: true });
    return false;
  }
  (options.log ?? (() => {}))(`Stopping Neo4j (pid ${pid}) ...`);
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + 60_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  const clean = !alive(pid);
  if (!clean) process.kill(pid, "SIGKILL");
  rmSync(paths.pidFile, { force: true });
  settleClassArchive(paths, clean);
  return true;
}
