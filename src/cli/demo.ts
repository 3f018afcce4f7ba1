/**
 * Demo stores `npm start` loads beside `default`: one per seed platform (issue 9), each from
 * schema/<store>.zed and its demo relationships in schema/<store>.demo.txt (one tuple per line).
 * A store whose files are absent is skipped; a store whose schema already equals the file is left
 * as it is; otherwise the schema is written and the demo relationships touched (idempotent).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ErrorCode, isRelgraphError } from "../errors.ts";
import { parseTuple } from "../model/tuple.ts";
import type { RelgraphService } from "../coordinator/service.ts";
import { PROJECT_ROOT } from "../neo4jServer/localServer.ts";

export const DEMO_STORES = ["nebius-token-factory", "nebius-ai-cloud", "together-ai"] as const;

export async function loadDemoStores(service: RelgraphService, log: (line: string) => void): Promise<void> {
  const existing = new Set((await service.stores()).map((s) => s.name));
  for (const name of DEMO_STORES) {
    const schemaFile = join(PROJECT_ROOT, "schema", `${name}.zed`);
    const dataFile = join(PROJECT_ROOT, "schema", `${name}.demo.txt`);
    if (!existsSync(schemaFile)) continue;
    const text = readFileSync(schemaFile, "utf8");
    // Already loaded from these very files: leave the store (and whatever users added) alone.
    if (existing.has(name) && (await service.readSchema(name))?.text === text) continue;
    if (!existing.has(name)) {
      try {
        await service.createStore(name);
      } catch (e) {
        // Another process starting at the same moment created it first: fine, load into it.
        if (!(isRelgraphError(e) && e.code === ErrorCode.ALREADY_EXISTS)) throw e;
      }
    }
    await service.writeSchema(name, text, "ZED");
    if (existsSync(dataFile)) {
      const tuples = readFileSync(dataFile, "utf8")
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "" && !l.startsWith("//") && !l.startsWith("#"))
        .map((l) => parseTuple(l));
      for (let i = 0; i < tuples.length; i += 1000)
        await service.writeRelationships(
          name,
          tuples.slice(i, i + 1000).map((tuple) => ({ operation: "TOUCH" as const, tuple })),
        );
    }
    log(`Loaded demo store "${name}"`);
  }
}
