import { defineConfig } from "vitest/config";

// Unit tests only: no Neo4j global setup.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
  },
});
