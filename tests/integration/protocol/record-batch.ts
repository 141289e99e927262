// Builds magic-2 record batches by hand (layout from Kafka's implementation docs, section 5.3)
// with our own CRC-32C, for the produce/fetch conformance test.
import { Writer } from "../../../host/protocol/primitives.js";

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78). */
export function crc32c(data: Buffer | Uint8Array): number {
  const bytes = data as Uint8Array;
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC32C_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export interface TestRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers?: Array<{ key: string; value: Buffer | null }>;
}

/**
 * baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 (2) |
 * crc uint32 (CRC-32C of attributes..end) | attributes int16 | lastOffsetDelta int32 |
 * baseTimestamp int64 | maxTimestamp int64 | producerId int64 | producerEpoch int16 |
 * baseSequence int32 | recordsCount int32 | records
 */
export function buildBatch(records: TestRecord[], baseTimestamp: bigint): Buffer {
  const body = new Writer(256);
  body.int16(0); // attributes: no compression, CreateTime
  body.int32(records.length - 1);
  body.int64(baseTimestamp);
  body.int64(baseTimestamp + BigInt(records.length - 1));
  body.int64(-1n); // producerId
  body.int16(-1); // producerEpoch
  body.int32(-1); // baseSequence
  body.int32(records.length);
  records.forEach((r, i) => {
    const rec = new Writer(64);
    rec.int8(0);
    rec.varlong(BigInt(i)); // timestampDelta
    rec.varint(i); // offsetDelta
    writeVarBytes(rec, r.key);
    writeVarBytes(rec, r.value);
    const headers = r.headers ?? [];
    rec.varint(headers.length);
    for (const h of headers) {
      writeVarBytes(rec, Buffer.from(h.key));
      writeVarBytes(rec, h.value);
    }
    const bytes = rec.finish();
    body.varint(bytes.length);
    body.raw(bytes);
  });
  const tail = body.finish();
  const out = new Writer(tail.length + 21);
  out.int64(0n);
  out.int32(tail.length + 9); // leaderEpoch(4) + magic(1) + crc(4) + tail
  out.int32(-1);
  out.int8(2);
  out.uint32(crc32c(tail));
  out.raw(tail);
  return Buffer.from(out.finish() as unknown as Uint8Array);
}

function writeVarBytes(w: Writer, b: Buffer | null): void {
  if (b === null) return w.varint(-1);
  w.varint(b.length);
  w.raw(b);
}

/** Splits concatenated batches (a trailing partial batch is returned separately). */
export function splitBatches(records: Buffer): { batches: Buffer[]; partial: Buffer | null } {
  const batches: Buffer[] = [];
  let pos = 0;
  while (pos + 12 <= records.length) {
    const len = records.readInt32BE(pos + 8) + 12;
    if (pos + len > records.length) break;
    batches.push(records.subarray(pos, pos + len));
    pos += len;
  }
  return { batches, partial: pos < records.length ? records.subarray(pos) : null };
}
