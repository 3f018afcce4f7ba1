/**
 * `relgraph lookup-resources TYPE PERMISSION SUBJECT` and
 * `relgraph lookup-subjects RESOURCE PERMISSION TYPE[#RELATION]`, with
 *   [--store NAME] [--consistency minimize_latency|fully_consistent|at_least_as_fresh:<token>]
 *   [--first N [--after CURSOR]] [--json]
 *
 * Runs the engine in this process against the configured Neo4j (no server needed). Prints one
 * result per line — `document:readme`, `user:alice`, `user:* - {user:bob, user:eve}`, with
 * ` (conditional)` when it holds only under caveats — walking every page by default; `--first`
 * (optionally with `--after`) prints that one page and, when another follows, `next: <cursor>` on
 * stderr. `--json` prints one JSON document: `{results: [...], endCursor, hasNextPage, readAt,
 * staleCursor}`. Exit 0 on success, 2 on error (the error code and message on stderr).
 */
import {
  EXIT_ERROR,
  parseCommonArgs,
  reportCommandError,
  usageError,
  serviceEnv,
  type RemoteArgs,
} from "../args.ts";
import {
  formatObjectRef,
  formatSubjectRef,
  isValidRelationName,
  isValidTypeName,
  parseObjectRef,
  parseSubjectRef,
} from "../../model/tuple.ts";
import type {
  Consistency,
  LookupPageInfo,
  LookupPageRequest,
  LookupResourcesRequest,
  LookupSubject,
  LookupSubjectsRequest,
  Permissionship,
  RelgraphService,
} from "../../coordinator/service.ts";
import { note, type CliCommand, type CliIO } from "../io.ts";
import { openService, type ServiceOpener } from "../validation/backend.ts";

const OPTIONS =
  "         [--store NAME] [--first N [--after CURSOR]] [--json]\n" +
  "         [--consistency minimize_latency|fully_consistent|at_least_as_fresh:<token>]\n";
const RESOURCES_USAGE =
  "usage: relgraph lookup-resources TYPE PERMISSION SUBJECT\n" +
  OPTIONS +
  "  e.g. relgraph lookup-resources document view user:alice\n";
const SUBJECTS_USAGE =
  "usage: relgraph lookup-subjects RESOURCE PERMISSION TYPE[#RELATION]\n" +
  OPTIONS +
  "  e.g. relgraph lookup-subjects document:readme view user\n";

export const EXIT_OK = 0;
export { EXIT_ERROR };
/** Page size when walking every page. */
const WALK_PAGE = 1000;

interface Common {
  readonly store: string;
  readonly remote: RemoteArgs;
  readonly consistency: Consistency;
  readonly first?: number;
  readonly after?: string;
  readonly json: boolean;
  readonly positional: readonly string[];
}

/** Throws INVALID_ARGUMENT for bad arguments; `undefined` means help was asked for. */
function parseCommon(argv: readonly string[]): Common | undefined {
  let first: number | undefined;
  let after: string | undefined;
  let json = false;
  const common = parseCommonArgs(argv, (flag, value) => {
    if (flag === "--json") json = true;
    else if (flag === "--first") {
      const text = value();
      const n = Number(text);
      if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1 || n > 1000)
        throw usageError(`--first must be an integer from 1 to 1000, got ${JSON.stringify(text)}`);
      first = n;
    } else if (flag === "--after") after = value();
    else return false;
    return true;
  });
  if (common === undefined) return undefined;
  const { store, consistency, positional, remote } = common;
  if (after !== undefined && first === undefined) throw usageError("--after needs --first");
  return {
    store,
    remote,
    consistency,
    json,
    positional,
    ...(first !== undefined ? { first } : {}),
    ...(after !== undefined ? { after } : {}),
  };
}

const reportError = reportCommandError;

const conditional = (p: Permissionship): string => (p === "CONDITIONAL_PERMISSION" ? " (conditional)" : "");

/** `user:alice`, `user:* - {user:bob, user:eve}`. */
export function lookupSubjectText(s: LookupSubject): string {
  const text = formatSubjectRef(s.subject);
  return s.excluded.length === 0 ? text : `${text} - {${s.excluded.map(formatSubjectRef).join(", ")}}`;
}

interface Walk<T> {
  readonly results: T[];
  readonly last: LookupPageInfo;
}

/** One page (`--first`) or every page. */
async function walk<T>(
  common: Common,
  fetch: (page: LookupPageRequest) => Promise<LookupPageInfo & { readonly items: readonly T[] }>,
): Promise<Walk<T>> {
  const results: T[] = [];
  let after = common.after;
  for (;;) {
    const page = await fetch({
      first: common.first ?? WALK_PAGE,
      consistency: common.consistency,
      ...(after !== undefined ? { after } : {}),
    });
    results.push(...page.items);
    if (common.first !== undefined || !page.hasNextPage || page.endCursor === undefined)
      return { results, last: page };
    after = page.endCursor;
  }
}

async function run<T>(
  command: string,
  usage: string,
  argv: readonly string[],
  io: CliIO,
  open: ServiceOpener,
  parse: (positional: readonly string[]) => (service: RelgraphService, common: Common) => Promise<Walk<T>>,
  line: (item: T) => string,
  json: (item: T) => unknown,
): Promise<number> {
  let common: Common | undefined;
  let execute: ((service: RelgraphService, common: Common) => Promise<Walk<T>>) | undefined;
  try {
    common = parseCommon(argv);
    if (common !== undefined) execute = parse(common.positional);
  } catch (e) {
    const code = reportError(io, command, e);
    io.stderr(usage);
    return code;
  }
  if (common === undefined || execute === undefined) {
    io.stdout(usage);
    return EXIT_OK;
  }
  let service: RelgraphService | undefined;
  try {
    service = await open("neo4j", serviceEnv(io.env, common.remote));
    const { results, last } = await execute(service, common);
    if (common.json)
      io.stdout(
        `${JSON.stringify(
          {
            results: results.map(json),
            endCursor: last.endCursor ?? null,
            hasNextPage: common.first !== undefined && last.hasNextPage,
            readAt: last.readAt,
            staleCursor: last.staleCursor,
          },
          null,
          2,
        )}\n`,
      );
    else {
      io.stdout(results.map((r) => `${line(r)}\n`).join(""));
      if (common.first !== undefined && last.hasNextPage && last.endCursor !== undefined)
        note(io, `next: ${last.endCursor}\n`);
    }
    if (last.staleCursor)
      io.stderr(`relgraph ${command}: warning: stale cursor (a write happened during the walk)\n`);
    return EXIT_OK;
  } catch (e) {
    return reportError(io, command, e);
  } finally {
    await service?.close().catch(() => undefined);
  }
}

/** The command with its service factory injectable (tests pass a fake or memory service). */
export function runLookupResources(
  argv: readonly string[],
  io: CliIO,
  open: ServiceOpener = openService,
): Promise<number> {
  return run(
    "lookup-resources",
    RESOURCES_USAGE,
    argv,
    io,
    open,
    (positional) => {
      const [type, permission, subject, ...extra] = positional;
      if (type === undefined || permission === undefined || subject === undefined || extra.length > 0)
        throw usageError("expected TYPE PERMISSION SUBJECT");
      if (!isValidTypeName(type, "openfga")) throw usageError(`TYPE: invalid type ${JSON.stringify(type)}`);
      const request: LookupResourcesRequest = {
        resourceType: type,
        permission,
        subject: parseSubjectRef(subject, "openfga", "subject"),
      };
      return (service, common) =>
        walk(common, async (page) => {
          const p = await service.lookupResources(common.store, request, page);
          return { ...p, items: p.resources };
        });
    },
    (r) => `${formatObjectRef(r.resource)}${conditional(r.permissionship)}`,
    (r) => ({ resource: formatObjectRef(r.resource), permissionship: r.permissionship }),
  );
}

export function runLookupSubjects(
  argv: readonly string[],
  io: CliIO,
  open: ServiceOpener = openService,
): Promise<number> {
  return run(
    "lookup-subjects",
    SUBJECTS_USAGE,
    argv,
    io,
    open,
    (positional) => {
      const [resource, permission, typeText, ...extra] = positional;
      if (resource === undefined || permission === undefined || typeText === undefined || extra.length > 0)
        throw usageError("expected RESOURCE PERMISSION TYPE[#RELATION]");
      const hash = typeText.indexOf("#");
      const subjectType = hash < 0 ? typeText : typeText.slice(0, hash);
      const subjectRelation = hash < 0 ? "" : typeText.slice(hash + 1);
      if (!isValidTypeName(subjectType, "openfga"))
        throw usageError(`TYPE: invalid type ${JSON.stringify(subjectType)}`);
      if (hash >= 0 && subjectRelation !== "..." && !isValidRelationName(subjectRelation, "openfga"))
        throw usageError(`TYPE: invalid relation ${JSON.stringify(subjectRelation)}`);
      const request: LookupSubjectsRequest = {
        resource: parseObjectRef(resource, "openfga", "resource"),
        permission,
        subjectType,
        ...(subjectRelation !== "" && subjectRelation !== "..." ? { subjectRelation } : {}),
      };
      return (service, common) =>
        walk(common, async (page) => {
          const p = await service.lookupSubjects(common.store, request, page);
          return { ...p, items: p.subjects };
        });
    },
    (s) => `${lookupSubjectText(s)}${conditional(s.permissionship)}`,
    (s) => ({
      subject: formatSubjectRef(s.subject),
      excludedSubjects: s.excluded.map(formatSubjectRef),
      permissionship: s.permissionship,
    }),
  );
}

export const lookupResourcesCommand: CliCommand = (argv, io) => runLookupResources(argv, io);
export const lookupSubjectsCommand: CliCommand = (argv, io) => runLookupSubjects(argv, io);
