// Test helpers for plain (uncompressed) record batches v2, written from Kafka's documented layout
// (implementation docs 5.3.1-5.3.2) and independent of host/compression.
//
// batch: baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 |
//        crc uint32 | attributes int16 | lastOffsetDelta int32 | baseTimestamp int64 |
//        maxTimestamp int64 | producerId int64 | producerEpoch int16 | baseSequence int32 |
//        recordsCount int32 | records
// record: length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
//        keyLength varint | key | valueLength varint | value | headersCount varint |
//        headers {keyLength varint, key, valueLength varint, value}

export interface PlainRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers?: Array<{ key: string; value: Buffer | null }>;
}

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** Bit-at-a-time-table CRC-32C, a second implementation to check host/compression's against. */
export function referenceCrc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of data) crc = TABLE[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function zigzag(n: bigint): Buffer {
  let z = (n << 1n) ^ (n >> 63n);
  z &= (1n << 64n) - 1n;
  const out: number[] = [];
  while (z >= 0x80n) {
    out.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  out.push(Number(z));
  return Buffer.from(out);
}

function bytesField(b: Buffer | null): Buffer[] {
  return b === null ? [zigzag(-1n)] : [zigzag(BigInt(b.length)), b];
}

/** A plain magic-2 batch of `records` (no producer id, CreateTime, codec 0) with a valid CRC. */
export function buildPlainBatch(records: PlainRecord[], baseTimestamp = 1_700_000_000_000n): Buffer {
  const recs = records.map((r, i) => {
    const headers = r.headers ?? [];
    const body = Buffer.concat([
      Buffer.from([0]),
      zigzag(BigInt(i)),
      zigzag(BigInt(i)),
      ...bytesField(r.key),
      ...bytesField(r.value),
      zigzag(BigInt(headers.length)),
      ...headers.flatMap((h) => [...bytesField(Buffer.from(h.key)), ...bytesField(h.value)]),
    ]);
    return Buffer.concat([zigzag(BigInt(body.length)), body]);
  });
  const header = Buffer.alloc(61);
  header.writeBigInt64BE(0n, 0);
  header.writeInt32BE(-1, 12);
  header.writeInt8(2, 16);
  header.writeInt16BE(0, 21);
  header.writeInt32BE(records.length - 1, 23);
  header.writeBigInt64BE(baseTimestamp, 27);
  header.writeBigInt64BE(baseTimestamp + BigInt(records.length - 1), 35);
  header.writeBigInt64BE(-1n, 43);
  header.writeInt16BE(-1, 51);
  header.writeInt32BE(-1, 53);
  header.writeInt32BE(records.length, 57);
  const batch = Buffer.concat([header, ...recs]);
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeUInt32BE(referenceCrc32c(batch.subarray(21)), 17);
  return batch;
}

/**
 * A fetched batch as a new producer would send it: baseOffset 0 (a broker checks that inner
 * offsets of a compressed batch count from 0), no leader epoch, producerId/epoch/baseSequence
 * cleared (another producer's sequence would not apply), CRC recomputed.
 */
export function asProduced(batch: Buffer): Buffer {
  const b = Buffer.from(batch);
  b.writeBigInt64BE(0n, 0);
  b.writeInt32BE(-1, 12);
  b.writeBigInt64BE(-1n, 43);
  b.writeInt16BE(-1, 51);
  b.writeInt32BE(-1, 53);
  b.writeUInt32BE(referenceCrc32c(b.subarray(21)), 17);
  return b;
}

class Cursor {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  varlong(): bigint {
    let z = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error("varint runs past the records");
      const b = this.buf[this.pos++]!;
      z |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
      if (shift > 63n) throw new Error("varint too long");
    }
    return (z >> 1n) ^ -(z & 1n);
  }
  varint(): number {
    return Number(this.varlong());
  }
  bytes(): Buffer | null {
    const n = this.varint();
    if (n < 0) return null;
    if (this.pos + n > this.buf.length) throw new Error("field runs past the records");
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

/** The records of a plain batch; throws if the section does not parse exactly. */
export function parsePlainBatch(batch: Buffer): PlainRecord[] {
  if ((batch.readInt16BE(21) & 7) !== 0) throw new Error("batch is compressed");
  const count = batch.readInt32BE(57);
  const c = new Cursor(batch.subarray(61));
  const out: PlainRecord[] = [];
  for (let i = 0; i < count; i++) {
    const len = c.varint();
    const end = c.pos + len;
    c.pos++; // attributes
    c.varlong(); // timestampDelta
    const offsetDelta = c.varint();
    if (offsetDelta !== i) throw new Error(`record ${i} has offsetDelta ${offsetDelta}`);
    const key = c.bytes();
    const value = c.bytes();
    const headers = Array.from({ length: c.varint() }, () => ({ key: c.bytes()?.toString("utf8") ?? "", value: c.bytes() }));
    if (c.pos !== end) throw new Error(`record ${i} length ${len} does not match its fields`);
    out.push({ key, value, headers });
  }
  if (c.pos !== c.buf.length) throw new Error(`${c.buf.length - c.pos} bytes after the last record`);
  return out;
}

/** Splits a Fetch records blob into whole batches (a trailing partial batch is dropped). */
export function splitBatches(records: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos + 12 <= records.length) {
    const len = records.readInt32BE(pos + 8) + 12;
    if (pos + len > records.length) break;
    out.push(records.subarray(pos, pos + len));
    pos += len;
  }
  return out;
}
