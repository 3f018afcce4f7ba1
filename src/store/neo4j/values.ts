/**
 * Values to and from Neo4j: integers sent as Neo4j Integers, and checked decoding of what a query
 * returns (numbers, strings, lists of strings, map rows). Kept apart so every part of the store reads
 * results the same way; a value of the wrong shape is a bug (or a write that bypassed Relgraph) and
 * fails an invariant.
 */
import neo4j from "neo4j-driver";
import { invariant } from "../../errors.ts";

/** A number as a Neo4j Integer parameter (revisions, times and limits are integers in Cypher). */
export function int(n: number) {
  return neo4j.int(n);
}

export function num(value: unknown): number {
  if (typeof value === "number") return value;
  if (neo4j.isInt(value)) return value.toNumber();
  if (typeof value === "bigint") return Number(value);
  invariant(false, `expected a number from Neo4j, got ${typeof value}`);
}

export function str(value: unknown): string {
  invariant(typeof value === "string", `expected a string from Neo4j, got ${typeof value}`);
  return value;
}

/** A list of strings; null (an absent property) is the empty list. */
export function strings(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  invariant(Array.isArray(value), "expected a list from Neo4j");
  return value.map(str);
}

/** A map a query returned inside a value (a row of a `collect({...})`). */
export function mapRow(row: unknown): Readonly<Record<string, unknown>> {
  invariant(row !== null && typeof row === "object", "expected a map row from Neo4j");
  return row as Record<string, unknown>;
}
