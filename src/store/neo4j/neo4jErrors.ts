/**
 * Neo4j failures as Relgraph errors. Constraint violations have a meaning the caller decides
 * (a duplicate store name, a duplicate tuple); unavailability and authentication map to their
 * codes; anything else is INTERNAL, with the Neo4j code kept in details for operators.
 */
import { Neo4jError, isRetryableError } from "neo4j-driver";
import { ErrorCode, RelgraphError, isRelgraphError } from "../../errors.ts";

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

export function toRelgraphError(e: unknown): RelgraphError {
  if (isRelgraphError(e)) return e;
  if (e instanceof Neo4jError) {
    const details = { neo4jCode: e.code };
    if (
      e.code === "ServiceUnavailable" ||
      e.code === "SessionExpired" ||
      e.code.startsWith("Neo.TransientError")
    )
      return new RelgraphError(ErrorCode.UNAVAILABLE, `Neo4j is unavailable: ${e.message}`, details, {
        cause: e,
      });
    if (e.code.startsWith("Neo.ClientError.Security"))
      return new RelgraphError(
        ErrorCode.UNAUTHENTICATED,
        `Neo4j refused the credentials: ${e.message}`,
        details,
        {
          cause: e,
        },
      );
    return new RelgraphError(ErrorCode.INTERNAL, `Neo4j error ${e.code}: ${e.message}`, details, {
      cause: e,
    });
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
