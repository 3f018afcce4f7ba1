/**
 * One lazily started worker thread that runs jobs one at a time, for work that must not hold a
 * server's event loop (compiling a large schema, validating a large GraphQL document).
 *
 * Bounded: a job that runs past its time limit is stopped (the worker is terminated and the next
 * job starts a new one) and rejects with the error `timedOut` makes; more than `maxQueued` waiting
 * jobs are refused with the error `busy` makes. An idle worker never keeps the process alive.
 *
 * Example (the worker module answers each `{ id, ...job }` message with `{ id, result }` or
 * `{ id, error }`, see language/compileWorker.ts):
 *   const thread = new WorkerThread<Job, Result>(new URL("./myWorker.ts", import.meta.url), {...});
 *   const result = await thread.run({ text }, 5_000);
 */
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker, type MessagePort } from "node:worker_threads";
import { ErrorCode, RelgraphError } from "./errors.ts";

export interface WorkerThreadOptions<Job> {
  /** What the thread does, for error messages ("schema compile"). */
  readonly name: string;
  readonly maxQueued: number;
  readonly busy: () => RelgraphError;
  readonly timedOut: (job: Job, timeoutMs: number) => RelgraphError;
}

/** The message a worker module answers with. */
export interface WorkerAnswer<Result> {
  readonly id: number;
  readonly result?: Result;
  readonly error?: string;
}

interface Pending<Job, Result> {
  readonly id: number;
  readonly job: Job;
  readonly timeoutMs: number;
  readonly resolve: (r: Result) => void;
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

export class WorkerThread<Job extends object, Result> {
  private worker: Worker | undefined;
  private readonly queue: Pending<Job, Result>[] = [];
  private running: { pending: Pending<Job, Result>; timer: NodeJS.Timeout } | undefined;
  private nextId = 1;

  /** `entry`: the worker module's URL with a `.ts` extension (`.js` in the compiled package). */
  constructor(
    private readonly entry: URL,
    private readonly options: WorkerThreadOptions<Job>,
  ) {}

  run(job: Job, timeoutMs: number): Promise<Result> {
    if (this.queue.length >= this.options.maxQueued) return Promise.reject(this.options.busy());
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, timeoutMs, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.running !== undefined) return;
    const pending = this.queue.shift();
    if (pending === undefined) {
      this.worker?.unref();
      return;
    }
    const worker = this.start();
    worker.ref();
    const timer = setTimeout(
      () => this.stop(this.options.timedOut(pending.job, pending.timeoutMs)),
      pending.timeoutMs,
    );
    this.running = { pending, timer };
    worker.postMessage({ ...pending.job, id: pending.id });
  }

  private start(): Worker {
    if (this.worker !== undefined) return this.worker;
    const typescript = extname(fileURLToPath(import.meta.url)) === ".ts";
    const entry = typescript ? this.entry.href : this.entry.href.replace(/\.ts$/, ".js");
    const worker = new Worker(BOOTSTRAP, {
      eval: true,
      workerData: { entry, tsx: typescript ? import.meta.resolve("tsx/esm/api") : undefined },
    });
    worker.on("message", (m: WorkerAnswer<Result>) => {
      const running = this.running;
      if (running === undefined || running.pending.id !== m.id) return;
      clearTimeout(running.timer);
      this.running = undefined;
      if (m.error === undefined) running.pending.resolve(m.result as Result);
      else
        running.pending.reject(
          new RelgraphError(ErrorCode.INTERNAL, `${this.options.name} failed: ${m.error}`),
        );
      this.pump();
    });
    worker.on("error", (e) =>
      this.stop(new RelgraphError(ErrorCode.INTERNAL, `${this.options.name} thread failed: ${e.message}`)),
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

/** The worker side: answers each job message with `handle`'s result (or its error). */
export function serveJobs<Job, Result>(
  port: MessagePort | null,
  handle: (job: Job) => Result | Promise<Result>,
): void {
  port?.on("message", (message: Job & { id: number }) => {
    void (async () => {
      try {
        port.postMessage({ id: message.id, result: await handle(message) });
      } catch (e) {
        port.postMessage({ id: message.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      }
    })();
  });
}
