/**
 * The worker side of largeDocuments.ts: parses and validates each document it is sent against the
 * API schema (schema/api.graphql with its scalars, no resolvers) and answers a DocumentVerdict.
 */
import { parentPort } from "node:worker_threads";
import { serveJobs } from "../workerThread.ts";
import {
  createDocumentChecker,
  type DocumentChecker,
  type DocumentRequest,
  type DocumentVerdict,
} from "./documentCheck.ts";
import type { RequestLimits } from "./limits.ts";
import { loadValidationSchema } from "./schema.ts";

export interface ValidateJob {
  readonly request: DocumentRequest;
  readonly limits: RequestLimits;
}

const schema = loadValidationSchema();
/** By limits: servers in one process may differ (tests run several). */
const checkers = new Map<string, Promise<DocumentChecker>>();

serveJobs(parentPort, async (job: ValidateJob): Promise<DocumentVerdict> => {
  const key = JSON.stringify(job.limits);
  let checker = checkers.get(key);
  if (checker === undefined) checkers.set(key, (checker = createDocumentChecker(schema, job.limits)));
  return (await checker)(job.request);
});
