// Compress/decompress timings of a 1 MiB record batch per codec (fastest of several runs, since
// the machine is shared): text records as clients produce them, and the same batch with random
// values, which is what kseal recompresses after encryption.
// Run: node --import tsx tests/host/compression/bench-codecs.ts
import { randomBytes } from "node:crypto";
import { CODEC, decompressBatch, recompressBatch } from "../../../host/compression/index.js";
import { buildPlainBatch } from "./batch-records.js";

function batchOf(valueOf: (i: number) => Buffer): Buffer {
  const recs = [];
  let size = 61;
  for (let i = 0; size < 1 << 20; i++) {
    const value = valueOf(i);
    recs.push({ key: Buffer.from(`order-${i}`), value });
    size += value.length + 20;
  }
  return buildPlainBatch(recs);
}

const text = batchOf((i) => Buffer.from(JSON.stringify({ id: i, customer: `c-${i % 977}`, items: [{ sku: `sku-${i % 131}`, qty: i % 5 }], note: "deliver to the back door" })));
const random = batchOf(() => randomBytes(200));

const RUNS = 15;
function fastest(f: () => void): number {
  let best = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const s = process.hrtime.bigint();
    f();
    best = Math.min(best, Number(process.hrtime.bigint() - s) / 1e6);
  }
  return best;
}

for (const [label, plain] of [["text records", text], ["random values (encrypted)", random]] as const) {
  console.log(`${label}: plain batch ${plain.length} bytes`);
  for (const [name, id] of Object.entries(CODEC)) {
    if (id === 0) continue;
    const packed = recompressBatch(plain, id);
    const c = fastest(() => recompressBatch(plain, id));
    const d = fastest(() => decompressBatch(packed));
    const mbs = (ms: number) => ((plain.length / 2 ** 20) / (ms / 1000)).toFixed(0);
    console.log(`  ${name.padEnd(6)} ${String(packed.length).padStart(8)} B (${((100 * packed.length) / plain.length).toFixed(1).padStart(5)}%)  compress ${c.toFixed(2).padStart(6)} ms (${mbs(c)} MiB/s)  decompress ${d.toFixed(2).padStart(6)} ms (${mbs(d)} MiB/s)`);
  }
}
