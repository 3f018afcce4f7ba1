/**
 * A loopback TCP proxy in front of the test Neo4j that a test can break the way real outages do,
 * without touching the shared server: `cut()` closes every connection and refuses new ones (as a
 * killed Neo4j does), `pause()` keeps connections open and accepts new ones but forwards nothing
 * (as a SIGSTOPped Neo4j does), `restore()` forwards again. Everything else is the real Neo4j.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";

export type FaultMode = "up" | "cut" | "paused";

export interface FaultProxy {
  /** `bolt://127.0.0.1:<port>`: give this to the driver instead of the real URI. */
  readonly uri: string;
  readonly mode: FaultMode;
  cut(): Promise<void>;
  pause(): void;
  restore(): Promise<void>;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  upstream: Socket | undefined;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const t = new URL(target.replace(/^(bolt|neo4j)(\+s|\+ssc)?:/, "http:"));
  const targetHost = t.hostname;
  const targetPort = Number(t.port || 7687);
  const pairs = new Set<Pair>();
  let mode: FaultMode = "up";
  let server: Server | undefined;
  let port = 0;

  const connectUpstream = (pair: Pair): void => {
    const upstream = createConnection({ host: targetHost, port: targetPort });
    pair.upstream = upstream;
    pair.client.pipe(upstream);
    upstream.pipe(pair.client);
    const end = (): void => {
      pair.client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    upstream.on("error", end);
    upstream.on("close", end);
    pair.client.resume();
  };

  const onConnection = (client: Socket): void => {
    const pair: Pair = { client, upstream: undefined };
    pairs.add(pair);
    client.on("error", () => {});
    client.on("close", () => {
      pair.upstream?.destroy();
      pairs.delete(pair);
    });
    if (mode === "paused") {
      // Accepted, never answered: connected upstream only once restored.
      client.pause();
      return;
    }
    connectUpstream(pair);
  };

  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const s = createServer(onConnection);
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        const a = s.address();
        port = typeof a === "object" && a ? a.port : port;
        server = s;
        resolve();
      });
    });

  await listen();

  return {
    uri: `bolt://127.0.0.1:${port}`,
    get mode() {
      return mode;
    },
    async cut() {
      mode = "cut";
      const s = server;
      server = undefined;
      for (const p of pairs) {
        p.client.destroy();
        p.upstream?.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()));
    },
    pause() {
      mode = "paused";
      for (const p of pairs) {
        if (p.upstream !== undefined) {
          p.client.unpipe(p.upstream);
          p.upstream.unpipe(p.client);
          p.upstream.pause();
        }
        p.client.pause();
      }
    },
    async restore() {
      const was = mode;
      mode = "up";
      if (was === "cut") await listen();
      for (const p of pairs) {
        if (p.upstream === undefined) connectUpstream(p);
        else {
          p.client.pipe(p.upstream);
          p.upstream.pipe(p.client);
        }
      }
    },
    async close() {
      for (const p of pairs) {
        p.client.destroy();
        p.upstream?.destroy();
      }
      pairs.clear();
      const s = server;
      server = undefined;
      await new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()));
    },
  };
}
