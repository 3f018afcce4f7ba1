// Relgraph's layering, enforced by dependency-cruiser (`npm run lint:deps`, and in `npm test` through
// test/architecture/layers.test.ts). Dependencies point one way, top to bottom; a layer may import
// itself and anything below it, never above:
//
//   1. src/cli/ (may also import src/api/, for `serve`)   src/api/ (never src/cli/)
//   2. src/index.ts                     the public library surface
//   3. src/coordinator/                 a request's life; the service types
//   4. src/config.ts                    process configuration
//      src/neo4jServer/                 local Neo4j provisioning: only src/errors.ts and node/npm modules
//   5. src/engine/                      only store/interface.ts, store/cursor.ts, typesystem, model, errors.ts
//   6. src/store/                       interface + memory + neo4j
//   7. src/language/
//   8. src/typesystem/
//   9. src/model/                       tuples and the tuple index: only src/errors.ts
//  10. src/workerThread.ts              one worker thread for off-loop jobs: only src/errors.ts
//  11. src/errors.ts                    imports nothing of src
//
// Also: no cycles anywhere in src (type-only imports count: a cycle of types is still a cycle), and
// src never imports test/ or bench/. Type-only imports count for the layers too (tsPreCompilationDeps).
// Paths are relative to the directory cruised from (the repository root).

/** Every module of src belongs to one of these; anything else is reported by `src-module-outside-the-layers`. */
const LAYERED =
  "^src/(cli/|api/|index\\.ts$|coordinator/|config\\.ts$|neo4jServer/|engine/|store/|language/|typesystem/|model/|workerThread\\.ts$|errors\\.ts$)";

/** @type {import("dependency-cruiser").IConfiguration} */
export default {
  forbidden: [
    // ---- whole-tree rules -------------------------------------------------------------------------
    {
      name: "no-circular",
      severity: "error",
      comment:
        "No import cycles anywhere in src: a cycle makes two modules one, and hides which layer owns what.",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment:
        "Every import must resolve to a file or package. Also the guard for these rules: an import the " +
        "cruiser cannot resolve is an edge no layer rule would see.",
      from: { path: "^src/" },
      to: { couldNotResolve: true },
    },
    {
      name: "src-not-to-test-or-bench",
      severity: "error",
      comment: "Production code never imports tests, test fixtures or benchmarks.",
      from: { path: "^src/" },
      to: { path: "^(test|bench)/" },
    },
    {
      name: "src-module-outside-the-layers",
      severity: "error",
      comment:
        "A module of src that is in none of the layers (a new top-level folder or file): add it to the " +
        "layering (this file and the README's layout) before depending on it.",
      from: { path: "^src/", pathNot: LAYERED },
      to: { path: "^src/" },
    },
    {
      name: "to-src-module-outside-the-layers",
      severity: "error",
      comment: "An import of a src module that is in none of the layers (see src-module-outside-the-layers).",
      from: { path: "^src/" },
      to: { path: "^src/", pathNot: LAYERED },
    },

    // ---- layer 1: the surfaces ----------------------------------------------------------------------
    {
      name: "api-not-to-cli",
      severity: "error",
      comment:
        "src/api/ is a surface next to the CLI, not below it: the CLI starts the API (`serve`), never the reverse.",
      from: { path: "^src/api/" },
      to: { path: "^src/cli/" },
    },

    // ---- layer 2: the public library surface --------------------------------------------------------
    {
      name: "index-not-to-surfaces",
      severity: "error",
      comment: "src/index.ts (the library surface) sits below the CLI and the API: it never imports them.",
      from: { path: "^src/index\\.ts$" },
      to: { path: "^src/(cli|api)/" },
    },

    // ---- layer 3: the coordinator -------------------------------------------------------------------
    {
      name: "coordinator-not-upwards",
      severity: "error",
      comment:
        "src/coordinator/ owns a request's life below the surfaces: never src/cli, src/api or src/index.ts.",
      from: { path: "^src/coordinator/" },
      to: { path: "^src/(cli/|api/|index\\.ts$)" },
    },

    // ---- layer 4: configuration and local Neo4j provisioning ----------------------------------------
    {
      name: "config-not-upwards",
      severity: "error",
      comment:
        "src/config.ts is process configuration: never src/cli, src/api, src/index.ts or src/coordinator.",
      from: { path: "^src/config\\.ts$" },
      to: { path: "^src/(cli/|api/|index\\.ts$|coordinator/)" },
    },
    {
      name: "neo4jServer-only-errors",
      severity: "error",
      comment:
        "src/neo4jServer/ (local Neo4j provisioning) stands alone: of src it may import only src/errors.ts " +
        "(node and npm modules are fine).",
      from: { path: "^src/neo4jServer/" },
      to: { path: "^src/", pathNot: "^src/(neo4jServer/|errors\\.ts$)" },
    },

    // ---- layer 5: the engine ------------------------------------------------------------------------
    {
      name: "engine-only-store-interface-typesystem-model-errors",
      severity: "error",
      comment:
        "src/engine/ evaluates over the store's interface: of src it may import only src/store/interface.ts, " +
        "src/store/cursor.ts, src/typesystem, src/model and src/errors.ts; never a store implementation " +
        "(src/store/memory, src/store/neo4j), nor anything above it.",
      from: { path: "^src/engine/" },
      to: {
        path: "^src/",
        pathNot: "^src/(engine/|store/interface\\.ts$|store/cursor\\.ts$|typesystem/|model/|errors\\.ts$)",
      },
    },

    // ---- layer 6: the stores ------------------------------------------------------------------------
    {
      name: "store-not-upwards",
      severity: "error",
      comment:
        "src/store/ (interface, memory, neo4j) sits below the engine: never src/engine, src/coordinator, " +
        "src/config.ts, src/neo4jServer, src/api, src/cli or src/index.ts. Where Neo4j is gets decided " +
        "above the store and handed down.",
      from: { path: "^src/store/" },
      to: { path: "^src/(engine/|coordinator/|config\\.ts$|neo4jServer/|api/|cli/|index\\.ts$)" },
    },

    // ---- layers 7-10 --------------------------------------------------------------------------------
    {
      name: "language-only-typesystem-model-errors",
      severity: "error",
      comment:
        "src/language/ (schema text) may import only src/typesystem, src/model, src/workerThread.ts and " +
        "src/errors.ts of src.",
      from: { path: "^src/language/" },
      to: { path: "^src/", pathNot: "^src/(language/|typesystem/|model/|workerThread\\.ts$|errors\\.ts$)" },
    },
    {
      name: "typesystem-only-model-errors",
      severity: "error",
      comment:
        "src/typesystem/ is below the language: never src/language (nor anything above); only src/model " +
        "and src/errors.ts of src.",
      from: { path: "^src/typesystem/" },
      to: { path: "^src/", pathNot: "^src/(typesystem/|model/|errors\\.ts$)" },
    },
    {
      name: "model-only-errors",
      severity: "error",
      comment: "src/model/ (tuples, the tuple index) may import only src/errors.ts of src.",
      from: { path: "^src/model/" },
      to: { path: "^src/", pathNot: "^src/(model/|errors\\.ts$)" },
    },
    {
      name: "workerThread-only-errors",
      severity: "error",
      comment: "src/workerThread.ts runs jobs on a thread for any layer: it imports only src/errors.ts.",
      from: { path: "^src/workerThread\\.ts$" },
      to: { path: "^src/", pathNot: "^src/errors\\.ts$" },
    },
    {
      name: "errors-imports-nothing",
      severity: "error",
      comment: "src/errors.ts is the bottom layer: it imports nothing of src.",
      from: { path: "^src/errors\\.ts$" },
      to: { path: "^src/", pathNot: "^src/errors\\.ts$" },
    },
  ],
  options: {
    // Cruise the sources only; npm packages are leaves, not followed.
    doNotFollow: { path: "node_modules" },
    // `import type` is a dependency too: it ties the layers together just as much.
    tsPreCompilationDeps: true,
    // The project's compiler options (NodeNext, allowImportingTsExtensions: imports name `.ts` files).
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
      extensions: [".ts", ".js", ".mjs", ".cjs", ".d.ts", ".json"],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
