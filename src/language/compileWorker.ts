/**
 * The worker side of compileSchemaOffThread (offThread.ts): compiles each schema text it is sent
 * and posts back the result. The IR and diagnostics are plain data, so they cross the thread
 * boundary by structured clone.
 */
import { parentPort } from "node:worker_threads";
import { serveJobs } from "../workerThread.ts";
import { compileSchema, type CompileSchemaOptions } from "./schema.ts";

export interface CompileJob {
  readonly text: string;
  readonly options: CompileSchemaOptions;
}

serveJobs(parentPort, (job: CompileJob) => compileSchema(job.text, job.options));
