// Multi-partition produce workload through the sandbox: the same set of record batches (one per
// partition, 16 partitions, 1,000 records of 1 KiB each) encrypted with one DEK lease per
// partition, all partitions submitted at once, by a pool sized to the cores and by a single
// worker. Prints a POOLBENCH json line with both throughputs and their ratio.
import t from "tap";
import { availableParallelism, loadavg } from "node:os";
import { randomBytes } from "node:crypto";
import { WorkerPool } from "../../../host/sandbox/worker-pool.js";
import { buildBatch } from "../wasm/support/kafka-batch.js";
import { META, policyBuild } from "./support.js";

const PARTITIONS = 16;
const RECORDS = 1000;
const ROUNDS = Number(process.env.KSEAL_POOL_BENCH_ROUNDS ?? 4);

const batches = Array.from({ length: PARTITIONS }, () => {
  const records = Array.from({ length: RECORDS }, (_, i) => ({ key: Buffer.from(`k${i}`), value: randomBytes(1024) }));
  return buildBatch({ ...META, lastOffsetDelta: RECORDS - 1, records });
});
const bytes = batches.reduce((n, b) => n + b.length, 0);

async function run(pool: WorkerPool): Promise<number> {
  const dek = randomBytes(32);
  const edek = randomBytes(78);
  await Promise.all(batches.map((b) => pool.encryptRecords([b], { dek, edek, budget: RECORDS })));
  const start = performance.now();
  for (let r = 0; r < ROUNDS; r++) {
    await Promise.all(batches.map((b) => pool.encryptRecords([b], { dek, edek, budget: RECORDS })));
  }
  return (bytes * ROUNDS) / ((performance.now() - start) / 1000) / 2 ** 20;
}

t.test("pool vs single worker on a multi-partition produce", async (t) => {
  const cores = availableParallelism();
  const single = await WorkerPool.start(policyBuild("standard"), { size: 1 });
  const pool = await WorkerPool.start(policyBuild("standard"), { size: cores });
  t.teardown(async () => { await single.close(); await pool.close(); });
  // interleaved rounds: the machine's load varies over time
  const s1 = await run(single);
  const p1 = await run(pool);
  const s2 = await run(single);
  const p2 = await run(pool);
  const singleMiBs = Math.max(s1, s2);
  const poolMiBs = Math.max(p1, p2);
  const ratio = poolMiBs / singleMiBs;
  process.stdout.write(`POOLBENCH ${JSON.stringify({ cores, loadavg: +loadavg()[0]!.toFixed(1), partitions: PARTITIONS, batchKiB: Math.round(bytes / PARTITIONS / 1024), singleMiBs: +singleMiBs.toFixed(1), poolMiBs: +poolMiBs.toFixed(1), ratio: +ratio.toFixed(2) })}\n`);
  t.ok(singleMiBs > 0 && poolMiBs > 0);
  // A gain needs idle cores: on a machine already loaded past its core count every thread
  // competes for the same CPUs, and the measured ratio says nothing about the pool.
  const load = loadavg()[0]!;
  if (cores > 1 && load < cores * 0.75) t.ok(ratio > 1.2, `the pool of ${cores} is faster than one worker (x${ratio.toFixed(2)})`);
  else t.comment(`no gain asserted: ${cores} cores, load average ${load.toFixed(1)} (ratio x${ratio.toFixed(2)})`);
});
