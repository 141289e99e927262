/**
 * The synchronous half of record encryption: one partition's records field (concatenated record
 * batches v2) in, rewritten records out, with the WASM filter doing the crypto and
 * host/compression swapping compressed batches to plain and back with the same codec.
 *
 * Header fields read here (record batch v2): batchLength int32 @8, magic int8 @16,
 * attributes int16 @21 (bits 0-2 codec, bit 4 transactional, bit 5 control), recordsCount int32 @57.
 */
import { KsealError } from "../errors.js";
import { CODEC, batchCodec, decompressBatch, recompressBatch } from "../compression/index.js";
import type { KsealFilter } from "../wasm/filter.js";
import { splitRecordBatches } from "../wasm/records-blob.js";

export const BATCH_HEADER_BYTES = 61;
const MAGIC_OFFSET = 16;
const ATTRIBUTES_OFFSET = 21;
const CONTROL_FLAG = 0x20;
const RECORDS_COUNT_OFFSET = 57;

export function isControlBatch(batch: Buffer): boolean {
  return batch.length >= BATCH_HEADER_BYTES && (batch.readInt16BE(ATTRIBUTES_OFFSET) & CONTROL_FLAG) !== 0;
}

/** Batches the filter has nothing to do with: control batches, headers only, or not magic 2. */
function passesThrough(batch: Buffer): boolean {
  return batch.length <= BATCH_HEADER_BYTES || batch[MAGIC_OFFSET] !== 2 || isControlBatch(batch);
}

/** Records in a buffer of record batches (magic 2 only). */
export function countRecords(buf: Buffer | null | undefined): number {
  if (!buf) return 0;
  let n = 0;
  let off = 0;
  while (off + BATCH_HEADER_BYTES <= buf.length) {
    const len = buf.readInt32BE(off + 8);
    if (len < BATCH_HEADER_BYTES - 12 || off + 12 + len > buf.length) break;
    const magic = buf[off + 16];
    const control = (buf.readInt16BE(off + 21) & 0x20) !== 0;
    if (magic === 2 && !control) n += Math.max(0, buf.readInt32BE(off + 57));
    off += 12 + len;
  }
  return n;
}

/**
 * Records that may need an IV: the sum of recordsCount over the data batches. Throws
 * RECORD_BATCH_INVALID on a truncated batch (a producer never sends one) or a negative count.
 */
export function countProduceRecords(records: Buffer): number {
  const { batches, trailing } = splitRecordBatches(records);
  if (trailing.length > 0) throw new KsealError("RECORD_BATCH_INVALID", "produce records end in a truncated batch");
  let n = 0;
  for (const b of batches) {
    if (b.length < BATCH_HEADER_BYTES) throw new KsealError("RECORD_BATCH_INVALID", `batch of ${b.length} bytes`);
    // Fail closed on what the filter would pass through unencrypted: Produce v3+ carries magic 2
    // only, and clients never write control batches (the broker refuses both anyway).
    if (b[MAGIC_OFFSET] !== 2) throw new KsealError("RECORD_BATCH_INVALID", `magic ${b[MAGIC_OFFSET]} in a produce request`);
    if (isControlBatch(b)) throw new KsealError("RECORD_BATCH_INVALID", "control batch in a produce request");
    if (passesThrough(b)) continue;
    const c = b.readInt32BE(RECORDS_COUNT_OFFSET);
    // A batch that says 0 records but carries bytes would skip encryption and reach the log in
    // clear: the broker reads no record past the count.
    if (c <= 0) throw new KsealError("RECORD_BATCH_INVALID", `recordsCount ${c} with ${b.length - BATCH_HEADER_BYTES} bytes of records`);
    n += c;
  }
  return n;
}

/**
 * Encrypts every record value of a produce partition's batches under the DEK loaded in `slot`.
 * Returns `records` itself when nothing changed.
 */
export function encryptRecords(filter: KsealFilter, records: Buffer, slot: number): Buffer {
  const { batches } = splitRecordBatches(records);
  let changed = false;
  const out = batches.map((b) => {
    if (passesThrough(b)) return b;
    const codec = batchCodec(b);
    const plain = codec === CODEC.none ? b : decompressBatch(b);
    const enc = filter.encryptBatch(plain, slot);
    if (enc === plain) return b;
    changed = true;
    return codec === CODEC.none ? enc : recompressBatch(enc, codec);
  });
  return changed ? (out.length === 1 ? out[0]! : Buffer.concat(out)) : records;
}

/** One fetched batch: its bytes as fetched and, unless it passes through, its plain form. */
export interface FetchedBatch {
  original: Buffer;
  /** Plain (decompressed) form; null when the batch passes through untouched (control batch,
   * headers only, not magic 2). */
  plain: Buffer | null;
  codec: number;
  baseOffset: bigint;
}

/** Splits a fetched records field into batches (decompressed) and the truncated trailing bytes
 * the broker may leave at the size limit (passed on untouched). Throws on a corrupt batch. */
export function splitFetchedRecords(records: Buffer): { batches: FetchedBatch[]; trailing: Buffer } {
  const { batches, trailing } = splitRecordBatches(records);
  return {
    trailing,
    batches: batches.map((b) => {
      const baseOffset = b.length >= 8 ? b.readBigInt64BE(0) : -1n;
      if (passesThrough(b)) return { original: b, plain: null, codec: CODEC.none, baseOffset };
      const codec = batchCodec(b);
      return { original: b, plain: codec === CODEC.none ? b : decompressBatch(b), codec, baseOffset };
    }),
  };
}

/** A fetched batch with the EDEKs its records need (empty: try with every loaded slot). */
export interface ScannedBatch extends FetchedBatch {
  edeks: Buffer[];
}

export type DecryptOutcome =
  | { ok: true; batch: Buffer }
  | { ok: false; failures: { index: number; reason: string }[] };

/**
 * Decrypts one batch with the slots `slots` names: a function giving the slot of each of the
 * batch's EDEKs, or a ready list of (EDEK, slot) pairs. Recompresses with the batch's codec.
 */
export function decryptScanned(filter: KsealFilter, s: ScannedBatch, slots: ((edek: Buffer) => number) | [Buffer, number][]): DecryptOutcome {
  if (!s.plain) return { ok: true, batch: s.original };
  const mapping: [Buffer, number][] = typeof slots === "function" ? s.edeks.map((e) => [e, slots(e)]) : slots;
  const r = filter.decryptBatch(s.plain, mapping);
  if (!r.batch) return { ok: false, failures: r.failures };
  if (r.batch === s.plain) return { ok: true, batch: s.original };
  return { ok: true, batch: s.codec === CODEC.none ? r.batch : recompressBatch(r.batch, s.codec) };
}
