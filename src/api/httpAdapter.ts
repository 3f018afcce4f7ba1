/**
 * node:http ↔ Apollo's transport-neutral request/response (what `@apollo/server/standalone` does,
 * minus its permissive CORS and 50 MB body limit): read a bounded body, parse JSON, copy headers.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { HeaderMap, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from "@apollo/server";
import { ErrorCode } from "../errors.ts";

/** Why a request was answered before reaching Apollo: an HTTP status and a coded error. */
export class HttpRefusal extends Error {
  override readonly name = "HttpRefusal";
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** A body over the limit is still read (and discarded) up to this many bytes before the 413. */
export const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

/**
 * Reads the whole body, refusing (413) one that exceeds `maxBytes`, by Content-Length or while
 * streaming. A refused body is drained first (discarded, up to MAX_DRAIN_BYTES): a client still
 * writing it would otherwise see EPIPE or a reset instead of the 413.
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = (): HttpRefusal =>
    new HttpRefusal(413, ErrorCode.RESOURCE_EXHAUSTED, `request body is larger than ${maxBytes} bytes`, {
      connection: "close",
    });
  const announced = Number(req.headers["content-length"] ?? "0");
  // Past the limit, chunks are counted and dropped until the body ends (or MAX_DRAIN_BYTES: then
  // leaving the loop destroys the connection, which a body that large deserves).
  let over = announced > maxBytes && announced <= MAX_DRAIN_BYTES;
  if (announced > MAX_DRAIN_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (!over && size > maxBytes) {
      over = true;
      chunks.length = 0;
    }
    if (over) {
      if (size > MAX_DRAIN_BYTES) break;
      continue;
    }
    chunks.push(buffer);
  }
  if (over) throw tooLarge();
  return Buffer.concat(chunks);
}

function isJsonContentType(contentType: string | undefined): boolean {
  const essence = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  return essence === "application/json" || essence.endsWith("+json");
}

/**
 * JSON bodies are parsed here (Apollo expects an object); other bodies are passed as text, which
 * Apollo refuses after its CSRF check has had its say.
 */
export function toHttpGraphQLRequest(req: IncomingMessage, body: Buffer | undefined): HTTPGraphQLRequest {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    // Node lower-cases names; repeated headers are joined as the Fetch API's Headers does.
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
  }
  const target = req.url ?? "/";
  const query = target.indexOf("?");
  let parsed: unknown;
  if (body !== undefined && body.length > 0) {
    const text = body.toString("utf8");
    if (isJsonContentType(headers.get("content-type"))) {
      try {
        parsed = JSON.parse(text) as unknown;
      } catch (e) {
        throw new HttpRefusal(
          400,
          ErrorCode.INVALID_ARGUMENT,
          `request body is not valid JSON: ${(e as Error).message}`,
        );
      }
    } else {
      parsed = text;
    }
  }
  return {
    method: (req.method ?? "GET").toUpperCase(),
    headers,
    search: query < 0 ? "" : target.slice(query),
    body: parsed,
  };
}

/** Writes Apollo's response, with `extraHeaders` (CORS) added. */
export async function writeResponse(
  res: ServerResponse,
  response: HTTPGraphQLResponse,
  extraHeaders: Readonly<Record<string, string>>,
): Promise<void> {
  // Authorization answers change with every write: no cache may keep them.
  res.setHeader("cache-control", "no-store");
  for (const [key, value] of response.headers) res.setHeader(key, value);
  for (const [key, value] of Object.entries(extraHeaders)) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === "complete") {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

/** A GraphQL-shaped error response for refusals made outside GraphQL execution. */
export function sendError(
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  headers: Readonly<Record<string, string>> = {},
  details: Readonly<Record<string, unknown>> = {},
): void {
  sendJson(res, status, { errors: [errorBody({ code, message, details })] }, headers);
}

/** One error of a response that Apollo does not build (the shape formatError gives coded errors). */
export function errorBody(error: {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}): { message: string; extensions: Record<string, unknown> } {
  return { message: error.message, extensions: { ...error.details, code: error.code } };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    // As writeResponse: answers of an authorization service are never cached.
    "cache-control": "no-store",
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(text)),
  });
  res.end(text);
}
