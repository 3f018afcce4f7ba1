/**
 * The worker side of compileSchemaOffThread (offThread.ts): compiles each schema text it is sent
 * and posts back the result. The IR and diagnostics are plain data, so they cross the thread
 * boundary by structured clone.
 */
import { parentPort } from "node:worker_threads";
import { compileSchema, type CompileSchemaOptions } from "./schema.ts";

export interface CompileJob {
  readonly id: number;
  readonly text: string;
  readonly options: CompileSchemaOptions;
}

parentPort?.on("message", (job: CompileJob) => {
  try {
    parentPort!.postMessage({ id: job.id, result: compileSchema(job.text, job.options) });
  } catch (e) {
    parentPort!.postMessage({ id: job.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
});
