/**
 * Relgraph as an npm package, the way a user gets it: `npm pack` (prepack → `npm run build`: tsc to
 * dist/, JavaScript + .d.ts), the tarball installed into an empty ESM project, and that project
 *   - runs the README's library example on the memory store with plain `node` (no tsx),
 *   - runs it on Neo4j (explicit options, and `createRelgraph()` from the environment), in a fresh
 *     store it deletes afterwards; no Neo4j is a failure, never a skip,
 *   - type-checks a TypeScript consumer against the package's declarations with the repo's tsc,
 *   - runs the `relgraph` bin (which runs the shipped sources with tsx).
 *
 * One pack and one install serve every assertion. The pack runs in a copy of the repository (its
 * node_modules linked), so the test never writes dist/ into the working tree.
 *
 * The install: a package-lock.json for the app, made of the tarball plus the production entries of the
 * repo's own lock (what `npm ci --omit=dev` would install: the versions the suites ran against), then
 * `npm ci --offline`, which takes the tarballs from npm's cache (the repo's `npm ci` put them there):
 * ~2 s and no network. When the cache lacks one (a cleaned cache), `npm ci --prefer-offline` fetches
 * those exact tarballs from the registry (~15 s).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const TSC = join(ROOT, "node_modules/.bin/tsc");

interface Run {
  readonly stdout: string;
  readonly stderr: string;
}

function run(
  file: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
  timeout = 120_000,
): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    execFile(file, args, { cwd, env, timeout, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error)
        reject(
          new Error(
            `${file} ${args.join(" ")} (in ${cwd}) failed: ${error.message}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`,
          ),
        );
      else resolvePromise({ stdout, stderr });
    });
  });
}

/** Where Neo4j is: NEO4J_* (the test setup exports them), else the local server the project provisions. */
function neo4jEnv(): Record<string, string> {
  const database = process.env["NEO4J_DATABASE"] || "neo4j";
  const user = process.env["NEO4J_USER"] || "neo4j";
  const uri = process.env["NEO4J_URI"];
  if (uri)
    return {
      NEO4J_URI: uri,
      NEO4J_USER: user,
      NEO4J_PASSWORD: process.env["NEO4J_PASSWORD"] ?? "",
      NEO4J_DATABASE: database,
    };
  const passwordFile = join(ROOT, ".relgraph/neo4j/password");
  if (!existsSync(passwordFile))
    throw new Error(
      `the package test needs Neo4j: NEO4J_URI is not set and ${passwordFile} is missing (run \`npm run neo4j:start\`)`,
    );
  return {
    NEO4J_URI: `bolt://127.0.0.1:${process.env["RELGRAPH_NEO4J_BOLT_PORT"] || "7687"}`,
    NEO4J_USER: user,
    NEO4J_PASSWORD: readFileSync(passwordFile, "utf8").trim(),
    NEO4J_DATABASE: database,
  };
}

interface LockEntry {
  readonly dev?: boolean;
  readonly devOptional?: boolean;
  readonly [key: string]: unknown;
}

/** The app's lockfile: the tarball, and the repo lock's production dependency tree. */
function appLockfile(pkg: Record<string, unknown>, tarball: string, integrity: string): unknown {
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockEntry>;
  };
  const production = Object.entries(lock.packages).filter(
    ([path, entry]) => path.startsWith("node_modules/") && !entry.dev && !entry.devOptional,
  );
  const relgraph = {
    version: pkg["version"],
    resolved: `file:${tarball}`,
    integrity,
    license: pkg["license"],
    dependencies: pkg["dependencies"],
    bin: pkg["bin"],
    engines: pkg["engines"],
  };
  return {
    name: "relgraph-package-test-app",
    lockfileVersion: 3,
    requires: true,
    packages: {
      "": { name: "relgraph-package-test-app", dependencies: { relgraph: `file:${tarball}` } },
      "node_modules/relgraph": relgraph,
      ...Object.fromEntries(production),
    },
  };
}

/** The worker threads run from the compiled package (their entry is the sibling .js file). */
const WORKER_APP = `
const dist = new URL("./node_modules/relgraph/dist/", import.meta.url);
const { compileSchemaOffThread } = await import(new URL("language/offThread.js", dist).href);
const { checkLargeDocument, Preloaded } = await import(new URL("api/largeDocuments.js", dist).href);
const { resolveLimits } = await import(new URL("api/limits.js", dist).href);
const { createFormatError } = await import(new URL("api/formatError.js", dist).href);
const schema = "definition user {}\\n" + Array.from({ length: 300 }, (_, i) => "definition doc" + i + " { relation viewer: user\\n permission view = viewer }").join("\\n");
const compiled = await compileSchemaOffThread(schema, { format: "zed" });
const query = "{ " + Array.from({ length: 300 }, (_, i) => "a" + i + ": check(resource: \\"doc:1\\", permission: \\"view\\", subject: \\"user:ann\\") { allowed }").join(" ") + " }";
const outcome = await checkLargeDocument({ text: query }, resolveLimits({}), new Preloaded(), createFormatError());
const bad = await checkLargeDocument({ text: query + " nosuch" }, resolveLimits({}), new Preloaded(), createFormatError());
console.log(JSON.stringify({ schemaChars: schema.length > 4096, definitions: compiled.ir.definitions.length, outcome: outcome.kind, bad: bad.kind }));
`;

const MEMORY_APP = `
import { createRelgraph, RelgraphError, ErrorCode, parseTuple, formatTuple, parseObjectRef, parseSubjectRef, configFromEnv } from "relgraph";

const rg = await createRelgraph({ memory: true });
await rg.writeSchema("default", "definition user {}\\ndefinition doc { relation viewer: user }", "ZED");
const { token } = await rg.writeRelationships("default", [{ operation: "TOUCH", tuple: parseTuple("doc:1#viewer@user:ann") }]);
const check = (subject) =>
  rg.check("default", { resource: parseObjectRef("doc:1"), permission: "viewer", subject: parseSubjectRef(subject) }, { kind: "atLeastAsFresh", token });
const ann = await check("user:ann");
const bob = await check("user:bob");
let error;
try {
  parseTuple("not a tuple");
} catch (e) {
  error = e;
}
await rg.close();
console.log(JSON.stringify({
  ann: ann.permissionship,
  bob: bob.permissionship,
  tuple: formatTuple(parseTuple("doc:1#viewer@user:ann")),
  errorIsRelgraphError: error instanceof RelgraphError,
  errorCode: error?.code,
  invalidArgument: ErrorCode.INVALID_ARGUMENT,
  port: configFromEnv({}).server.port,
}));
`;

const NEO4J_APP = `
import { createRelgraph, parseTuple, parseObjectRef, parseSubjectRef } from "relgraph";

const { NEO4J_URI: uri, NEO4J_USER: user, NEO4J_PASSWORD: password, NEO4J_DATABASE: database } = process.env;
const rg = await createRelgraph({ neo4j: { uri, user, password, database } });
const store = "package-test-" + process.pid + "-" + Date.now();
await rg.createStore(store);
const result = {};
try {
  await rg.writeSchema(store, "definition user {}\\ndefinition doc { relation viewer: user }", "ZED");
  const { token } = await rg.writeRelationships(store, [{ operation: "TOUCH", tuple: parseTuple("doc:1#viewer@user:ann") }]);
  const request = (subject) => ({ resource: parseObjectRef("doc:1"), permission: "viewer", subject: parseSubjectRef(subject) });
  result.ann = (await rg.check(store, request("user:ann"), { kind: "atLeastAsFresh", token })).permissionship;
  result.bob = (await rg.check(store, request("user:bob"), { kind: "atLeastAsFresh", token })).permissionship;
  // From the environment (NEO4J_URI...), as \`relgraph serve\` does: a second instance sees the write.
  const fromEnv = await createRelgraph();
  try {
    result.annFromEnv = (await fromEnv.check(store, request("user:ann"), { kind: "atLeastAsFresh", token })).permissionship;
  } finally {
    await fromEnv.close();
  }
} finally {
  await rg.deleteStore(store);
  result.storeDeleted = !(await rg.stores()).some((s) => s.name === store);
  await rg.close();
}
console.log(JSON.stringify(result));
`;

const TS_APP = `
import { createRelgraph, RelgraphError, ErrorCode, parseTuple, formatTuple, parseObjectRef, parseSubjectRef, configFromEnv } from "relgraph";
import type { Relgraph, RelgraphService, RelgraphOptions, CheckOutcome, Tuple, ObjectRef, SubjectRef, Consistency } from "relgraph";

const options: RelgraphOptions = { memory: true };
const rg: Relgraph = await createRelgraph(options);
const service: RelgraphService = rg;
const tuple: Tuple = parseTuple("doc:1#viewer@user:ann");
const resource: ObjectRef = parseObjectRef("doc:1");
const subject: SubjectRef = parseSubjectRef("user:ann");
await service.writeSchema("default", "definition user {}\\ndefinition doc { relation viewer: user }", "ZED");
const { token } = await rg.writeRelationships("default", [{ operation: "TOUCH", tuple }]);
const consistency: Consistency = { kind: "atLeastAsFresh", token };
const outcome: CheckOutcome = await rg.check("default", { resource, permission: "viewer", subject }, consistency);
const allowed: boolean = outcome.permissionship === "HAS_PERMISSION";
// The declarations are real types, not \`any\`: each of these must be an error.
// @ts-expect-error -- a permissionship is not a number
const notANumber: number = outcome.permissionship;
// @ts-expect-error -- no such option
await createRelgraph({ memroy: true });
// @ts-expect-error -- an ObjectRef is not a string
const notAString: string = resource;
const error = new RelgraphError(ErrorCode.INVALID_ARGUMENT, "bad");
const port: number = configFromEnv({}).server.port;
console.log(allowed, notANumber, notAString, error.code, formatTuple(tuple), port);
await rg.close();
`;

describe("the npm package", () => {
  let work: string;
  let app: string;
  let files: string[] = [];
  const timings: string[] = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "relgraph-package-"));
    let t = Date.now();

    // 1. A copy of the repository to pack from (not .git, dependencies, state or build output).
    const repo = join(work, "repo");
    const skip = new Set(["node_modules", ".git", ".relgraph", "dist", "coverage", "test-output"]);
    cpSync(ROOT, repo, {
      recursive: true,
      filter: (source) => source === ROOT || !skip.has(source.slice(ROOT.length + 1).split("/")[0] ?? ""),
    });
    symlinkSync(join(ROOT, "node_modules"), join(repo, "node_modules"), "dir");

    // 2. npm pack: prepack builds dist/; --json prints the tarball's name, integrity and files.
    const packed = join(work, "packed");
    mkdirSync(packed);
    const pack = await run("npm", ["pack", "--json", "--pack-destination", packed], repo);
    const [info] = JSON.parse(pack.stdout) as {
      filename: string;
      integrity: string;
      files: { path: string }[];
    }[];
    if (!info) throw new Error(`npm pack printed no result: ${pack.stdout}`);
    files = info.files.map((f) => f.path).sort();
    timings.push(`pack ${Date.now() - t} ms`);

    // 3. An empty ESM project with the tarball, installed from a lockfile (see the header).
    t = Date.now();
    app = join(work, "app");
    mkdirSync(app);
    cpSync(join(packed, info.filename), join(app, info.filename));
    const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as Record<string, unknown>;
    const integrity = `sha512-${createHash("sha512")
      .update(readFileSync(join(app, info.filename)))
      .digest("base64")}`;
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({
        name: "relgraph-package-test-app",
        private: true,
        type: "module",
        dependencies: { relgraph: `file:${info.filename}` },
        allowScripts: pkg["allowScripts"],
      }),
    );
    writeFileSync(join(app, "package-lock.json"), JSON.stringify(appLockfile(pkg, info.filename, integrity)));
    const install = ["ci", "--no-audit", "--no-fund", "--ignore-scripts"];
    try {
      await run("npm", [...install, "--offline"], app);
      timings.push(`npm ci --offline ${Date.now() - t} ms`);
    } catch (offline) {
      t = Date.now();
      const reason = (offline as Error).message.split("\n").find((l) => l.includes("ENOTCACHED")) ?? "";
      console.warn(`npm's cache lacks a tarball, installing from the registry (${reason.trim()})`);
      await run("npm", [...install, "--prefer-offline"], app);
      timings.push(`npm ci --prefer-offline (registry) ${Date.now() - t} ms`);
    }
    writeFileSync(join(app, "memory.mjs"), MEMORY_APP);
    writeFileSync(join(app, "workers.mjs"), WORKER_APP);
    writeFileSync(join(app, "neo4j.mjs"), NEO4J_APP);
    writeFileSync(join(app, "app.ts"), TS_APP);
  }, 180_000);

  afterAll(() => {
    console.log(`package test: ${timings.join(", ")}`);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("ships the compiled library, the files it reads at run time and the CLI; no tests", () => {
    for (const path of [
      "package.json",
      "README.md",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/coordinator/createRelgraph.js",
      "dist/store/neo4j/cypher.js",
      "schema/api.graphql",
      "schema/example.zed",
      "cypher/tuples-touch.cypher",
      "cypher/explain-path.cypher",
      "cypher/relgraph.grass",
      "cypher/guides/relgraph.html",
      "bin/relgraph.js",
      "src/cli/main.ts",
    ])
      expect(files).toContain(path);
    expect(files.filter((f) => /^(test|bench|node_modules|\.relgraph)\//.test(f))).toEqual([]);
    // dist mirrors src, so `new URL("../../cypher/", import.meta.url)` from dist/x/y.js lands on cypher/.
    const sources = files.filter((f) => f.startsWith("src/") && f.endsWith(".ts")).map((f) => f.slice(4, -3));
    const compiled = files
      .filter((f) => f.startsWith("dist/") && f.endsWith(".js"))
      .map((f) => f.slice(5, -3));
    expect(compiled).toEqual(sources);
    // Emitted JavaScript imports `.js`, never the sources' `.ts`.
    const index = readFileSync(join(app, "node_modules/relgraph/dist/index.js"), "utf8");
    expect(index).toContain('from "./coordinator/createRelgraph.js"');
    expect(index).not.toMatch(/from "\.[^"]*\.ts"/);
  });

  it("runs the library example on the memory store with plain node", async () => {
    const { stdout } = await run(process.execPath, ["memory.mjs"], app);
    expect(JSON.parse(stdout)).toEqual({
      ann: "HAS_PERMISSION",
      bob: "NO_PERMISSION",
      tuple: "doc:1#viewer@user:ann",
      errorIsRelgraphError: true,
      errorCode: "INVALID_ARGUMENT",
      invalidArgument: "INVALID_ARGUMENT",
      port: 4000,
    });
  });

  it("runs its worker threads (schema compile, large documents) from the compiled files", async () => {
    const { stdout } = await run(process.execPath, ["workers.mjs"], app);
    expect(JSON.parse(stdout)).toEqual({
      schemaChars: true,
      definitions: 301,
      outcome: "continue",
      bad: "invalid",
    });
  });

  it("runs the library example on Neo4j (options, and from the environment) with plain node", async () => {
    const env = { ...process.env, ...neo4jEnv() };
    const { stdout } = await run(process.execPath, ["neo4j.mjs"], app, env);
    expect(JSON.parse(stdout)).toEqual({
      ann: "HAS_PERMISSION",
      bob: "NO_PERMISSION",
      annFromEnv: "HAS_PERMISSION",
      storeDeleted: true,
    });
  });

  it("type-checks a TypeScript consumer against the package's declarations", async () => {
    await run(
      TSC,
      ["--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "app.ts"],
      app,
    );
  });

  it("runs the relgraph bin", async () => {
    const { stdout } = await run(join(app, "node_modules/.bin/relgraph"), ["--help"], app);
    expect(stdout).toContain("usage: relgraph <command>");
  });
});
