// Batch-level decompress/recompress: header fields kept, codec bits, batchLength and CRC-32C
// (checked with an independent CRC implementation), and clear errors for malformed batches.
import t from "tap";
import { CODEC, batchCodec, decompressBatch, recompressBatch } from "../../../host/compression/index.js";
import { buildPlainBatch, parsePlainBatch, referenceCrc32c, type PlainRecord } from "./batch-records.js";

const recs: PlainRecord[] = Array.from({ length: 300 }, (_, i) => ({
  key: i % 5 === 0 ? null : Buffer.from(`key-${i}`),
  value: i % 7 === 3 ? null : Buffer.from(`value ${i} ${"z".repeat(i)}`),
  headers: i % 3 === 0 ? [{ key: "h", value: Buffer.from([i & 0xff]) }, { key: "nil", value: null }] : [],
}));

function plainWith(attributes: number): Buffer {
  const b = buildPlainBatch(recs);
  b.writeInt16BE(attributes, 21);
  b.writeBigInt64BE(1234n, 43); // producerId
  b.writeInt16BE(7, 51);
  b.writeInt32BE(42, 53);
  b.writeInt32BE(99, 12); // partitionLeaderEpoch (outside the CRC)
  b.writeUInt32BE(referenceCrc32c(b.subarray(21)), 17);
  return b;
}

const crcOk = (b: Buffer) => referenceCrc32c(b.subarray(21)) === b.readUInt32BE(17);

for (const [name, id] of Object.entries(CODEC)) {
  if (id === 0) continue;
  t.test(name, async (t) => {
    const plain = plainWith(0x18); // LogAppendTime + transactional bits must survive
    const packed = recompressBatch(plain, id);
    t.equal(batchCodec(packed), id, "codec bits set");
    t.equal(packed.readInt16BE(21) & ~7, 0x18, "other attribute bits kept");
    t.equal(packed.readInt32BE(8), packed.length - 12, "batchLength");
    t.ok(crcOk(packed), "CRC-32C over attributes..end");
    t.ok(packed.subarray(0, 8).equals(plain.subarray(0, 8)) && packed.subarray(12, 17).equals(plain.subarray(12, 17)) && packed.subarray(23, 61).equals(plain.subarray(23, 61)), "baseOffset, leader epoch, magic and fields after attributes kept");
    t.ok(packed.length < plain.length, `smaller: ${plain.length} -> ${packed.length}`);
    const back = decompressBatch(packed);
    t.ok(back.equals(plain), "decompressBatch returns the plain batch byte for byte");
    t.same(parsePlainBatch(back), recs.map((r) => ({ ...r, headers: r.headers ?? [] })), "records, null keys, tombstones and headers intact");

    t.throws(() => decompressBatch(packed, { maxBytes: 1000 }), { code: "COMPRESSION_TOO_LARGE" }, "maxBytes option");
    const flipped = Buffer.from(packed);
    flipped[flipped.length - 3] ^= 0x55;
    t.throws(() => decompressBatch(flipped), { code: "RECORD_BATCH_INVALID" }, "a flipped byte fails the CRC check before decompression");
    const truncated = Buffer.from(packed.subarray(0, 61 + Math.floor((packed.length - 61) / 2)));
    truncated.writeInt32BE(truncated.length - 12, 8);
    truncated.writeUInt32BE(referenceCrc32c(truncated.subarray(21)), 17);
    t.throws(() => decompressBatch(truncated), { code: "COMPRESSION_CORRUPT" }, "half a compressed section (with a valid CRC) is COMPRESSION_CORRUPT");
    t.throws(() => recompressBatch(packed, id), { code: "RECORD_BATCH_INVALID" }, "recompressing a compressed batch is refused");

    const empty = Buffer.from(plain.subarray(0, 61));
    empty.writeInt32BE(49, 8);
    empty.writeInt16BE(id, 21);
    empty.writeUInt32BE(referenceCrc32c(empty.subarray(21)), 17);
    t.equal(decompressBatch(empty).length, 61, "an empty compressed records section (compacted batch) is an empty plain one");
  });
}

t.test("malformed batches", async (t) => {
  const plain = buildPlainBatch(recs.slice(0, 3));
  t.equal(decompressBatch(plain), plain, "an uncompressed batch comes back as it is");
  t.equal(recompressBatch(plain, CODEC.none), plain, "codec none leaves the batch as it is");
  t.throws(() => decompressBatch(plain.subarray(0, 60)), { code: "RECORD_BATCH_INVALID" }, "shorter than the header");
  const magic = Buffer.from(plain);
  magic[16] = 1;
  t.throws(() => decompressBatch(magic), { code: "RECORD_BATCH_INVALID" }, "magic 1");
  t.throws(() => decompressBatch(Buffer.concat([plain, Buffer.from([0])])), { code: "RECORD_BATCH_INVALID" }, "batchLength not matching the buffer");
  for (const codec of [5, 6, 7]) {
    const odd = Buffer.from(plain);
    odd.writeInt16BE(codec, 21);
    odd.writeUInt32BE(referenceCrc32c(odd.subarray(21)), 17);
    t.throws(() => decompressBatch(odd), { code: "COMPRESSION_UNSUPPORTED" }, `codec bits ${codec} in a batch`);
    t.throws(() => batchCodec(odd), { code: "COMPRESSION_UNSUPPORTED" }, `batchCodec of codec bits ${codec}`);
    t.throws(() => recompressBatch(plain, codec), { code: "COMPRESSION_UNSUPPORTED" }, `recompress with codec ${codec}`);
  }
  const badCrc = Buffer.from(recompressBatch(plain, CODEC.gzip));
  badCrc.writeUInt32BE(badCrc.readUInt32BE(17) ^ 1, 17);
  t.throws(() => decompressBatch(badCrc), { code: "RECORD_BATCH_INVALID" }, "CRC mismatch");
  t.ok(decompressBatch(badCrc, { verifyCrc: false }).equals(plain), "verifyCrc: false decompresses anyway (and writes a fresh CRC)");
});
