/**
 * The sample a candidate module must round-trip before it may serve: a small record batch v2
 * (magic 2, uncompressed) built here, independently of the module, with a CRC-32C computed on
 * the host.
 *
 * Batch: baseOffset i64 | batchLength i32 | partitionLeaderEpoch i32 | magic i8 = 2 | crc u32
 *   (CRC-32C of attributes..end) | attributes i16 | lastOffsetDelta i32 | baseTimestamp i64
 *   | maxTimestamp i64 | producerId i64 | producerEpoch i16 | baseSequence i32 | recordsCount i32
 *   | records
 * Record: length varint | attributes i8 | timestampDelta varlong | offsetDelta varint
 *   | keyLength varint | key | valueLength varint (-1: null) | value | headerCount varint
 *   | headers (keyLength varint | key | valueLength varint | value)
 * varint/varlong are zigzag-encoded.
 */
import { crc32c } from "../compression/crc32c.js";

interface SampleRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: [string, Buffer][];
}

function zigzag(v: number): number[] {
  let z = v >= 0 ? v * 2 : -v * 2 - 1;
  const out: number[] = [];
  while (z >= 0x80) {
    out.push((z % 0x80) | 0x80);
    z = Math.floor(z / 0x80);
  }
  out.push(z);
  return out;
}

const bytesField = (b: Buffer | null): Buffer =>
  b === null ? Buffer.from(zigzag(-1)) : Buffer.concat([Buffer.from(zigzag(b.length)), b]);

function encodeRecord(r: SampleRecord, i: number): Buffer {
  const body = Buffer.concat([
    Buffer.from([0]),
    Buffer.from(zigzag(i)),
    Buffer.from(zigzag(i)),
    bytesField(r.key),
    bytesField(r.value),
    Buffer.from(zigzag(r.headers.length)),
    ...r.headers.map(([k, v]) => Buffer.concat([bytesField(Buffer.from(k)), bytesField(v)])),
  ]);
  return Buffer.concat([Buffer.from(zigzag(body.length)), body]);
}

/** A batch of a few records: plain values, a header, an empty value, a tombstone. */
export function sampleBatch(): Buffer {
  const records: SampleRecord[] = [
    { key: Buffer.from("kseal-sample-0"), value: Buffer.from("module candidate check"), headers: [] },
    { key: null, value: Buffer.alloc(1000, 0x5a), headers: [["h", Buffer.from("v")]] },
    { key: Buffer.from("empty"), value: Buffer.alloc(0), headers: [] },
    { key: Buffer.from("tombstone"), value: null, headers: [] },
  ];
  const body = Buffer.concat(records.map(encodeRecord));
  const head = Buffer.alloc(61);
  head.writeBigInt64BE(0n, 0);
  head.writeInt32BE(61 - 12 + body.length, 8);
  head.writeInt32BE(0, 12);
  head.writeInt8(2, 16);
  head.writeInt16BE(0, 21);
  head.writeInt32BE(records.length - 1, 23);
  head.writeBigInt64BE(1_700_000_000_000n, 27);
  head.writeBigInt64BE(1_700_000_000_003n, 35);
  head.writeBigInt64BE(-1n, 43);
  head.writeInt16BE(-1, 51);
  head.writeInt32BE(-1, 53);
  head.writeInt32BE(records.length, 57);
  const batch = Buffer.concat([head, body]);
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
  return batch;
}
