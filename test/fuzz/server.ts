/**
 * The fuzzed process (test/fuzz/fuzz.test.ts starts it with --expose-gc): two real GraphQL servers
 * on loopback, one on the test Neo4j and one on a memory store, as `relgraph serve` builds them.
 *
 * IPC: sends {ready: {neo, mem}}; answers "heap" with {heap: heapUsed after two forced GCs},
 * forwards every server log line as {log}; "close" closes both and exits.
 *
 * The Neo4j is shared with other test runs, so the fuzzed stores are this file's own (`fuzz`,
 * `fuzzfga`, `fuzzctl`, `fzx`, `fzy`, `fzdefault`): the Neo4j service maps the store `default`
 * (the default of every `store:` argument) to `fzdefault`, so the fuzzer never touches the shared
 * `default` store, and any other valid store name it generates to `fzz`, so it never reaches
 * another test's store. Everything else is the real service.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { startServer } from "../../src/api/server.ts";
import { configFromEnv, neo4jConfigFromEnv } from "../../src/config.ts";
import { createRelgraph } from "../../src/coordinator/createRelgraph.ts";
import type { Relgraph } from "../../src/coordinator/relgraph.ts";
import type { RelgraphService } from "../../src/coordinator/service.ts";
import { parseTuple } from "../../src/model/tuple.ts";
import { STORE_NAME } from "../../src/store/interface.ts";

export const FUZZ_STORES = ["fuzz", "fuzzfga", "fuzzctl", "fzx", "fzy", "fzz", "fzdefault"] as const;

export const ZED = `definition user {}
definition group {
  relation member: user | group#member
}
definition folder {
  relation parent: folder
  relation viewer: user | group#member
  permission view = viewer + parent->view
}
definition document {
  relation parent: folder
  relation viewer: user | user:* | group#member
  relation banned: user
  permission view = (viewer + parent->view) - banned
}`;

export const FGA = `model
  schema 1.1
type user
type document
  relations
    define viewer: [user]
    define view: viewer`;

const OWN = new Set<string>(FUZZ_STORES);

const send = (m: unknown): void => {
  process.send?.(m);
};

function scoped(service: Relgraph): RelgraphService {
  return new Proxy(service, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const name = args[0];
        if (name === "default") args[0] = "fzdefault";
        // A generated name that happens to be valid must not reach another test's store.
        else if (typeof name === "string" && STORE_NAME.test(name) && !OWN.has(name)) args[0] = "fzz";
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

async function seed(rg: Relgraph): Promise<void> {
  const existing = new Set((await rg.stores()).map((s) => s.name));
  for (const name of FUZZ_STORES) {
    if (existing.has(name)) await rg.deleteStore(name);
    await rg.createStore(name);
  }
  for (const name of ["fuzz", "fuzzctl", "fzx", "fzy", "fzdefault"]) await rg.writeSchema(name, ZED, "ZED");
  await rg.writeSchema("fuzzfga", FGA, "OPENFGA");
  const touch = (text: string) => ({ operation: "TOUCH" as const, tuple: parseTuple(text) });
  const base = [
    "group:eng#member@user:u0",
    "group:eng#member@user:u1",
    "group:all#member@group:eng#member",
    "folder:f0#viewer@group:all#member",
    "folder:f1#parent@folder:f0",
    "document:d0#parent@folder:f1",
    "document:d1#viewer@user:u2",
    "document:d2#viewer@user:*",
    "document:d2#banned@user:u3",
  ];
  for (const name of ["fuzz", "fzx", "fzy", "fzdefault"]) await rg.writeRelationships(name, base.map(touch));
  // The control store: never a target of the fuzzer; its contents are compared after the run.
  await rg.writeRelationships("fuzzctl", [
    ...base.map(touch),
    ...Array.from({ length: 50 }, (_, i) => touch(`document:c${i}#viewer@user:u${i % 7}`)),
  ]);
  await rg.writeRelationships("fuzzfga", [touch("document:d0#viewer@user:u0")]);
}

const logLine = (l: string): void => send({ log: l });
// The sub-result cache is keyed by revision: every write starts new entries, so the default
// 100,000 entries fill over ~10,000 requests, which reads as heap growth. A smaller bound fills
// during the warm-up; `cache` in the heap answer reports its entries.
const config = configFromEnv({ RELGRAPH_CACHE_SIZE: "5000" });
const neo = await createRelgraph({ neo4j: neo4jConfigFromEnv(process.env), config });
const mem = await createRelgraph({ memory: true, config });
await seed(neo);
await seed(mem);
await mem.writeSchema("default", ZED, "ZED");
const neoServer = await startServer({ service: scoped(neo), port: 0, log: logLine });
const memServer = await startServer({ service: mem, port: 0, log: logLine });

const gc = (globalThis as { gc?: () => void }).gc;
// How long the event loop was held (ms): reset by "heap", reported by "loop".
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
process.on("message", (m: unknown) => {
  void (async () => {
    if (m === "heap") {
      gc?.();
      await new Promise((r) => setTimeout(r, 50));
      gc?.();
      send({
        heap: process.memoryUsage().heapUsed,
        gc: gc !== undefined,
        cache: { neo: neo.cache?.entries ?? 0, mem: mem.cache?.entries ?? 0 },
      });
      loop.reset();
    } else if (m === "loop") {
      const ms = (ns: number) => Number((ns / 1e6).toFixed(1));
      send({ loop: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) } });
    } else if (m === "close") {
      await Promise.all([neoServer.close(), memServer.close()]);
      for (const name of FUZZ_STORES) await neo.deleteStore(name).catch(() => {});
      await Promise.all([neo.close(), mem.close()]);
      send({ closed: true });
      process.exit(0);
    }
  })();
});
send({ ready: { neo: neoServer.url, mem: memServer.url } });
