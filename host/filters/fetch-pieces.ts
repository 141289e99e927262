/**
 * Fetched partitions cut into pieces for the sandbox's workers. A Java consumer keeps one Fetch
 * in flight per broker and often asks for a single partition's next megabyte while it reads the
 * others; decrypted whole by one worker, that response waits on one core while the rest idle.
 * Cut at record-batch boundaries, a partition's pieces decrypt on every worker at once and are
 * joined again in offset order.
 */
import type { FetchPartOutcome } from "./encryption-filter.js";
import { splitRecordBatches } from "../wasm/records-blob.js";

/** One piece: a run of whole batches of partition `part` (the last piece also keeps the
 * partition's trailing bytes: a truncated batch, or bytes that do not frame as one). */
export interface FetchPiece {
  part: number;
  records: Buffer;
}

/**
 * Cuts each partition's records into pieces of at most `maxBytes` at batch boundaries (a batch
 * larger than that is a piece of its own). Bytes that do not frame as whole batches stay in the
 * last piece, where decryption meets them exactly as it would in the whole field.
 */
export function cutPieces(records: Buffer[], maxBytes: number): FetchPiece[] {
  const pieces: FetchPiece[] = [];
  records.forEach((r, part) => {
    // The batches are consecutive views of r: a piece is the span from one batch to another.
    let start = 0;
    for (const b of splitRecordBatches(r).batches) {
      if (b.readInt32BE(8) < 0) break; // malformed: the rest of r, left to the last piece
      const off = b.byteOffset - r.byteOffset;
      if (off + b.length - start > maxBytes && off > start) {
        pieces.push({ part, records: r.subarray(start, off) });
        start = off;
      }
    }
    pieces.push({ part, records: r.subarray(start) });
  });
  return pieces;
}

/**
 * A partition's outcome from its pieces' outcomes, in order. Pieces after a failed one are
 * dropped: the partition delivers what decrypted before the failure, as a whole field would.
 */
export function joinPieces(pieces: FetchPiece[], outcomes: FetchPartOutcome[]): FetchPartOutcome {
  if (pieces.length === 1) return outcomes[0]!;
  const seen = new Map<string, Buffer>();
  for (const o of outcomes) for (const e of o.seen) seen.set(e.toString("latin1"), e);
  const out: Buffer[] = [];
  let changed = false;
  for (let k = 0; k < pieces.length; k++) {
    const o = outcomes[k]!;
    if (o.error) {
      if (o.records && o.records.length > 0) out.push(o.records);
      return { records: out.length > 0 ? Buffer.concat(out) : undefined, error: o.error, problem: o.problem, missing: [], seen: [...seen.values()] };
    }
    if (o.records) changed = true;
    out.push(o.records ?? pieces[k]!.records);
  }
  return { records: changed ? Buffer.concat(out) : undefined, missing: [], seen: [...seen.values()] };
}
