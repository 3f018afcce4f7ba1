/**
 * Vitest global setup: every test run gets a real Neo4j, never a mock, and never a silent skip.
 *   1. NEO4J_URI (+ NEO4J_USER / NEO4J_PASSWORD / NEO4J_DATABASE) when set;
 *   2. testcontainers when a Docker engine answers;
 *   3. the local server the project provisions from Maven Central.
 * RELGRAPH_TEST_NEO4J=uri|testcontainers|local forces one. The resolved connection is exported to the
 * test workers through process.env (they are forked after this runs). A server this setup started is
 * stopped at teardown; one that was already running is left alone.
 */
import { request } from "node:http";
import { existsSync } from "node:fs";
import neo4j from "neo4j-driver";
import { start, stop } from "../../src/neo4jServer/localServer.ts";

type Mode = "uri" | "testcontainers" | "local";

function dockerAnswers(): Promise<boolean> {
  const host = process.env["DOCKER_HOST"];
  const socketPath = host?.startsWith("unix://") ? host.slice("unix://".length) : "/var/run/docker.sock";
  if (host && !host.startsWith("unix://")) return Promise.resolve(true);
  if (!existsSync(socketPath)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const req = request({ socketPath, path: "/_ping", timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

async function chooseMode(): Promise<Mode> {
  const forced = process.env["RELGRAPH_TEST_NEO4J"];
  if (forced) {
    if (forced !== "uri" && forced !== "testcontainers" && forced !== "local")
      throw new Error(`RELGRAPH_TEST_NEO4J must be uri, testcontainers or local, got "${forced}"`);
    return forced;
  }
  if (process.env["NEO4J_URI"]) return "uri";
  if (await dockerAnswers()) return "testcontainers";
  return "local";
}

async function verify(uri: string, user: string, password: string): Promise<void> {
  const driver = neo4j.driver(uri, neo4j.auth.basic(user, password), { telemetryDisabled: true });
  try {
    await driver.verifyConnectivity();
  } catch (e) {
    throw new Error(`Neo4j at ${uri} does not answer: ${(e as Error).message}`);
  } finally {
    await driver.close();
  }
}

export default async function setup(): Promise<() => Promise<void>> {
  const mode = await chooseMode();
  let teardown = async (): Promise<void> => {};
  let uri: string;
  let user = process.env["NEO4J_USER"] || "neo4j";
  let password: string;
  switch (mode) {
    case "uri": {
      uri = process.env["NEO4J_URI"] ?? "";
      if (!uri) throw new Error("RELGRAPH_TEST_NEO4J=uri but NEO4J_URI is not set");
      password = process.env["NEO4J_PASSWORD"] ?? "";
      break;
    }
    case "testcontainers": {
      const { Neo4jContainer } = await import("@testcontainers/neo4j");
      const container = await new Neo4jContainer("neo4j:5.26-community")
        .withPassword("relgraph-test")
        .start();
      uri = container.getBoltUri();
      user = container.getUsername();
      password = container.getPassword();
      teardown = async () => {
        await container.stop();
      };
      break;
    }
    case "local": {
      let result;
      try {
        result = await start({ log: (line) => console.log(`[neo4j] ${line}`) });
      } catch (e) {
        throw new Error(`Tests need Neo4j and the local server could not start: ${(e as Error).message}`);
      }
      uri = result.bolt;
      user = "neo4j";
      password = result.password;
      if (result.started) teardown = async () => void (await stop());
      console.log(`[neo4j] ${result.started ? "started" : "using the running"} local server at ${uri}`);
      break;
    }
  }
  await verify(uri, user, password);
  process.env["NEO4J_URI"] = uri;
  process.env["NEO4J_USER"] = user;
  process.env["NEO4J_PASSWORD"] = password;
  process.env["RELGRAPH_TEST_NEO4J_MODE"] = mode;
  return teardown;
}
