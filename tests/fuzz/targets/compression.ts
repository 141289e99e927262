// Compression layer: the records section of a batch, decompressed with its codec (sometimes
// another one) under the default cap or a small one. Output over the cap is a finding: each
// codec must refuse before or while allocating, never after.
import { CODEC, compressRecords, decompressRecords } from "../../../host/compression/index.js";
import { LIMITS } from "../../../host/limits.js";
import { clientBatches, markerBatches } from "../corpus.js";
import type { Prng } from "../prng.js";
import { Finding, type FuzzTarget, type Seed } from "../target.js";

const CODECS = [CODEC.gzip, CODEC.snappy, CODEC.lz4, CODEC.zstd];

export const compressionTarget: FuzzTarget<{ codec: number }> = {
  name: "compression",
  about: "host/compression decompressRecords for gzip, snappy (xerial and raw), lz4 frame and zstd",
  weight: 15,
  async setup() {
    const seeds: Seed<{ codec: number }>[] = [];
    for (const b of [...clientBatches(), ...markerBatches()]) {
      if (b.meta.codec !== CODEC.none) seeds.push({ bytes: b.bytes.subarray(61), meta: { codec: b.meta.codec }, label: `records section of ${b.label}` });
    }
    // Highly compressible inputs: small frames that expand a lot (bomb-shaped).
    for (const codec of CODECS) {
      for (const size of [0, 1, 70_000, 300_000]) {
        seeds.push({ bytes: compressRecords(codec, Buffer.alloc(size, 0x61)), meta: { codec }, label: `${size} bytes of 'a', codec ${codec}` });
      }
    }
    return seeds;
  },
  run(bytes: Buffer, meta: { codec: number }, r: Prng) {
    const codec = r.chance(0.1) ? r.range(0, 7) : meta.codec;
    const max = r.chance(0.5) ? LIMITS.maxDecompressedBatchBytes : r.pick([0, 1, 100, 4096, 65_536, 200_000]);
    const out = decompressRecords(codec, bytes, max);
    if (!Buffer.isBuffer(out)) throw new Finding("invariant", "decompressRecords returned no Buffer");
    if (out.length > max) throw new Finding("memory", `codec ${codec} returned ${out.length} bytes, cap ${max}`);
  },
};
