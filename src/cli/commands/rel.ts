/**
 * `relgraph rel create|touch|delete TUPLE...`, `relgraph rel delete [FILTER FLAGS] [--limit N]
 * [--allow-partial]`, `relgraph rel read [FILTER FLAGS] [--first N [--after C]] [--json]`.
 *
 * Writes are one batch, one revision (at most 1,000 tuples); the token is printed. `read` prints
 * one relationship a line, every page (or one page with --first), sorted by resource, relation,
 * subject. Exit 0, or 2 on error.
 */
import { parseCommonArgs, usageError, type RemoteArgs, FILTER_FLAGS } from "../args.ts";
import type { RelationshipFilter } from "../../model/filter.ts";
import { formatTuple, parseTuple } from "../../model/tuple.ts";
import type { Consistency } from "../../coordinator/service.ts";
import type { UpdateOperation } from "../../store/interface.ts";
import { info, note, type CliCommand } from "../io.ts";
import { runServiceCommand, type ServiceCommandSpec } from "../serviceCommand.ts";
import type { ServiceOpener } from "../validation/backend.ts";

const USAGE =
  "usage: relgraph rel create|touch|delete TUPLE...        e.g. document:1#viewer@user:anne\n" +
  "       relgraph rel delete FILTER FLAGS [--limit N] [--allow-partial]\n" +
  "       relgraph rel read [FILTER FLAGS] [--first N [--after CURSOR]] [--json]\n" +
  "  filter flags: --resource-type T --resource-id ID --resource-id-prefix P --relation R\n" +
  "                --subject-type T --subject-id ID --subject-relation R\n";

const WALK_PAGE = 1000;

interface Options {
  readonly remote: RemoteArgs;
  readonly store: string;
  readonly consistency: Consistency;
  readonly action: "create" | "touch" | "delete" | "read";
  readonly tuples: readonly string[];
  readonly filter: RelationshipFilter;
  readonly first?: number;
  readonly after?: string;
  readonly limit?: number;
  readonly allowPartial: boolean;
  readonly json: boolean;
}

function whole(flag: string, text: string, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > max)
    throw usageError(`${flag} must be a whole number from 1 to ${max}, got ${JSON.stringify(text)}`);
  return n;
}

const spec: ServiceCommandSpec<Options> = {
  name: "rel",
  usage: USAGE,
  parse(argv) {
    const filter: Record<string, string> = {};
    let first: number | undefined;
    let after: string | undefined;
    let limit: number | undefined;
    let allowPartial = false;
    let json = false;
    const common = parseCommonArgs(argv, (flag, value, inline) => {
      const field = FILTER_FLAGS.get(flag);
      if (field !== undefined) filter[field] = value();
      else if (flag === "--first") first = whole(flag, value(), 1000);
      else if (flag === "--after") after = value();
      else if (flag === "--limit") limit = whole(flag, value(), Number.MAX_SAFE_INTEGER);
      else if (inline !== undefined) return false;
      else if (flag === "--allow-partial") allowPartial = true;
      else if (flag === "--json") json = true;
      else return false;
      return true;
    });
    if (common === undefined) return undefined;
    const [action, ...tuples] = common.positional;
    if (action !== "create" && action !== "touch" && action !== "delete" && action !== "read")
      throw usageError(
        action === undefined
          ? "expected create, touch, delete or read"
          : `unknown rel command ${JSON.stringify(action)}`,
      );
    const filtered = Object.keys(filter).length > 0;
    if (action === "read" && tuples.length > 0) throw usageError("rel read takes filter flags, not tuples");
    if (action !== "read" && action !== "delete" && tuples.length === 0)
      throw usageError(`rel ${action} needs at least one TUPLE`);
    if (action === "delete" && tuples.length > 0 === filtered)
      throw usageError("rel delete takes either TUPLEs or filter flags");
    if (after !== undefined && first === undefined) throw usageError("--after needs --first");
    for (const t of tuples) parseTuple(t); // a malformed tuple is a usage error, before any write
    return {
      remote: common.remote,
      store: common.store,
      consistency: common.consistency,
      action,
      tuples,
      filter,
      ...(first !== undefined ? { first } : {}),
      ...(after !== undefined ? { after } : {}),
      ...(limit !== undefined ? { limit } : {}),
      allowPartial,
      json,
    };
  },
  async run(service, o, io) {
    if (o.action === "read") {
      let after = o.after;
      let last: { endCursor?: string; hasNextPage: boolean; readAt: string } | undefined;
      const rows: string[] = [];
      do {
        const page = await service.relationships(o.store, o.filter, {
          first: o.first ?? WALK_PAGE,
          ...(after !== undefined ? { after } : { consistency: o.consistency }),
        });
        for (const t of page.tuples) {
          if (o.json) rows.push(formatTuple(t));
          else io.stdout(`${formatTuple(t)}\n`);
        }
        last = page;
        after = page.endCursor;
      } while (o.first === undefined && last.hasNextPage && after !== undefined);
      if (o.json)
        io.stdout(
          `${JSON.stringify({
            relationships: rows,
            readAt: last.readAt,
            hasNextPage: last.hasNextPage,
            endCursor: last.endCursor ?? null,
          })}\n`,
        );
      else if (o.first !== undefined && last.hasNextPage && last.endCursor !== undefined)
        note(io, `more: --after ${last.endCursor}\n`);
      return 0;
    }
    if (o.action === "delete" && o.tuples.length === 0) {
      const out = await service.deleteRelationships(o.store, o.filter, {
        ...(o.limit !== undefined ? { limit: o.limit } : {}),
        allowPartial: o.allowPartial,
      });
      if (o.json) io.stdout(`${JSON.stringify(out)}\n`);
      else
        info(
          io,
          `deleted ${out.deletedCount} relationships${out.complete ? "" : " (more match: --allow-partial stopped at --limit)"}\ntoken: ${out.token}\n`,
        );
      return 0;
    }
    const operation = o.action.toUpperCase() as UpdateOperation;
    const out = await service.writeRelationships(
      o.store,
      o.tuples.map((t) => ({ operation, tuple: parseTuple(t) })),
    );
    if (o.json) io.stdout(`${JSON.stringify(out)}\n`);
    else info(io, `token: ${out.token}\n`);
    return 0;
  },
};

export const runRel = (argv: readonly string[], io: Parameters<CliCommand>[1], open?: ServiceOpener) =>
  runServiceCommand(spec, argv, io, open);
export const relCommand: CliCommand = (argv, io) => runRel(argv, io);
