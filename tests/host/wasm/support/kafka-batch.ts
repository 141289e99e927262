/**
 * An independent record batch v2 codec for tests: written from the Kafka protocol docs
 * (implementation.html 5.3), sharing no code with assembly/ or host/, so the filter's output is
 * judged by bytes from outside the code under test. Bit-by-bit CRC-32C, bigint varlongs.
 */
export interface TestHeader { key: string; value: Buffer | null }
export interface TestRecord {
  attributes?: number;
  timestampDelta?: bigint;
  offsetDelta?: number;
  key: Buffer | null;
  value: Buffer | null;
  headers?: TestHeader[];
}
export interface TestBatch {
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
  attributes?: number;
  lastOffsetDelta?: number;
  baseTimestamp?: bigint;
  maxTimestamp?: bigint;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  records: TestRecord[];
}

export function crc32cReference(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

export function uvarint(v: number): number[] {
  const out: number[] = [];
  let x = BigInt(v);
  while (x >= 0x80n) { out.push(Number(x & 0x7fn) | 0x80); x >>= 7n; }
  out.push(Number(x));
  return out;
}

export function varint(v: number | bigint): number[] {
  const x = BigInt(v);
  const z = x >= 0n ? x << 1n : ((-x) << 1n) - 1n;
  const out: number[] = [];
  let y = z;
  while (y >= 0x80n) { out.push(Number(y & 0x7fn) | 0x80); y >>= 7n; }
  out.push(Number(y));
  return out;
}

const enc = (b: Buffer | null): number[] => (b === null ? varint(-1) : [...varint(b.length), ...b]);

export function encodeRecord(r: TestRecord): Buffer {
  const body: number[] = [
    r.attributes ?? 0,
    ...varint(r.timestampDelta ?? 0n),
    ...varint(r.offsetDelta ?? 0),
    ...enc(r.key),
    ...enc(r.value),
    ...varint(r.headers?.length ?? 0),
  ];
  for (const h of r.headers ?? []) {
    const k = Buffer.from(h.key, "utf8");
    body.push(...varint(k.length), ...k, ...enc(h.value));
  }
  return Buffer.from([...varint(body.length), ...body]);
}

export function buildBatch(b: TestBatch, recordBytes?: Buffer[]): Buffer {
  const records = recordBytes ?? b.records.map((r, i) => encodeRecord({ offsetDelta: i, ...r }));
  const recs = Buffer.concat(records.map((x) => new Uint8Array(x)));
  const h = Buffer.alloc(61);
  h.writeBigInt64BE(b.baseOffset ?? 0n, 0);
  h.writeInt32BE(61 - 12 + recs.length, 8);
  h.writeInt32BE(b.partitionLeaderEpoch ?? -1, 12);
  h.writeInt8(2, 16);
  h.writeInt16BE(b.attributes ?? 0, 21);
  h.writeInt32BE(b.lastOffsetDelta ?? Math.max(0, b.records.length - 1), 23);
  h.writeBigInt64BE(b.baseTimestamp ?? 1_700_000_000_000n, 27);
  h.writeBigInt64BE(b.maxTimestamp ?? 1_700_000_000_000n, 35);
  h.writeBigInt64BE(b.producerId ?? -1n, 43);
  h.writeInt16BE(b.producerEpoch ?? -1, 51);
  h.writeInt32BE(b.baseSequence ?? -1, 53);
  h.writeInt32BE(recordBytes?.length ?? b.records.length, 57);
  const out = Buffer.concat([new Uint8Array(h), new Uint8Array(recs)]);
  out.writeUInt32BE(crc32cReference(new Uint8Array(out.subarray(21))), 17);
  return out;
}

/** Reads varints from a buffer. */
export class Reader {
  constructor(readonly buf: Buffer, public pos = 0) {}
  u8(): number {
    if (this.pos >= this.buf.length) throw new Error("read past end");
    return this.buf[this.pos++]!;
  }
  uvarint(): bigint {
    let r = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.u8();
      r |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return r;
      shift += 7n;
    }
  }
  varint(): number {
    const u = this.uvarint();
    return Number((u >> 1n) ^ -(u & 1n));
  }
  varlong(): bigint {
    const u = this.uvarint();
    return (u >> 1n) ^ -(u & 1n);
  }
  bytes(n: number): Buffer {
    if (n < 0 || this.pos + n > this.buf.length) throw new Error("bytes past end");
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  nullable(): Buffer | null {
    const n = this.varint();
    return n < 0 ? null : this.bytes(n);
  }
}

export interface ParsedBatch extends Required<Omit<TestBatch, "records">> {
  crc: number;
  crcOk: boolean;
  batchLength: number;
  recordsCount: number;
  records: Required<TestRecord>[];
  recordBytes: Buffer[];
}

export function parseBatch(buf: Buffer): ParsedBatch {
  const batchLength = buf.readInt32BE(8);
  if (batchLength + 12 !== buf.length) throw new Error("batchLength does not match");
  if (buf.readInt8(16) !== 2) throw new Error("not magic 2");
  const crc = buf.readUInt32BE(17);
  const recordsCount = buf.readInt32BE(57);
  const records: Required<TestRecord>[] = [];
  const recordBytes: Buffer[] = [];
  const r = new Reader(buf, 61);
  while (r.pos < buf.length) {
    const start = r.pos;
    const len = r.varint();
    const end = r.pos + len;
    const attributes = r.u8();
    const timestampDelta = r.varlong();
    const offsetDelta = r.varint();
    const key = r.nullable();
    const value = r.nullable();
    const n = r.varint();
    const headers: TestHeader[] = [];
    for (let i = 0; i < n; i++) {
      const k = r.bytes(r.varint()).toString("utf8");
      headers.push({ key: k, value: r.nullable() });
    }
    if (r.pos !== end) throw new Error("record length does not match its fields");
    records.push({ attributes, timestampDelta, offsetDelta, key, value, headers });
    recordBytes.push(buf.subarray(start, end));
  }
  if (records.length !== recordsCount) throw new Error("record count does not match");
  return {
    baseOffset: buf.readBigInt64BE(0),
    batchLength,
    partitionLeaderEpoch: buf.readInt32BE(12),
    crc,
    crcOk: crc === crc32cReference(new Uint8Array(buf.subarray(21))),
    attributes: buf.readInt16BE(21),
    lastOffsetDelta: buf.readInt32BE(23),
    baseTimestamp: buf.readBigInt64BE(27),
    maxTimestamp: buf.readBigInt64BE(35),
    producerId: buf.readBigInt64BE(43),
    producerEpoch: buf.readInt16BE(51),
    baseSequence: buf.readInt32BE(53),
    recordsCount,
    records,
    recordBytes,
  };
}
