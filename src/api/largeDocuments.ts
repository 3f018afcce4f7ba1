/**
 * Large GraphQL documents are parsed and validated on a worker thread (validateWorker.ts) before
 * Apollo sees them: validating 1,000 aliased checks (~150 kB) holds one thread for 75–150 ms, and on
 * the event loop that is added to every other client's latency (the fuzz suite's probe, issue 14).
 *
 * - Valid: the document is parsed here (a few ms) and handed to Apollo through the document store,
 *   keyed as Apollo keys it, so Apollo skips its own parse and validation (it trusts its store).
 * - Refused by a limit (nesting and tokens of the text; aliases, depth, directives; root fields and
 *   cost): answered here with the errors the loop would have given.
 * - A syntax or validation error: answered here as Apollo would (its codes and HTTP status, through
 *   the same formatError), so no large document is ever validated on the loop.
 *
 * Documents under LARGE_DOCUMENT_CHARS stay on the loop (validation takes a few ms; Apollo caches
 * those up to MAX_CACHED_DOCUMENT). At most MAX_QUEUED wait for the thread; past that, and when the
 * thread takes longer than VALIDATE_TIMEOUT_MS, RESOURCE_EXHAUSTED.
 *
 * Example: const outcome = await checkLargeDocument({ text }, limits, preloaded, formatError);
 *          // { kind: "continue" }, or { kind: "refused" | "invalid", status, errors } to answer
 */
import { createHash } from "node:crypto";
import { GraphQLError, parse, type DocumentNode, type GraphQLFormattedError } from "graphql/index.js";
import { ErrorCode, isErrorCode, RelgraphError } from "../errors.ts";
import { WorkerThread } from "../workerThread.ts";
import type { DocumentRequest, DocumentVerdict, RequestErrorData } from "./documentCheck.ts";
import { errorBody } from "./httpAdapter.ts";
import type { RequestLimits } from "./limits.ts";
import type { ValidateJob } from "./validateWorker.ts";

/** From this many characters a document is validated off the event loop. */
export const LARGE_DOCUMENT_CHARS = 16 * 1024;
export const VALIDATE_TIMEOUT_MS = 5_000;
const MAX_QUEUED = 32;
/** Parsed documents waiting for Apollo's lookup (one per request in flight; bounded all the same). */
const MAX_PRELOADED = 64;

/** Counters since the process started (tests; metrics later). */
export const largeDocumentStats = {
  /** Documents validated on the thread. */
  validated: 0,
  /** Valid documents Apollo took from the document store, so did not parse or validate again. */
  handedOver: 0,
  /** Documents answered with limit refusals without reaching Apollo. */
  refused: 0,
  /** Documents answered with syntax or validation errors without reaching Apollo. */
  invalid: 0,
};

let thread: WorkerThread<ValidateJob, DocumentVerdict> | undefined;

function validator(): WorkerThread<ValidateJob, DocumentVerdict> {
  return (thread ??= new WorkerThread(new URL("./validateWorker.ts", import.meta.url), {
    name: "document validation",
    maxQueued: MAX_QUEUED,
    busy: () =>
      new RelgraphError(
        ErrorCode.RESOURCE_EXHAUSTED,
        `too many large documents waiting for validation (at most ${MAX_QUEUED}); retry later`,
        { limit: MAX_QUEUED, setting: "large documents in flight" },
      ),
    timedOut: (job, ms) =>
      new RelgraphError(
        ErrorCode.RESOURCE_EXHAUSTED,
        `the document (${job.request.text.length} characters) was not validated within ${ms} ms; send a smaller one`,
        { limitMs: ms, characters: job.request.text.length },
      ),
  }));
}

/** Apollo's document-store key without its schema prefix (requestPipeline.js computeQueryHash). */
export function queryHash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * Documents parsed and validated here, waiting for Apollo's document-store lookup. Apollo looks up
 * `<schema hash>:<query hash>`; a preloaded document is given once per preload.
 */
export class Preloaded {
  private readonly waiting = new Map<string, { doc: DocumentNode; count: number }>();

  add(hash: string, doc: DocumentNode): void {
    const entry = this.waiting.get(hash);
    if (entry !== undefined) entry.count++;
    else {
      if (this.waiting.size >= MAX_PRELOADED) this.waiting.delete(this.waiting.keys().next().value!);
      this.waiting.set(hash, { doc, count: 1 });
    }
  }

  /** The document for Apollo's `key`, if one is waiting. */
  take(key: string): DocumentNode | undefined {
    const hash = key.slice(key.lastIndexOf(":") + 1);
    const entry = this.waiting.get(hash);
    if (entry === undefined) return undefined;
    if (--entry.count === 0) this.waiting.delete(hash);
    largeDocumentStats.handedOver++;
    return entry.doc;
  }
}

export type LargeDocumentOutcome =
  /** Apollo goes on (the document is preloaded when valid). */
  | { readonly kind: "continue" }
  /**
   * Answer `{ errors }` with `status`, as the loop would have: a limit refusal (200, also when
   * the thread is busy or too slow) or syntax and validation errors (Apollo's status, 400).
   */
  | {
      readonly kind: "refused" | "invalid";
      readonly status: number;
      readonly errors: readonly GraphQLFormattedError[];
    };

/** Apollo's formatError hook (formatError.ts): formatted error and the error it came from. */
export type FormatError = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/** What Apollo gives formatError: the message, locations and extensions with Apollo's code. */
function formatted(e: RequestErrorData): GraphQLFormattedError {
  return {
    message: e.message,
    ...(e.locations !== undefined ? { locations: e.locations } : {}),
    extensions: { ...e.extensions, code: e.apolloCode },
  };
}

/** The error Apollo gives formatError, with its RelgraphError cause when it had one. */
function asThrown(e: RequestErrorData): GraphQLError {
  const cause =
    e.cause !== undefined && isErrorCode(e.cause.code)
      ? new RelgraphError(e.cause.code, e.cause.message, e.cause.details)
      : undefined;
  return new GraphQLError(e.message, cause !== undefined ? { originalError: cause } : {});
}

/** Whether `text` is checked here rather than on the event loop. */
export function isLargeDocument(text: unknown): text is string {
  return typeof text === "string" && text.length >= LARGE_DOCUMENT_CHARS;
}

/**
 * Checks a large document off the loop as the server and Apollo would (documentCheck.ts); see the
 * module comment.
 */
export async function checkLargeDocument(
  request: DocumentRequest,
  limits: RequestLimits,
  preloaded: Preloaded,
  formatError: FormatError,
): Promise<LargeDocumentOutcome> {
  const { text } = request;
  if (!isLargeDocument(text)) return { kind: "continue" };
  let verdict: DocumentVerdict;
  try {
    verdict = await validator().run({ request, limits }, VALIDATE_TIMEOUT_MS);
  } catch (e) {
    // Busy or too slow: refused like any limit. Anything else is the thread failing (a bug).
    if (e instanceof RelgraphError && e.code === ErrorCode.RESOURCE_EXHAUSTED)
      return { kind: "refused", status: 200, errors: [errorBody(e)] };
    throw e;
  }
  largeDocumentStats.validated++;
  switch (verdict.kind) {
    case "valid":
      preloaded.add(queryHash(text), parse(text, { maxTokens: limits.maxTokens }));
      return { kind: "continue" };
    case "refused":
      largeDocumentStats.refused++;
      return {
        kind: "refused",
        status: 200,
        errors: verdict.refusals.map((r) =>
          errorBody({ code: ErrorCode.RESOURCE_EXHAUSTED, message: r.message, details: r.details }),
        ),
      };
    case "invalid":
      largeDocumentStats.invalid++;
      return {
        kind: "invalid",
        // Apollo merges the errors' statuses in order: the last one wins.
        status: verdict.errors.at(-1)?.status ?? 400,
        errors: verdict.errors.map((e) => formatError(formatted(e), asThrown(e))),
      };
    default:
      return verdict satisfies never;
  }
}
