// Loading a Neo4j store into the projection while writers run (issue 6: "a test loads while writers
// run and compares with Neo4j afterwards"). Writers commit through the store concurrently with the
// load's page reads; afterwards the projection, caught up to the head, equals Neo4j read with raw Cypher.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Projection } from "../../src/engine/projection/projection.ts";
import { formatTuple, parseTuple, type Tuple } from "../../src/model/tuple.ts";
import { neo4jConfigFromEnv } from "../../src/config.ts";
import type { Neo4jTupleStore } from "../../src/store/neo4j/neo4jStore.ts";
import { compileSchema } from "../../src/language/schema.ts";
import { openOwnNeo4jStore, uniqueStoreName } from "./support/neo4jStores.ts";

const SCHEMA = `definition user {}
definition document {
  relation viewer: user
}`;

describe("projection load from Neo4j under concurrent writes", () => {
  const config = neo4jConfigFromEnv();
  let store: Neo4jTupleStore;
  const name = uniqueStoreName("load-writes");

  beforeAll(async () => {
    store = await openOwnNeo4jStore();
    await store.createStore(name);
    const { ir } = compileSchema(SCHEMA, { format: "zed" });
    await store.writeSchema(name, { text: SCHEMA, format: "ZED", ir: ir! });
    const initial = Array.from({ length: 3000 }, (_, i) =>
      parseTuple(`document:d${i}#viewer@user:u${i % 60}`),
    );
    for (let i = 0; i < initial.length; i += 1000)
      await store.write(name, {
        updates: initial.slice(i, i + 1000).map((tuple) => ({ operation: "TOUCH", tuple })),
      });
  }, 120_000);

  afterAll(async () => {
    await store.deleteStore(name).catch(() => {});
    await store.close();
  });

  it("ends equal to Neo4j after catching up", async () => {
    let writing = true;
    let writes = 0;
    const writer = (async () => {
      for (let k = 1; writing && k < 10_000; k++) {
        await store.write(name, {
          updates: [
            { operation: "TOUCH", tuple: parseTuple(`document:new${k}#viewer@user:w`) },
            {
              operation: "DELETE",
              tuple: parseTuple(`document:d${(k * 7) % 3000}#viewer@user:u${((k * 7) % 3000) % 60}`),
            },
            { operation: "DELETE", tuple: parseTuple(`document:new${k - 1}#viewer@user:w`) },
          ],
        });
        writes++;
      }
    })();
    // Small batches make the load span many writes.
    const projection = await Projection.open(store, name, { scanBatchSize: 100 });
    writing = false;
    await writer;
    expect(writes).toBeGreaterThan(0);
    await projection.catchUp();

    const session = store.driver.session({
      database: config.database,
    });
    let inNeo4j: string[];
    try {
      const res = await session.run(
        "MATCH (d:document {store: $store})-[r:viewer]->(u:user {store: $store}) RETURN d.id AS d, u.id AS u",
        { store: name },
      );
      inNeo4j = res.records
        .map((r) => `document:${String(r.get("d"))}#viewer@user:${String(r.get("u"))}`)
        .sort();
    } finally {
      await session.close();
    }
    const projected = [...projection.index.all()].map((t: Tuple) => formatTuple(t)).sort();
    expect(projected.length).toBeGreaterThan(2900);
    expect(projected).toEqual(inNeo4j);
    expect(projection.revision.revision).toBe((await store.head(name)).revision);
  }, 180_000);
});
