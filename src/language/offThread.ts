/**
 * compileSchema off the event loop, for servers: a large schema (a 150 kB `.zed` file, an OpenFGA
 * model of thousands of terms) takes tens of milliseconds to seconds to compile, and on the event
 * loop that time stalls every other request and `/healthz`. Texts from OFF_THREAD_CHARS up compile on
 * one lazily started worker thread (compileWorker.ts), one at a time; smaller ones compile inline,
 * where a thread hop would cost more than the compile.
 *
 * Bounded: a compile that runs past `timeoutMs` is stopped (the worker is terminated and the next
 * job starts a new one) and answers RESOURCE_EXHAUSTED; more than MAX_QUEUED waiting jobs are
 * refused the same way.
 *
 * Example: await compileSchemaOffThread(hugeText, { format: "zed" }) → the same result as
 * compileSchema(hugeText, { format: "zed" }), while the server keeps answering.
 */
import { ErrorCode, RelgraphError } from "../errors.ts";
import { WorkerThread } from "../workerThread.ts";
import type { CompileJob } from "./compileWorker.ts";
import { compileSchema, type CompileSchemaOptions, type SchemaCompileResult } from "./schema.ts";

/**
 * Texts shorter than this compile inline: ~1.5 ms of compile per kB (5,000 chained permissions,
 * 150 kB: 198 ms), so at most ~6 ms on the event loop, while the thread hop costs about a
 * millisecond. (16 KiB let a fuzzed 14 kB schema hold the loop for 20 ms, and 300 ms before the
 * alias-cycle check was made linear.)
 */
export const OFF_THREAD_CHARS = 4 * 1024;
export const DEFAULT_COMPILE_TIMEOUT_MS = 5_000;
const MAX_QUEUED = 16;

let thread: WorkerThread<CompileJob, SchemaCompileResult> | undefined;

/** compileSchema, on a worker thread when the text is large (see the module comment). */
export function compileSchemaOffThread(
  text: string,
  options: CompileSchemaOptions,
  timeoutMs: number = DEFAULT_COMPILE_TIMEOUT_MS,
): Promise<SchemaCompileResult> {
  if (text.length < OFF_THREAD_CHARS) return Promise.resolve(compileSchema(text, options));
  thread ??= new WorkerThread(new URL("./compileWorker.ts", import.meta.url), {
    name: "schema compile",
    maxQueued: MAX_QUEUED,
    busy: () =>
      new RelgraphError(
        ErrorCode.RESOURCE_EXHAUSTED,
        `too many large schemas compiling at once (at most ${MAX_QUEUED} wait); retry later`,
      ),
    timedOut: (job, ms) =>
      new RelgraphError(
        ErrorCode.RESOURCE_EXHAUSTED,
        `the schema did not compile within ${ms} ms (${job.text.length} characters); ` +
          "split it or simplify its expressions",
        { limitMs: ms, characters: job.text.length },
      ),
  });
  return thread.run({ text, options }, timeoutMs);
}
