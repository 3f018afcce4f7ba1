/**
 * Caveat parameter types (SpiceDB's and OpenFGA's: bool, int, uint, double, string, bytes, duration,
 * timestamp, ipaddress, any, list<T>, map<T>) as a tagged union, their CEL type names, and the one
 * encoding of context values: JSON in, CEL values out.
 *
 * The encoding (the same in GraphQL, the CLI's `--context`, validation files and NDJSON):
 *   int, uint  JSON number (an integer), or a decimal string beyond 2^53      {"n": 3}, {"n": "9007199254740993"}
 *   double     JSON number                                                    {"x": 0.5}
 *   timestamp  RFC 3339 string ending in Z                                    {"t": "2030-01-01T00:00:00Z"}
 *   duration   Go-style duration string                                       {"d": "1h30m"}
 *   bytes      base64 string                                                  {"b": "aGk="}
 *   ipaddress  the address as text                                           {"ip": "10.1.2.3"}
 *   list<T>    JSON array of T; map<T> JSON object of T; any: any JSON value
 * A value of the wrong type is INVALID_ARGUMENT naming the parameter (`ContextValueError`).
 */
import { isIP } from "node:net";
import { evaluate } from "@marcbachmann/cel-js";
import { unreachable } from "../../errors.ts";
import type { SchemaOrigin } from "../ir.ts";
import { IpAddress } from "./ipaddress.ts";

export type CaveatType =
  | {
      readonly kind:
        | "any"
        | "bool"
        | "bytes"
        | "double"
        | "duration"
        | "int"
        | "ipaddress"
        | "string"
        | "timestamp"
        | "uint"
        /** SpiceDB's `uint`: a CEL int that may not be negative. */
        | "nonNegativeInt";
    }
  | { readonly kind: "list"; readonly element: CaveatType }
  | { readonly kind: "map"; readonly value: CaveatType };

/**
 * Parses a type text already checked by `caveatTypeProblem` (validate.ts), e.g. `list<map<int>>`.
 * SpiceDB's `uint` is a CEL int that must not be negative (`n == 3` type-checks, `n > 3u` does not);
 * OpenFGA's is CEL's uint.
 */
export function parseCaveatType(text: string, origin: SchemaOrigin = "zed"): CaveatType {
  const t = text.replace(/\s+/g, "");
  const open = t.indexOf("<");
  if (open < 0) {
    if (t === "uint" && origin === "zed") return { kind: "nonNegativeInt" };
    return { kind: t as Exclude<CaveatType["kind"], "list" | "map"> };
  }
  const inner = parseCaveatType(t.slice(open + 1, -1), origin);
  return t.startsWith("list") ? { kind: "list", element: inner } : { kind: "map", value: inner };
}

/** The type's name in the CEL environment. */
export function celTypeName(t: CaveatType): string {
  switch (t.kind) {
    case "any":
      return "dyn";
    case "duration":
      return "google.protobuf.Duration";
    case "timestamp":
      return "google.protobuf.Timestamp";
    case "bool":
    case "bytes":
    case "double":
    case "int":
    case "ipaddress":
    case "string":
    case "uint":
      return t.kind;
    case "nonNegativeInt":
      return "int";
    case "list":
      return `list<${celTypeName(t.element)}>`;
    case "map":
      return `map<string, ${celTypeName(t.value)}>`;
    default:
      return unreachable(t, "caveat type");
  }
}

/** A context value that does not fit its parameter's type; `path` is e.g. `cidrs[2]`. */
export class ContextValueError extends Error {
  constructor(
    readonly path: string,
    readonly expected: string,
  ) {
    super(`${path}: expected ${expected}`);
  }
}

// cel-js exports no constructors for its uint and duration values; its own literals give them.
const UnsignedInt = (evaluate("1u") as object).constructor as new (v: bigint) => unknown;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const DURATION = /^-?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * An RFC 3339 timestamp as the same instant in UTC, fraction kept (`…-07:00` → `…Z`), or undefined.
 * `Z` is the canonical form; an offset is read too, as SpiceDB reads it (its own testconfigs store
 * some), and cel-js's timestamp() takes a fraction only with `Z`.
 */
function utcTimestamp(v: string): string | undefined {
  const m = RFC3339.exec(v);
  if (m === null) return undefined;
  const seconds = Date.parse(`${m[1]}${m[3]!.toUpperCase()}`);
  if (Number.isNaN(seconds)) return undefined;
  return `${new Date(seconds).toISOString().slice(0, 19)}${m[2] ?? ""}Z`;
}
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function integer(v: unknown, path: string, expected: string): bigint {
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === "string" && /^-?\d{1,20}$/.test(v)) return BigInt(v);
  throw new ContextValueError(path, expected);
}

/** JSON value → CEL value for a parameter of type `t` (throws ContextValueError). */
export function toCelValue(t: CaveatType, v: unknown, path: string): unknown {
  switch (t.kind) {
    case "any":
      return anyValue(v);
    case "bool":
      if (typeof v !== "boolean") throw new ContextValueError(path, "a boolean");
      return v;
    case "string":
      if (typeof v !== "string") throw new ContextValueError(path, "a string");
      return v;
    case "double":
      if (typeof v !== "number" || !Number.isFinite(v)) throw new ContextValueError(path, "a number");
      return v;
    case "int": {
      const n = integer(v, path, "an int (a JSON integer, or a decimal string)");
      if (n < INT64_MIN || n > INT64_MAX) throw new ContextValueError(path, "an int within 64 bits");
      return n;
    }
    case "uint": {
      const n = integer(v, path, "a uint (a non-negative JSON integer, or a decimal string)");
      if (n < 0n || n > UINT64_MAX) throw new ContextValueError(path, "a uint within 64 bits");
      return new UnsignedInt(n);
    }
    case "nonNegativeInt": {
      const n = integer(v, path, "a uint (a non-negative JSON integer, or a decimal string)");
      if (n < 0n || n > INT64_MAX) throw new ContextValueError(path, "a uint within 63 bits");
      return n;
    }
    case "bytes":
      if (typeof v !== "string" || v.length % 4 !== 0 || !BASE64.test(v))
        throw new ContextValueError(path, "bytes as a base64 string");
      return new Uint8Array(Buffer.from(v, "base64"));
    case "timestamp": {
      const utc = typeof v === "string" ? utcTimestamp(v) : undefined;
      if (utc === undefined)
        throw new ContextValueError(path, 'a timestamp (RFC 3339, e.g. "2030-01-01T00:00:00Z")');
      return evaluate("timestamp(t)", { t: utc });
    }
    case "duration":
      if (typeof v !== "string" || !DURATION.test(v))
        throw new ContextValueError(path, 'a duration (e.g. "1h30m", "90s", "250ms")');
      return evaluate("duration(d)", { d: v });
    case "ipaddress":
      if (typeof v !== "string" || isIP(v) === 0) throw new ContextValueError(path, "an IP address");
      return new IpAddress(v);
    case "list":
      if (!Array.isArray(v)) throw new ContextValueError(path, "a list (a JSON array)");
      return v.map((e, i) => toCelValue(t.element, e, `${path}[${i}]`));
    case "map": {
      if (v === null || typeof v !== "object" || Array.isArray(v))
        throw new ContextValueError(path, "a map (a JSON object)");
      const m = new Map<string, unknown>();
      for (const [k, e] of Object.entries(v)) m.set(k, toCelValue(t.value, e, `${path}.${k}`));
      return m;
    }
    default:
      return unreachable(t, "caveat type");
  }
}

/** `any`: JSON as CEL sees protobuf Struct values (numbers are doubles, objects are maps). */
function anyValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(anyValue);
  if (v !== null && typeof v === "object")
    return new Map(Object.entries(v).map(([k, e]) => [k, anyValue(e)]));
  return v;
}
