// The test setup really provides a Neo4j: a round trip through Bolt, and a write read back with raw Cypher.
import { describe, expect, it } from "vitest";
import { createDriver } from "../../src/store/neo4j/connection.ts";
import { neo4jConfigFromEnv } from "../../src/config.ts";
import { localServerPaths } from "../../src/neo4jServer/localServer.ts";

describe("test Neo4j", () => {
  it("answers over Bolt and is a 5.26 server", async () => {
    const config = neo4jConfigFromEnv();
    const driver = createDriver(config);
    try {
      const info = await driver.getServerInfo();
      expect(info.address).toContain(":");
      const session = driver.session({ database: config.database });
      try {
        const res = await session.run("CALL dbms.components() YIELD versions RETURN versions[0] AS v");
        expect(String(res.records[0]?.get("v"))).toMatch(/^5\.26\./);
      } finally {
        await session.close();
      }
    } finally {
      await driver.close();
    }
  });

  it.runIf(process.env["RELGRAPH_TEST_NEO4J_MODE"] === "local")(
    "serves Neo4j Browser at /browser/ (local server)",
    async () => {
      const res = await fetch(`http://127.0.0.1:${localServerPaths().httpPort}/browser/`);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/<html/i);
    },
  );
});
