/**
 * Neo4j failures as Relgraph errors. Constraint violations have a meaning the caller decides
 * (a duplicate store name, a duplicate tuple); unavailability (and Neo4j refusing Relgraph's own
 * credentials) is UNAVAILABLE with a plain message; anything else is INTERNAL (which the API never
 * shows). The driver's message and Neo4j's code are kept as `cause`, for the server log only.
 */
import { Neo4jError, isRetryableError } from "neo4j-driver";
import { ErrorCode, RelgraphError, isRelgraphError } from "../../errors.ts";
import { UNAVAILABLE_MESSAGE } from "../common.ts";

export function isConstraintViolation(e: unknown): boolean {
  return e instanceof Neo4jError && e.code === "Neo.ClientError.Schema.ConstraintValidationFailed";
}

/** DDL races: another process created the same (or an equivalent) constraint first. */
export function isEquivalentSchemaRace(e: unknown): boolean {
  return (
    e instanceof Neo4jError &&
    (e.code === "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists" ||
      e.code === "Neo.ClientError.Schema.ConstraintAlreadyExists" ||
      e.code === "Neo.ClientError.Schema.IndexAlreadyExists" ||
      e.code === "Neo.ClientError.Schema.ConstraintWithNameAlreadyExists")
  );
}

export function isTransient(e: unknown): boolean {
  return e instanceof Error && isRetryableError(e);
}

/**
 * The one mapping of Neo4j failures to what clients see. Clients get a coded, plain message; the
 * driver's message and Neo4j's code stay in `cause` for the server log (session.ts and health.ts
 * log them; the API's formatError logs INTERNAL errors in full and sends a generic message).
 */
export function toRelgraphError(e: unknown): RelgraphError {
  if (isRelgraphError(e)) return e;
  if (e instanceof Neo4jError) {
    // The request gate (gate.ts) keeps the driver's pool from ever being full, so an acquisition
    // timeout means a new connection could not be opened in time: Neo4j is not answering. (A full
    // pool is the gate's RESOURCE_EXHAUSTED, before the driver is asked.)
    if (e.message.startsWith("Connection acquisition timed out"))
      return new RelgraphError(ErrorCode.UNAVAILABLE, UNAVAILABLE_MESSAGE, {}, { cause: e });
    if (
      e.code === "ServiceUnavailable" ||
      e.code === "SessionExpired" ||
      // A connection cut during its handshake (Neo4j killed or restarting), not a bad message.
      e.code === "ProtocolError" ||
      e.code.startsWith("Neo.TransientError")
    )
      return new RelgraphError(ErrorCode.UNAVAILABLE, UNAVAILABLE_MESSAGE, {}, { cause: e });
    if (e.code.startsWith("Neo.ClientError.Security"))
      return new RelgraphError(
        ErrorCode.UNAVAILABLE,
        "Neo4j refused Relgraph's credentials (NEO4J_USER / NEO4J_PASSWORD); retry later",
        {},
        { cause: e },
      );
    return new RelgraphError(ErrorCode.INTERNAL, `Neo4j error ${e.code}: ${e.message}`, {}, { cause: e });
  }
  return new RelgraphError(
    ErrorCode.INTERNAL,
    `unexpected failure: ${e instanceof Error ? e.message : String(e)}`,
    {},
    {
      cause: e,
    },
  );
}
