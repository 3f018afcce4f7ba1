/**
 * `relgraph backup create FILE [--store S]` / `relgraph backup restore FILE [--store S]`.
 *
 * A backup is one NDJSON file: a header line, then per store a store line (name, revision, schema)
 * followed by its relationships in the export's NDJSON form:
 *
 *   {"relgraphBackup":1,"createdAt":"2026-12-07T13:00:00.000Z"}
 *   {"store":"default","revision":42,"schema":{"format":"ZED","text":"definition user {}\n…"}}
 *   {"resource":"document:1","relation":"viewer","subject":"user:anne"}
 *
 * Each store is saved consistent at one revision: its relationships are read between two reads of
 * its head, and read again if a write came in between (at most MAX_ATTEMPTS times, then
 * FAILED_PRECONDITION: pause writes). Restore creates each store (an existing one must be empty),
 * writes its schema, then its relationships in batches; the same answers follow.
 * Exit 0, or 2 on error.
 */
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { createInterface } from "node:readline";
import { ErrorCode, RelgraphError, isRelgraphError } from "../../errors.ts";
import type { Tuple } from "../../model/tuple.ts";
import type { RelgraphService } from "../../coordinator/service.ts";
import type { SchemaFormat } from "../../store/interface.ts";
import { parseCommonArgs, usageError, type RemoteArgs } from "../args.ts";
import { info, type CliCommand, type CliIO } from "../io.ts";
import { runServiceCommand, type ServiceCommandSpec } from "../serviceCommand.ts";
import { ndjsonRecord, printerFor } from "../transfer/formats.ts";
import type { ServiceOpener } from "../validation/backend.ts";

const USAGE =
  "usage: relgraph backup create FILE [--store S]    every store (or S): schema and relationships\n" +
  "       relgraph backup restore FILE [--store S]   into stores that do not exist yet or are empty\n";

const PAGE = 1000;
const BATCH = 1000;
const MAX_ATTEMPTS = 5;

interface Options {
  readonly remote: RemoteArgs;
  readonly action: "create" | "restore";
  readonly file: string;
  /** Only this store; undefined = every store. */
  readonly store?: string;
}

interface StoreLine {
  readonly store: string;
  readonly revision: number;
  readonly schema: { readonly format: SchemaFormat; readonly text: string } | null;
}

/** The export's NDJSON line: one relationship form for import, export and backups. */
const relationshipLine = printerFor("ndjson").tuple;

async function headOf(service: RelgraphService, store: string): Promise<number> {
  const info = (await service.stores()).find((s) => s.name === store);
  if (info === undefined) throw new RelgraphError(ErrorCode.NOT_FOUND, `store "${store}" does not exist`);
  return info.revision;
}

/** One store's relationships, all read at one revision (see the module comment). */
async function snapshot(
  service: RelgraphService,
  store: string,
): Promise<{ revision: number; tuples: Tuple[] }> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const before = await headOf(service, store);
    const tuples: Tuple[] = [];
    let after: string | undefined;
    let stale = false;
    for (;;) {
      const page = await service.relationships(
        store,
        {},
        { first: PAGE, ...(after !== undefined ? { after } : { consistency: { kind: "fullyConsistent" } }) },
      );
      tuples.push(...page.tuples);
      stale ||= page.staleCursor;
      if (!page.hasNextPage || page.endCursor === undefined) break;
      after = page.endCursor;
    }
    if (!stale && (await headOf(service, store)) === before) return { revision: before, tuples };
  }
  throw new RelgraphError(
    ErrorCode.FAILED_PRECONDITION,
    `store "${store}" changed during each of ${MAX_ATTEMPTS} attempts to read it at one revision; pause writes and retry`,
  );
}

async function create(service: RelgraphService, o: Options, io: CliIO): Promise<number> {
  const names = o.store !== undefined ? [o.store] : (await service.stores()).map((s) => s.name).sort();
  // Written next to the target and renamed at the end: a failed backup never leaves a partial file.
  const partial = `${o.file}.partial`;
  const out = createWriteStream(partial);
  await once(out, "open");
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, "drain");
  };
  try {
    await write(`${JSON.stringify({ relgraphBackup: 1, createdAt: new Date().toISOString() })}\n`);
    for (const store of names) {
      const schema = await service.readSchema(store);
      const { revision, tuples } = await snapshot(service, store);
      const line: StoreLine = {
        store,
        revision,
        schema: schema ? { format: schema.format, text: schema.text } : null,
      };
      await write(`${JSON.stringify(line)}\n`);
      let chunk = "";
      for (const [i, t] of tuples.entries()) {
        chunk += relationshipLine(t, i);
        if (i % PAGE === PAGE - 1) {
          await write(chunk);
          chunk = "";
        }
      }
      await write(chunk);
      io.stderr(`backup: ${store}: ${tuples.length} relationships at revision ${revision}\n`);
    }
    out.end();
    await once(out, "finish");
    await rename(partial, o.file);
  } catch (e) {
    // Writes still in flight fail once the stream is destroyed: nothing to report, the file goes.
    out.on("error", () => undefined);
    out.destroy();
    await rm(partial, { force: true });
    throw e;
  }
  info(io, `backed up ${names.length} store${names.length === 1 ? "" : "s"} to ${o.file}\n`);
  return 0;
}

async function prepareStore(service: RelgraphService, line: StoreLine): Promise<void> {
  try {
    await service.createStore(line.store);
  } catch (e) {
    if (!isRelgraphError(e) || e.code !== ErrorCode.ALREADY_EXISTS) throw e;
    const existing = (await service.stores()).find((s) => s.name === line.store);
    const empty = await service.relationships(
      line.store,
      {},
      { first: 1, consistency: { kind: "fullyConsistent" } },
    );
    if (existing === undefined || empty.tuples.length > 0 || existing.schemaRevision > 0)
      throw new RelgraphError(
        ErrorCode.FAILED_PRECONDITION,
        `store "${line.store}" exists and is not empty: restore into a new or empty store (delete it first)`,
      );
  }
  if (line.schema !== null) await service.writeSchema(line.store, line.schema.text, line.schema.format);
}

async function restore(service: RelgraphService, o: Options, io: CliIO): Promise<number> {
  // Store lines are read from the file first (they are few), then each store's relationships.
  const lines = createInterface({ input: createReadStream(o.file), crlfDelay: Infinity });
  let current: StoreLine | undefined;
  let restored = 0;
  let batch: Tuple[] = [];
  let count = 0;
  let lineNo = 0;
  const flush = async () => {
    if (current !== undefined && batch.length > 0)
      await service.writeRelationships(
        current.store,
        batch.map((tuple) => ({ operation: "TOUCH", tuple })),
      );
    count += batch.length;
    batch = [];
  };
  const finish = async () => {
    await flush();
    if (current !== undefined) {
      io.stderr(
        `restore: ${current.store}: ${count} relationships (backed up at revision ${current.revision})\n`,
      );
      restored++;
    }
    count = 0;
  };
  for await (const raw of lines) {
    lineNo++;
    const text = raw.trim();
    if (text === "") continue;
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw usageError(`${o.file}:${lineNo}: not a JSON line`);
    }
    if (lineNo === 1) {
      if (value["relgraphBackup"] !== 1)
        throw usageError(`${o.file}:1: not a Relgraph backup (no "relgraphBackup": 1 header)`);
      continue;
    }
    if (typeof value["store"] === "string") {
      await finish();
      const line = value as unknown as StoreLine;
      current = o.store === undefined || o.store === line.store ? line : undefined;
      if (current !== undefined) await prepareStore(service, current);
      continue;
    }
    if (current === undefined) continue; // a store not asked for, or relationships before any store line
    const record = ndjsonRecord(text, lineNo);
    if ("error" in record) throw usageError(`${o.file}:${lineNo}: ${record.error}`);
    batch.push(record.tuple);
    if (batch.length >= BATCH) await flush();
  }
  await finish();
  if (o.store !== undefined && restored === 0)
    throw new RelgraphError(ErrorCode.NOT_FOUND, `${o.file} holds no store "${o.store}"`);
  info(io, `restored ${restored} store${restored === 1 ? "" : "s"} from ${o.file}\n`);
  return 0;
}

const spec: ServiceCommandSpec<Options> = {
  name: "backup",
  usage: USAGE,
  parse(argv) {
    const common = parseCommonArgs(argv, () => false);
    if (common === undefined) return undefined;
    const [action, file, ...extra] = common.positional;
    if (action !== "create" && action !== "restore")
      throw usageError(
        action === undefined
          ? "expected create or restore"
          : `unknown backup command ${JSON.stringify(action)}`,
      );
    if (file === undefined) throw usageError(`backup ${action} needs a FILE`);
    if (extra.length > 0) throw usageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    const store = argv.some((a) => a === "--store" || a.startsWith("--store=")) ? common.store : undefined;
    return { remote: common.remote, action, file, ...(store !== undefined ? { store } : {}) };
  },
  run: (service, o, io) => (o.action === "create" ? create(service, o, io) : restore(service, o, io)),
};

export const runBackup = (argv: readonly string[], io: CliIO, open?: ServiceOpener) =>
  runServiceCommand(spec, argv, io, open);
export const backupCommand: CliCommand = (argv, io) => runBackup(argv, io);
