// Multi-partition produce through kseal against real Kafka, produce encryption in the sandbox
// pool: a pool sized to the cores against a single worker, same proxy setup otherwise. Several
// producers send concurrently to a 12-partition topic; prints a PROXYPOOLBENCH json line (records
// per second each way and the ratio). Every record is checked to be ciphertext on the broker.
import { randomBytes } from "node:crypto";
import { availableParallelism, loadavg } from "node:os";
import t from "tap";
import { containsBytes, createTopic, kafkaUnavailableReason, kafkajsClient, rawLog, uniqueTopic, useCluster, type ClusterInfo } from "../../rig/index.js";
import { policyBuild } from "../../host/sandbox/support.js";
import { startSwapProxy } from "./swap-harness.js";

const PARTITIONS = 12;
const PRODUCERS = 4;
const SENDS = Number(process.env.KSEAL_PROXY_BENCH_SENDS ?? 30);
const PER_SEND = 200; // records per send, spread over every partition

async function measure(t: { teardown(fn: () => unknown): void }, info: ClusterInfo, workers: number, secret: string): Promise<{ rate: number; clear: number }> {
  const sp = await startSwapProxy(t, info, policyBuild("standard"), {}, workers);
  const topic = await createTopic(info, { topic: uniqueTopic(`poolbench-${workers}`), numPartitions: PARTITIONS });
  const client = kafkajsClient({ ...info, bootstrap: sp.bootstrap } as ClusterInfo);
  const producers = await Promise.all(Array.from({ length: PRODUCERS }, async () => {
    const p = client.producer();
    await p.connect();
    return p;
  }));
  const value = Buffer.from(`${secret}:${randomBytes(1000).toString("base64")}`);
  const messages = Array.from({ length: PER_SEND }, (_, i) => ({ value, partition: i % PARTITIONS }));
  await Promise.all(producers.map((p) => p.send({ topic, acks: 1, messages })));
  const start = performance.now();
  await Promise.all(producers.map(async (p) => {
    for (let s = 0; s < SENDS; s++) await p.send({ topic, acks: 1, messages });
  }));
  const rate = (PRODUCERS * SENDS * PER_SEND) / ((performance.now() - start) / 1000);
  await Promise.all(producers.map((p) => p.disconnect()));
  let clear = 0;
  for (let p = 0; p < PARTITIONS; p++) if (containsBytes(rawLog(info, topic, p), secret)) clear++;
  await sp.proxy.stop();
  return { rate, clear };
}


const unavailable = kafkaUnavailableReason();
if (unavailable) t.plan(0, unavailable);
else {
  t.test("produce throughput: pool vs one worker", async (t) => {
    const info = await useCluster(t);
    const secret = `bench-${randomBytes(6).toString("hex")}`;
    const cores = availableParallelism();
    const one = await measure(t, info, 1, secret);
    const many = await measure(t, info, cores, secret);
    t.equal(one.clear + many.clear, 0, "every partition holds ciphertext only");
    const single = one.rate;
    const pool = many.rate;
    const ratio = pool / single;
    process.stdout.write(`PROXYPOOLBENCH ${JSON.stringify({ cores, loadavg: +loadavg()[0]!.toFixed(1), partitions: PARTITIONS, producers: PRODUCERS, singleRecPerSec: Math.round(single), poolRecPerSec: Math.round(pool), ratio: +ratio.toFixed(2) })}\n`);
    t.comment(`pool of ${cores} vs one worker: x${ratio.toFixed(2)} (${Math.round(pool)} vs ${Math.round(single)} records/s)`);
  });
}
