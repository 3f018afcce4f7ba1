/** Shared command-line parsing and error reporting for the subcommands. */
import { ErrorCode, isRelgraphError, RelgraphError } from "../errors.ts";
import type { Consistency } from "../coordinator/service.ts";
import { DEFAULT_STORE } from "../store/interface.ts";
import type { CliIO } from "./io.ts";
import { FILTER_FIELDS, type RelationshipFilter } from "../model/filter.ts";

/** Exit status of a command that could not run (bad arguments, a coded error). */
export const EXIT_ERROR = 2;

export const usageError = (message: string): RelgraphError =>
  new RelgraphError(ErrorCode.INVALID_ARGUMENT, message);

/** `--help` or `-h`: every command prints its usage on stdout and exits 0. */
export function isHelpFlag(arg: string | undefined): boolean {
  return arg === "--help" || arg === "-h";
}

/** `--flag=value` → [`--flag`, `value`]; anything else → [arg, undefined]. */
export function splitFlag(arg: string): [string, string | undefined] {
  const eq = arg.indexOf("=");
  return arg.startsWith("--") && eq >= 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}

/**
 * `--consistency` text: minimize_latency, fully_consistent or at_least_as_fresh:<token>, or the
 * GraphQL spellings (minimizeLatency, fullyConsistent, atLeastAsFresh:<token>).
 */
export function parseConsistency(text: string): Consistency {
  if (text === "minimize_latency" || text === "minimizeLatency") return { kind: "minimizeLatency" };
  if (text === "fully_consistent" || text === "fullyConsistent") return { kind: "fullyConsistent" };
  for (const prefix of ["at_least_as_fresh:", "atLeastAsFresh:"])
    if (text.startsWith(prefix) && text.length > prefix.length)
      return { kind: "atLeastAsFresh", token: text.slice(prefix.length) };
  throw usageError(
    `--consistency must be minimize_latency, fully_consistent or at_least_as_fresh:<token>, got ${JSON.stringify(text)}`,
  );
}

/** Where a command's service runs: a Relgraph server (remote mode) instead of Neo4j directly. */
export interface RemoteArgs {
  /** `--endpoint URL`, the server's GraphQL URL (else RELGRAPH_ENDPOINT). */
  readonly endpoint?: string;
  /** `--api-key KEY` (else RELGRAPH_API_KEY). */
  readonly apiKey?: string;
}

/** What every service command accepts besides its own flags. */
export interface CommonArgs {
  readonly positional: readonly string[];
  readonly store: string;
  readonly consistency: Consistency;
  readonly remote: RemoteArgs;
}

/** The environment a command opens its service from: the flags override RELGRAPH_ENDPOINT/API_KEY. */
export function serviceEnv(
  env: Readonly<Record<string, string | undefined>>,
  remote: RemoteArgs,
): Readonly<Record<string, string | undefined>> {
  return {
    ...env,
    ...(remote.endpoint !== undefined ? { RELGRAPH_ENDPOINT: remote.endpoint } : {}),
    ...(remote.apiKey !== undefined ? { RELGRAPH_API_KEY: remote.apiKey } : {}),
  };
}

/**
 * Walks argv: `--flag value` or `--flag=value`; `--help`/`-h` (→ undefined), `--store`,
 * `--consistency`, `--endpoint` and `--api-key` for every command; `own(flag, value, inline)` takes the command's own flags and
 * says whether it did (`value()` reads the flag's value, INVALID_ARGUMENT when missing). Any other
 * `-x` is INVALID_ARGUMENT; the rest are positional arguments.
 */
export function parseCommonArgs(
  argv: readonly string[],
  own: (flag: string, value: () => string, inline: string | undefined) => boolean,
): CommonArgs | undefined {
  const positional: string[] = [];
  let store = DEFAULT_STORE;
  let consistency: Consistency = { kind: "minimizeLatency" };
  let endpoint: string | undefined;
  let apiKey: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const [flag, inline] = splitFlag(arg);
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") throw usageError(`${flag} needs a value`);
      return v;
    };
    if (isHelpFlag(flag)) return undefined;
    else if (flag === "--store") store = value();
    else if (flag === "--consistency") consistency = parseConsistency(value());
    else if (flag === "--endpoint") endpoint = value();
    else if (flag === "--api-key") apiKey = value();
    else if (own(flag, value, inline)) continue;
    else if (flag.startsWith("-")) throw usageError(`unknown option ${flag}`);
    else positional.push(arg);
  }
  const remote = {
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(apiKey !== undefined ? { apiKey } : {}),
  };
  return { positional, store, consistency, remote };
}

/** parseCommonArgs for commands whose only own flag is `--json`. */
export function parseArgsWithJson(
  argv: readonly string[],
): (CommonArgs & { readonly json: boolean }) | undefined {
  let json = false;
  const common = parseCommonArgs(argv, (flag, _value, inline) => {
    if (flag !== "--json" || inline !== undefined) return false;
    json = true;
    return true;
  });
  return common === undefined ? undefined : { ...common, json };
}

/**
 * parseArgsWithJson plus `--context JSON` (a caveat context) and the command's own flags
 * (`own`, as for parseCommonArgs): what check and permissions take.
 */
export function parseArgsWithContext(
  argv: readonly string[],
  own: (flag: string) => boolean = () => false,
):
  | (CommonArgs & { readonly json: boolean; readonly context: Record<string, unknown> | undefined })
  | undefined {
  let json = false;
  let context: Record<string, unknown> | undefined;
  const common = parseCommonArgs(argv, (flag, value, inline) => {
    if (flag === "--context") {
      context = parseContextArg(value());
      return true;
    }
    if (inline !== undefined) return false;
    if (flag === "--json") json = true;
    else return own(flag);
    return true;
  });
  return common === undefined ? undefined : { ...common, json, context };
}

/** `relgraph COMMAND: CODE: message` on stderr (INTERNAL for anything uncoded); returns EXIT_ERROR. */
export function reportCommandError(io: CliIO, command: string, e: unknown): number {
  if (isRelgraphError(e)) io.stderr(`relgraph ${command}: ${e.code}: ${e.message}\n`);
  else
    io.stderr(`relgraph ${command}: ${ErrorCode.INTERNAL}: ${e instanceof Error ? e.message : String(e)}\n`);
  return EXIT_ERROR;
}

/** `--resource-type` → resourceType, …: one flag per RelationshipFilter field (export, rel). */
export const FILTER_FLAGS: ReadonlyMap<string, keyof RelationshipFilter> = new Map(
  FILTER_FIELDS.map((f) => [`--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, f]),
);

/** `--context JSON`: a caveat context, a JSON object (INVALID_ARGUMENT otherwise, saying why). */
export function parseContextArg(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw usageError(`--context is not valid JSON: ${(e as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw usageError(`--context must be a JSON object such as '{"ip": "10.1.2.3"}'`);
  return value as Record<string, unknown>;
}
