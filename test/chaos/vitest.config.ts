import { defineConfig } from "vitest/config";

// `npm run test:chaos`: Neo4j outages under load (test/chaos/README.md). Not part of `npm test`: it
// starts and kills its own Neo4j, so it needs no global setup and runs alone.
export default defineConfig({
  test: {
    include: ["test/chaos/**/*.chaos.ts"],
    testTimeout: 600_000,
    hookTimeout: 300_000,
    pool: "forks",
    fileParallelism: false,
  },
});
