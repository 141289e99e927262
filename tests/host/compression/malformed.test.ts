// Corrupt, truncated and hostile compressed data: every codec either decodes or throws a
// KsealError (COMPRESSION_CORRUPT / COMPRESSION_TOO_LARGE / COMPRESSION_UNSUPPORTED), quickly,
// and never allocates past the decompressed size cap.
import { randomBytes } from "node:crypto";
import t from "tap";
import { isKsealError } from "../../../host/errors.js";
import { CODEC, compressRecords, decompressRecords } from "../../../host/compression/index.js";
import { LIMITS } from "../../../host/limits.js";
import { rng } from "../protocol/helpers.js";

const CODECS = { gzip: CODEC.gzip, snappy: CODEC.snappy, lz4: CODEC.lz4, zstd: CODEC.zstd };
const text = Buffer.from(Array.from({ length: 2000 }, (_, i) => `record ${i} ${"abc".repeat(i % 30)}|`).join(""));
const noisy = Buffer.concat([randomBytes(40_000), text]);

function outcome(codec: number, data: Buffer, maxBytes?: number): string {
  try {
    decompressRecords(codec, data, maxBytes);
    return "ok";
  } catch (e) {
    if (isKsealError(e)) return e.code;
    return `not a KsealError: ${(e as Error).stack}`;
  }
}

t.test("unknown codec ids", async (t) => {
  for (const id of [0, 5, 6, 7, -1]) {
    t.equal(outcome(id, text), "COMPRESSION_UNSUPPORTED", `decompress codec ${id}`);
    t.throws(() => compressRecords(id, text), { code: "COMPRESSION_UNSUPPORTED" }, `compress codec ${id}`);
  }
});

t.test("truncated data", async (t) => {
  for (const [name, id] of Object.entries(CODECS)) {
    for (const data of [text, noisy]) {
      const packed = compressRecords(id, data);
      const cuts = [0, 1, 3, 4, 7, 8, 12, 15, 16, 17, 20, ...Array.from({ length: 40 }, (_, i) => Math.floor((packed.length * i) / 40)), packed.length - 1];
      // xerial snappy has no end mark: a cut between chunks is a shorter valid stream (the
      // batch's record count catches it later), so those cuts must decode, to fewer bytes.
      const chunkEnds = new Set<number>();
      if (id === CODEC.snappy) for (let p = 16; p < packed.length; p += 4 + packed.readInt32BE(p)) chunkEnds.add(p);
      const bad: string[] = [];
      for (const cut of new Set(cuts.filter((c) => c < packed.length))) {
        const o = outcome(id, packed.subarray(0, cut));
        if (o !== (chunkEnds.has(cut) ? "ok" : "COMPRESSION_CORRUPT")) bad.push(`${cut}: ${o}`);
      }
      t.same(bad, [], `${name}: every truncation of a ${packed.length}-byte stream is COMPRESSION_CORRUPT${id === CODEC.snappy ? " (or a shorter stream at chunk ends)" : ""}`);
    }
  }
});

t.test("random corruption never crashes or hangs", async (t) => {
  for (const [name, id] of Object.entries(CODECS)) {
    const packed = compressRecords(id, noisy);
    const seen = new Map<string, number>();
    const start = Date.now();
    for (let i = 0; i < 300; i++) {
      const bad = Buffer.from(packed);
      const flips = 1 + (i % 4);
      for (let f = 0; f < flips; f++) {
        // Half the flips in the first 64 bytes, where the framing lives.
        const pos = i % 2 ? Math.floor(Math.random() * Math.min(64, bad.length)) : Math.floor(Math.random() * bad.length);
        bad[pos] ^= 1 << Math.floor(Math.random() * 8);
      }
      const o = outcome(id, bad, 1 << 20);
      seen.set(o, (seen.get(o) ?? 0) + 1);
    }
    const kinds = [...seen.keys()];
    t.ok(kinds.every((k) => k === "ok" || k === "COMPRESSION_CORRUPT" || k === "COMPRESSION_TOO_LARGE"), `${name}: outcomes ${JSON.stringify(Object.fromEntries(seen)).slice(0, 400)}`);
    t.ok(Date.now() - start < 20_000, `${name}: 300 corrupted streams in ${Date.now() - start} ms`);
  }
  // Seeded: a short random string can be a valid stream (one zero byte is snappy's empty
  // block), so fresh randomness would fail now and then for a correct decoder.
  const next = rng(20261130);
  const random = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256)));
  for (const [name, id] of Object.entries(CODECS)) {
    const o = Array.from({ length: 200 }, (_, i) => outcome(id, random(1 + i * 7)));
    t.ok(o.every((x) => x === "COMPRESSION_CORRUPT" || x === "COMPRESSION_TOO_LARGE"), `${name}: random bytes are refused`);
  }
});

t.test("size cap", async (t) => {
  const big = Buffer.alloc(3 << 20, 0x42);
  for (const [name, id] of Object.entries(CODECS)) {
    const packed = compressRecords(id, big);
    // lz4 and zstd bound a compressed block by its maximum (lz4 frame: up to 4 MiB, zstd 128 KiB)
    // before decoding, so they may refuse data within one block of the cap.
    const slack = id === CODEC.lz4 ? 4 << 20 : id === CODEC.zstd ? 128 << 10 : 0;
    t.equal(outcome(id, packed, big.length + slack), "ok", `${name}: ${big.length} bytes under a cap of that${slack ? ` + ${slack} (one block)` : ""}`);
    t.equal(outcome(id, packed, 1 << 20), "COMPRESSION_TOO_LARGE", `${name}: ${big.length} bytes (${packed.length} compressed) over a 1 MiB cap`);
  }
  t.equal(LIMITS.maxDecompressedBatchBytes, 48 * 1024 * 1024 - 61, "default cap");
});

t.test("decompression bombs are refused before allocating", async (t) => {
  const timeOf = (f: () => string) => {
    const s = process.hrtime.bigint();
    const o = f();
    return { o, ms: Number(process.hrtime.bigint() - s) / 1e6 };
  };

  // gzip: 200 MiB of zeros deflate to ~200 KiB; zlib stops at the cap.
  const zeros = Buffer.alloc(200 << 20);
  const gz = compressRecords(CODEC.gzip, zeros);
  const zs = compressRecords(CODEC.zstd, zeros);
  const l4 = compressRecords(CODEC.lz4, zeros);
  const sn = compressRecords(CODEC.snappy, zeros);
  let r = timeOf(() => outcome(CODEC.gzip, gz));
  t.equal(r.o, "COMPRESSION_TOO_LARGE", `gzip: ${gz.length} bytes claiming 200 MiB (${r.ms.toFixed(0)} ms)`);
  r = timeOf(() => outcome(CODEC.zstd, zs));
  t.equal(r.o, "COMPRESSION_TOO_LARGE", `zstd: ${zs.length} bytes claiming 200 MiB (${r.ms.toFixed(1)} ms, headers only)`);
  r = timeOf(() => outcome(CODEC.lz4, l4));
  t.equal(r.o, "COMPRESSION_TOO_LARGE", `lz4: ${l4.length} bytes claiming 200 MiB (${r.ms.toFixed(1)} ms, headers only)`);
  r = timeOf(() => outcome(CODEC.snappy, sn));
  t.equal(r.o, "COMPRESSION_TOO_LARGE", `snappy: ${sn.length} bytes claiming 200 MiB (${r.ms.toFixed(1)} ms, headers only)`);

  // snappy: one raw block whose preamble claims 4 GiB - 1.
  t.equal(outcome(CODEC.snappy, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x61])), "COMPRESSION_TOO_LARGE", "raw snappy preamble claiming 4 GiB");
  // zstd: a frame declaring a 1 TiB content size holding one raw byte: refused by libzstd as
  // corrupt, without allocating the declared size.
  const fcs = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 0, 1, 0, 0, 0x09, 0, 0, 0x61]);
  t.equal(outcome(CODEC.zstd, fcs), "COMPRESSION_CORRUPT", "zstd frame declaring 1 TiB with 1 byte of content");
  // zstd: RLE blocks of 2 MiB - 1 each, 40 of them: 80 MiB from ~160 bytes.
  const rle = Buffer.concat([
    Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x70]), // no FCS, window 2^24
    ...Array.from({ length: 40 }, (_, i) => {
      const h = ((0x1fffff << 3) | (1 << 1) | (i === 39 ? 1 : 0)) >>> 0;
      return Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff, 0x61]);
    }),
  ]);
  t.equal(outcome(CODEC.zstd, rle), "COMPRESSION_TOO_LARGE", "zstd RLE blocks claiming 80 MiB");
  t.equal(outcome(CODEC.zstd, rle, 100 << 20).length > 0, true, "(the same frame decodes under a larger cap)");
  // lz4: a frame of 4 MiB blocks, each a minimal sequence; the bound refuses it unread.
  const lzBlocks = Array.from({ length: 20 }, () => {
    const blk = Buffer.from([0x1f, 0x61, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x50, 0x61, 0x61, 0x61, 0x61, 0x61]);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(blk.length);
    return Buffer.concat([len, blk]);
  });
  const lzHeader = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x70, 0x73]);
  t.equal(outcome(CODEC.lz4, Buffer.concat([lzHeader, ...lzBlocks, Buffer.alloc(4)])), "COMPRESSION_TOO_LARGE", "lz4 frame of 20 blocks of up to 4 MiB");
});
