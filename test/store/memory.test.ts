import { MemoryTupleStore } from "../../src/store/memory/memoryStore.ts";
import { runStoreConformance } from "./conformance/suite.ts";

runStoreConformance("memory", async (options) => new MemoryTupleStore(options));
