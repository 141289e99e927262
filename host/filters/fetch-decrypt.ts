/**
 * The synchronous half of fetch decryption, shared by the main-thread filter and the sandbox
 * workers: one partition's records field at a time, decrypted batch by batch in order with the
 * DEKs at hand, stopping at the first batch that needs a DEK not resolved yet (its EDEKs go to
 * `missing`, for the caller to resolve all at once and come back) or that fails.
 *
 * Nothing here logs or awaits: outcomes carry what the caller needs to log (topic-free: offset,
 * reason), so the same code runs in a worker thread.
 */
import { isKsealError } from "../errors.js";
import type { KsealFilter } from "../wasm/filter.js";
import { DecryptSlots } from "./decrypt-slots.js";
import { fetchErrorFor, type PartitionError } from "./partition-errors.js";
import { decryptScanned, splitFetchedRecords, type FetchedBatch } from "./record-batches.js";
import { KafkaError } from "../protocol/kafka-errors.js";

/** Why a partition stopped with an error, for the caller's log line (never key material). */
export type DecryptProblem =
  | { kind: "dek-unavailable"; offset: bigint; err: string }
  | { kind: "batch-unreadable"; offset: bigint; err: string }
  | { kind: "integrity"; offset: bigint; failures: { index: number; reason: string }[] };

/** One fetched partition on its way through decryption. */
export interface PartitionDecrypt {
  batches: FetchedBatch[];
  trailing: Buffer;
  /** Index of the next batch to decrypt; out holds the results before it. */
  next: number;
  out: Buffer[];
  changed: boolean;
  /** Stopped this round: the next batch needs a DEK being resolved. */
  waiting: boolean;
  error?: PartitionError;
  problem?: DecryptProblem;
  /** Every EDEK this partition's batches named so far (latin1), for key hints. */
  seen: Set<string>;
}

/** A partition's records field split into batches (compressed ones decompressed); one that
 * cannot be split or decompressed stops the partition with an error before anything is released. */
export function startPartition(records: Buffer): PartitionDecrypt {
  try {
    const { batches, trailing } = splitFetchedRecords(records);
    return { batches, trailing, next: 0, out: [], changed: false, waiting: false, seen: new Set() };
  } catch (e) {
    return {
      batches: [], trailing: Buffer.alloc(0), next: 0, out: [], changed: false, waiting: false, seen: new Set(),
      error: fetchErrorFor(e), problem: { kind: "batch-unreadable", offset: -1n, err: errText(e) },
    };
  }
}

/** The state of one decryption pass: resolved DEKs, EDEKs that failed to resolve, and the
 * module's key slots loaded from them. */
export interface DecryptKeys {
  deks: Map<string, Buffer>;
  unresolved: Map<string, unknown>;
  slots: DecryptSlots;
  /** Records a strict policy refused for lacking the encryption header (PLAINTEXT_REFUSED). */
  refused: number;
}

export function decryptKeys(filter: KsealFilter): DecryptKeys {
  const deks = new Map<string, Buffer>();
  return { deks, unresolved: new Map(), slots: new DecryptSlots(filter, deks), refused: 0 };
}

/**
 * Decrypts the partition's batches in order until one needs a DEK not resolved yet (added to
 * `missing`), one fails (w.error, w.problem), or all are done.
 */
export function advancePartition(filter: KsealFilter, w: PartitionDecrypt, k: DecryptKeys, missing: Map<string, Buffer>): void {
  while (!w.error && !w.waiting && w.next < w.batches.length) {
    const b = w.batches[w.next]!;
    try {
      if (!b.plain) {
        w.out.push(b.original);
        w.next++;
        continue;
      }
      // Batches are first tried with the keys already loaded, so EDEKs are listed only when a
      // batch needs a key not loaded yet.
      if (k.slots.size > 0) {
        const r = decryptScanned(filter, { ...b, edeks: [] }, k.slots.loaded());
        if (r.ok) {
          accept(w, b, r.batch);
          continue;
        }
        if (!r.failures.every((f) => f.reason === "KEY_NOT_LOADED")) {
          failBatch(w, b, r.failures);
          return;
        }
      }
      const edeks = filter.listEdeks(b.plain);
      if (edeks.length === 0) {
        // No EDEK listed: nothing is encrypted, or an encrypted record's wrapper cannot be read
        // (list_edeks skips it), or (strict policy) plaintext where only ciphertext may be.
        // Decrypting with no keys tells them apart: ciphertext is never passed on.
        const r = filter.decryptBatch(b.plain, []);
        if (!r.batch) {
          k.refused += r.failures.filter((f) => f.reason === "PLAINTEXT_REFUSED").length;
          failBatch(w, b, r.failures);
          return;
        }
        w.out.push(b.original);
        w.next++;
        continue;
      }
      for (const e of edeks) w.seen.add(e.toString("latin1"));
      const lost = edeks.find((e) => k.unresolved.has(e.toString("latin1")));
      if (lost) {
        const cause = k.unresolved.get(lost.toString("latin1"));
        w.error = fetchErrorFor(cause);
        w.problem = { kind: "dek-unavailable", offset: b.baseOffset, err: errText(cause) };
        return;
      }
      const need = edeks.filter((e) => !k.deks.has(e.toString("latin1")));
      if (need.length > 0) {
        for (const e of need) missing.set(e.toString("latin1"), e);
        w.waiting = true;
        return;
      }
      k.slots.prepare(edeks);
      const r = decryptScanned(filter, { ...b, edeks }, k.slots.slotFor);
      if (r.ok) accept(w, b, r.batch);
      else failBatch(w, b, r.failures);
    } catch (e) {
      w.error = fetchErrorFor(e);
      w.problem = { kind: "batch-unreadable", offset: b.baseOffset, err: errText(e) };
    }
  }
}

/** The partition's new records field: undefined when nothing changed. With an error, the
 * batches decrypted before the failing one (empty: the caller answers with the error code). */
export function finishPartition(w: PartitionDecrypt): Buffer | undefined {
  if (w.error) return Buffer.concat(w.out);
  return w.changed ? Buffer.concat([...w.out, w.trailing]) : undefined;
}

function accept(w: PartitionDecrypt, b: FetchedBatch, out: Buffer): void {
  if (out !== b.original) w.changed = true;
  w.out.push(out);
  w.next++;
}

function failBatch(w: PartitionDecrypt, b: FetchedBatch, failures: { index: number; reason: string }[]): void {
  w.problem = { kind: "integrity", offset: b.baseOffset, failures: failures.slice(0, 10) };
  w.error = { code: KafkaError.CORRUPT_MESSAGE, message: `kseal: records at offset ${b.baseOffset} failed to decrypt` };
}

export function errText(e: unknown): string {
  if (isKsealError(e)) return `${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}
