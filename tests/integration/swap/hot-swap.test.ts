// Hot swap under load against real Kafka: an idempotent producer and a consumer run through kseal
// continuously while the filter module is swapped 20 times (standard and strict alternating).
// Then: no client connection was closed, every acknowledged record was consumed exactly once
// and byte-identical, and every record on the broker is encrypted. A bad candidate is rejected
// while traffic continues on the old module. Swap latencies are printed (SWAP json line).
import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import t from "tap";
import type { KafkaMessage } from "kafkajs";
import { containsBytes, createTopic, kafkaUnavailableReason, kafkajsClient, rawLog, uniqueTopic, useCluster, type ClusterInfo } from "../../rig/index.js";
import { policyBuild } from "../../host/sandbox/support.js";
import { fixture } from "../../fixtures/wasm/build-fixtures.js";
import { startSwapProxy } from "./swap-harness.js";

const SWAPS = Number(process.env.KSEAL_SWAP_COUNT ?? 20);
const PARTITIONS = 3;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

const unavailable = kafkaUnavailableReason();
if (unavailable) t.plan(0, unavailable);
else {
  t.test("20 swaps under continuous produce and consume", async (t) => {
    const info = await useCluster(t);
    // produce encryption in the sandbox pool (one worker per core), fetch on the main thread
    const sp = await startSwapProxy(t, info, policyBuild("standard"), {}, availableParallelism());
    const topic = await createTopic(info, { topic: uniqueTopic("swap"), numPartitions: PARTITIONS });
    const secret = `swap-secret-${randomBytes(6).toString("hex")}`;
    const client = kafkajsClient({ ...info, bootstrap: sp.bootstrap } as ClusterInfo);

    const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const consumer = client.consumer({ groupId: uniqueTopic("swap-g") });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = new Map<number, Buffer[]>();
    await consumer.run({
      eachMessage: async ({ message }: { message: KafkaMessage }) => {
        const seq = Number(message.key!.toString());
        const list = received.get(seq) ?? [];
        list.push(Buffer.from(message.value!));
        received.set(seq, list);
      },
    });

    const sent = new Map<number, Buffer>();
    const acked = new Set<number>();
    const sendErrors: string[] = [];
    let seq = 0;
    let producing = true;
    const closedBefore = { ...sp.closed };
    const producing$ = (async () => {
      while (producing) {
        const batch = Array.from({ length: 25 }, () => {
          const n = seq++;
          const value = Buffer.from(`${secret}:${n}:${randomBytes(8 + (n % 50)).toString("hex")}`);
          sent.set(n, value);
          return { n, value };
        });
        try {
          await producer.send({ topic, acks: -1, messages: batch.map((b) => ({ key: String(b.n), value: b.value, partition: b.n % PARTITIONS })) });
          for (const b of batch) acked.add(b.n);
        } catch (e) {
          sendErrors.push(String(e));
        }
      }
    })();

    await new Promise((r) => setTimeout(r, 1500));
    const latencies: number[] = [];
    const switches: number[] = [];
    let badRejected = false;
    for (let i = 0; i < SWAPS; i++) {
      const policy = i % 2 === 0 ? "strict" : "standard";
      sp.place(policyBuild(policy));
      const r = await sp.manager.reload("api");
      t.ok(r.swapped, `swap ${i + 1} to ${policy}${r.reason ? `: ${r.reason}` : ""}`);
      latencies.push(r.durationMs);
      switches.push(r.switchMs ?? NaN);
      if (i === SWAPS / 2) {
        // a bad candidate in the middle: rejected, traffic continues on the running module
        sp.place(fixture("failing-self-test"));
        const bad = await sp.manager.reload("api");
        badRejected = !bad.swapped && /self-test/.test(bad.reason ?? "");
        sp.place(policyBuild(policy));
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, 1000));
    producing = false;
    await producing$;
    const closedDuring = { total: sp.closed.total - closedBefore.total, errors: sp.closed.errors - closedBefore.errors };

    const deadline = Date.now() + 60_000;
    while ([...acked].some((n) => !received.has(n)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await consumer.disconnect();
    await producer.disconnect();

    t.ok(badRejected, "a bad candidate was rejected during the run");
    t.ok(sp.manager.pool.getStats().calls > 100, `produce encryption ran in the sandbox pool (${sp.manager.pool.getStats().calls} calls)`);
    t.equal(sp.manager.metrics().swaps, SWAPS, "swap count in metrics");
    t.equal(sp.manager.metrics().failedSwaps, 1, "failed swap count in metrics");
    t.same(closedDuring, { total: 0, errors: 0 }, "no client connection closed during the swaps");
    t.same(sendErrors, [], "no produce failed");
    t.ok(acked.size > 500, `${acked.size} records acknowledged`);
    let missing = 0, dup = 0, differ = 0;
    for (const n of acked) {
      const got = received.get(n);
      if (!got) missing++;
      else if (got.length > 1) dup++;
      else if (!got[0]!.equals(sent.get(n)!)) differ++;
    }
    t.same({ missing, dup, differ }, { missing: 0, dup: 0, differ: 0 }, "every acked record consumed exactly once, byte-identical");
    for (let p = 0; p < PARTITIONS; p++) {
      const log = rawLog(info, topic, p);
      t.notOk(containsBytes(log, secret), `partition ${p}: no plaintext in the broker's segment files`);
    }
    const p50 = pct(latencies, 50), p99 = pct(latencies, 99);
    process.stdout.write(`SWAP ${JSON.stringify({ swaps: SWAPS, records: acked.size, p50Ms: Math.round(p50), p99Ms: Math.round(p99), maxMs: Math.round(Math.max(...latencies)), switchP50Ms: +pct(switches, 50).toFixed(2), switchP99Ms: +pct(switches, 99).toFixed(2) })}\n`);
    t.comment(`swap latency p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms over ${SWAPS} swaps; ${acked.size} records`);
  });
}
