/**
 * Loads relationships from files into a store: batched (one write, one revision, per batch of
 * TOUCH updates, so a batch written twice changes nothing), rejecting bad lines one by one and
 * writing the rest, resumable from a checkpoint file after an interruption.
 *
 * A batch the store refuses as a whole (SCHEMA_VIOLATION, INVALID_ARGUMENT) is split in halves
 * until the refused relationships stand alone: they are rejected with the store's reason, the rest
 * go in. Any other failure (Neo4j unavailable, …) stops the import; `--resume` then continues
 * after the last committed batch, recommitting at most one.
 */
import { existsSync, statSync } from "node:fs";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { ErrorCode, isRelgraphError } from "../../errors.ts";
import { tupleKey, type Tuple } from "../../model/tuple.ts";
import type { RelgraphService } from "../../coordinator/service.ts";
import { readRecords, type Layout, type ReadMeter } from "./formats.ts";

export interface ImportOptions {
  readonly store: string;
  readonly batchSize: number;
  /** Stop (exit 2) once more lines than this were rejected. */
  readonly maxErrors: number;
  readonly resume: boolean;
}

export interface Rejection {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

export interface ImportProgress {
  readonly file: string;
  /** Records read so far in this file (committed or rejected). */
  readonly records: number;
  readonly imported: number;
  readonly rejected: number;
  /** Bytes of the file read so far, for an ETA. */
  readonly bytes: number;
  readonly totalBytes: number;
  /** The file's last report. */
  readonly final: boolean;
}

export interface ImportResult {
  readonly imported: number;
  readonly rejected: number;
  /** Records skipped because a previous run committed them (--resume). */
  readonly skipped: number;
  /** The import stopped early: more than maxErrors rejections. */
  readonly stoppedAtMaxErrors: boolean;
  readonly token?: string;
}

/** What a checkpoint file holds: enough to know it belongs to this file and store. */
interface Checkpoint {
  readonly version: 1;
  readonly store: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** Records of the file fully dealt with (committed or rejected), in file order. */
  readonly records: number;
}

/** `FILE.relgraph-import`, next to the file: where an interrupted import resumes from. */
export const checkpointPath = (file: string): string => `${file}.relgraph-import`;

async function readCheckpoint(file: string, store: string): Promise<number> {
  const path = checkpointPath(file);
  if (!existsSync(path)) return 0;
  const stat = statSync(file);
  try {
    const c = JSON.parse(await readFile(path, "utf8")) as Checkpoint;
    if (c.version === 1 && c.store === store && c.size === stat.size && c.mtimeMs === stat.mtimeMs)
      return c.records;
  } catch {
    // An unreadable checkpoint is no checkpoint: TOUCH makes starting over safe.
  }
  return 0;
}

/** A refusal that belongs to the relationships themselves, not to the store or the connection. */
function refusesRelationships(e: unknown): boolean {
  return (
    isRelgraphError(e) &&
    (e.code === ErrorCode.SCHEMA_VIOLATION ||
      e.code === ErrorCode.INVALID_ARGUMENT ||
      e.code === ErrorCode.FAILED_PRECONDITION)
  );
}

interface Pending {
  readonly line: number;
  readonly tuple: Tuple;
}

export class Importer {
  imported = 0;
  rejected = 0;
  token: string | undefined;

  constructor(
    private readonly service: RelgraphService,
    private readonly options: ImportOptions,
    private readonly onReject: (r: Rejection) => void,
    private readonly onProgress: (p: ImportProgress) => void,
  ) {}

  private get overLimit(): boolean {
    return this.rejected > this.options.maxErrors;
  }

  /** Writes `batch`; relationships the store refuses are rejected individually. */
  private async write(file: string, batch: readonly Pending[]): Promise<void> {
    if (batch.length === 0 || this.overLimit) return;
    try {
      const out = await this.service.writeRelationships(
        this.options.store,
        batch.map((p) => ({ operation: "TOUCH", tuple: p.tuple })),
      );
      this.imported += batch.length;
      this.token = out.token;
    } catch (e) {
      if (!refusesRelationships(e)) throw e;
      if (batch.length === 1) {
        this.rejected++;
        // The position prefix of a one-item batch means nothing to the user: the line says where.
        const message = isRelgraphError(e)
          ? `${e.code}: ${e.message.replace(/^updates\[\d+\]\.tuple: /, "")}`
          : String(e);
        this.onReject({ file, line: batch[0]!.line, reason: message });
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await this.write(file, batch.slice(0, half));
      await this.write(file, batch.slice(half));
    }
  }

  /** Imports one file; returns the records skipped by --resume. */
  async importFile(file: string, layout: Layout): Promise<number> {
    const stat = statSync(file);
    const totalBytes = stat.size;
    const skip = this.options.resume ? await readCheckpoint(file, this.options.store) : 0;
    let records = 0;
    let batch: Pending[] = [];
    // Within a batch the same relationship twice would be refused: the last one read wins.
    let keys = new Map<string, number>();
    const meter: ReadMeter = { bytes: 0 };
    const report = (final: boolean) =>
      this.onProgress({
        final,
        file,
        records,
        imported: this.imported,
        rejected: this.rejected,
        bytes: meter.bytes,
        totalBytes,
      });
    const flush = async () => {
      await this.write(file, batch);
      batch = [];
      keys = new Map();
      const checkpoint: Checkpoint = {
        version: 1,
        store: this.options.store,
        size: stat.size,
        mtimeMs: stat.mtimeMs,
        records,
      };
      // Atomic (write, then rename): a kill mid-write must not leave a checkpoint that reads as none.
      await writeFile(`${checkpointPath(file)}.tmp`, JSON.stringify(checkpoint));
      await rename(`${checkpointPath(file)}.tmp`, checkpointPath(file));
      report(false);
    };
    for await (const record of readRecords(file, layout, meter)) {
      records++;
      if (records <= skip) continue;
      if ("error" in record) {
        this.rejected++;
        this.onReject({ file, line: record.line, reason: record.error });
      } else {
        const key = tupleKey(record.tuple);
        const at = keys.get(key);
        if (at !== undefined) batch[at] = record;
        else {
          keys.set(key, batch.length);
          batch.push(record);
        }
      }
      if (this.overLimit) break;
      if (batch.length >= this.options.batchSize) await flush();
    }
    if (!this.overLimit) await flush();
    // Finished (or stopped by rejections, which a resume would only repeat): no checkpoint left.
    await rm(checkpointPath(file), { force: true });
    report(true);
    return Math.min(skip, records);
  }

  result(skipped: number): ImportResult {
    return {
      imported: this.imported,
      rejected: this.rejected,
      skipped,
      stoppedAtMaxErrors: this.overLimit,
      ...(this.token !== undefined ? { token: this.token } : {}),
    };
  }
}
