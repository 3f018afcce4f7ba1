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
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { ErrorCode, RelgraphError } from "../errors.ts";
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

interface Pending {
  readonly job: CompileJob;
  readonly timeoutMs: number;
  readonly resolve: (r: SchemaCompileResult) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * In development the sources are TypeScript run by tsx, whose loader a worker thread does not
 * inherit: the worker registers it first. The compiled package runs its .js files directly.
 */
const BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.entry);
})();
`;

class CompileThread {
  private worker: Worker | undefined;
  private readonly queue: Pending[] = [];
  private running: { pending: Pending; timer: NodeJS.Timeout } | undefined;
  private nextId = 1;

  compile(text: string, options: CompileSchemaOptions, timeoutMs: number): Promise<SchemaCompileResult> {
    if (this.queue.length >= MAX_QUEUED)
      return Promise.reject(
        new RelgraphError(
          ErrorCode.RESOURCE_EXHAUSTED,
          `too many large schemas compiling at once (at most ${MAX_QUEUED} wait); retry later`,
        ),
      );
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { id: this.nextId++, text, options }, timeoutMs, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.running !== undefined) return;
    const pending = this.queue.shift();
    if (pending === undefined) {
      this.worker?.unref(); // idle: never keeps the process alive
      return;
    }
    const worker = this.start();
    worker.ref();
    const timer = setTimeout(() => {
      this.stop(
        new RelgraphError(
          ErrorCode.RESOURCE_EXHAUSTED,
          `the schema did not compile within ${pending.timeoutMs} ms (${pending.job.text.length} characters); ` +
            "split it or simplify its expressions",
          { limitMs: pending.timeoutMs, characters: pending.job.text.length },
        ),
      );
    }, pending.timeoutMs);
    this.running = { pending, timer };
    worker.postMessage(pending.job);
  }

  private start(): Worker {
    if (this.worker !== undefined) return this.worker;
    const self = fileURLToPath(import.meta.url);
    const typescript = extname(self) === ".ts";
    const entry = new URL(`./compileWorker${typescript ? ".ts" : ".js"}`, import.meta.url).href;
    const worker = new Worker(BOOTSTRAP, {
      eval: true,
      workerData: {
        entry,
        tsx: typescript ? import.meta.resolve("tsx/esm/api") : undefined,
      },
    });
    worker.on("message", (m: { id: number; result?: SchemaCompileResult; error?: string }) => {
      const running = this.running;
      if (running === undefined || running.pending.job.id !== m.id) return;
      clearTimeout(running.timer);
      this.running = undefined;
      if (m.result !== undefined) running.pending.resolve(m.result);
      else
        running.pending.reject(
          new RelgraphError(ErrorCode.INTERNAL, `schema compile failed: ${m.error ?? "unknown error"}`),
        );
      this.pump();
    });
    worker.on("error", (e) =>
      this.stop(new RelgraphError(ErrorCode.INTERNAL, `schema compile thread failed: ${e.message}`)),
    );
    worker.on("exit", () => {
      if (this.worker === worker) this.worker = undefined;
    });
    this.worker = worker;
    return worker;
  }

  /** Fails the running job with `error`, ends the worker, goes on with the queue on a new one. */
  private stop(error: RelgraphError): void {
    const running = this.running;
    this.running = undefined;
    if (running !== undefined) {
      clearTimeout(running.timer);
      running.pending.reject(error);
    }
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    this.pump();
  }
}

let thread: CompileThread | undefined;

/** compileSchema, on a worker thread when the text is large (see the module comment). */
export function compileSchemaOffThread(
  text: string,
  options: CompileSchemaOptions,
  timeoutMs: number = DEFAULT_COMPILE_TIMEOUT_MS,
): Promise<SchemaCompileResult> {
  if (text.length < OFF_THREAD_CHARS) return Promise.resolve(compileSchema(text, options));
  thread ??= new CompileThread();
  return thread.compile(text, options, timeoutMs);
}
