/**
 * `npm run bench`: Kafka's ProducerPerformance and ConsumerPerformance with 1 KiB records,
 * acks=all, directly against the broker and through kseal with record encryption (local KMS),
 * interleaved in rounds in one run so that load on the shared machine hits both alike. Prints a
 * table, a CPU profile summary of the proxy (a separate, unmeasured pass), and as its last line
 * `BENCH {json}`.
 *
 * Throughput comes from unthrottled runs. Latency comes from separate runs at a fixed rate
 * (KSEAL_BENCH_LATENCY_RATE records/s, default 2000): unthrottled, ProducerPerformance keeps its
 * 32 MiB buffer full, so its latency is queueing (buffer / throughput), not the proxy's cost.
 * A third mode, "transparent" (the proxy without encryption), separates proxying from encryption.
 *
 * Env: KSEAL_BENCH_RECORDS (default 200000), KSEAL_BENCH_ROUNDS (default 2),
 * KSEAL_BENCH_TRANSPARENT=0 (skip the transparent mode), KSEAL_BENCH_PROFILE=0 (skip the
 * profile), KSEAL_TEST_CLUSTER (a running rig cluster to use; default: a private 1-broker
 * cluster with the full JIT).
 * Targets: produce through kseal >= 75% of direct, consume >= 50%, added avg produce latency <= 3 ms.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import {
  KafkaCluster, clusterFromEnv, consumerPerf, createTopic, producerPerf, uniqueTopic,
  type ClusterInfo, type ConsumerPerfResult, type ProducerPerfResult,
} from "../rig/index.js";
import { parseEncryptionConfig } from "../../host/config/encryption-config.js";
import { applyConfig, DEFAULT_CONFIG } from "../../host/config/proxy-config.js";
import { startEncryption } from "../../host/filters/encryption-runtime.js";
import { KsealProxy } from "../../host/proxy/proxy.js";

const RECORDS = Number(process.env.KSEAL_BENCH_RECORDS ?? 200_000);
const ROUNDS = Number(process.env.KSEAL_BENCH_ROUNDS ?? 2);
const RECORD_SIZE = 1024;
const PARTITIONS = 3;
const LATENCY_RATE = Number(process.env.KSEAL_BENCH_LATENCY_RATE ?? 2000);
const LATENCY_RECORDS = LATENCY_RATE * 10;

type Mode = "direct" | "kseal" | "transparent";
interface Sample { produce: ProducerPerfResult; consume: ConsumerPerfResult; latency: ProducerPerfResult }

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

async function main(): Promise<void> {
  let cluster: KafkaCluster | undefined;
  let info: ClusterInfo | undefined = clusterFromEnv();
  if (!info) {
    process.stderr.write("bench: starting a 1-broker cluster (full JIT)\n");
    cluster = await KafkaCluster.start({ brokers: 1, fullJit: true });
    info = cluster.info;
  }
  const dir = mkdtempSync(join(tmpdir(), "kseal-bench-"));
  const logger = pino({ level: "warn" });
  const runtime = await startEncryption(parseEncryptionConfig({ kms: { keyFile: join(dir, "local-kms.json") } }), { logger });
  const proxy = new KsealProxy({
    config: applyConfig(DEFAULT_CONFIG, { bootstrapPort: 0, target: info.bootstrap }),
    filters: [runtime.filter],
    logger,
  });
  await proxy.start();
  const plain = new KsealProxy({ config: applyConfig(DEFAULT_CONFIG, { bootstrapPort: 0, target: info.bootstrap }), logger });
  await plain.start();
  const modes: Mode[] = process.env.KSEAL_BENCH_TRANSPARENT === "0" ? ["direct", "kseal"] : ["direct", "kseal", "transparent"];
  const bootstrap: Record<Mode, string> = { direct: info.bootstrap, kseal: proxy.bootstrapAddress, transparent: plain.bootstrapAddress };
  const samples: Record<Mode, Sample[]> = { direct: [], kseal: [], transparent: [] };

  try {
    for (let r = 0; r < ROUNDS; r++) {
      const order: Mode[] = r % 2 === 0 ? modes : [...modes].reverse();
      for (const mode of order) {
        const target = { info, bootstrap: bootstrap[mode] };
        const topic = await createTopic(info, { topic: uniqueTopic(`bench-${mode}`), numPartitions: PARTITIONS });
        const produce = await producerPerf(target, topic, { records: RECORDS, recordSize: RECORD_SIZE, props: { acks: "all" }, timeoutMs: 900_000 });
        const consume = await consumerPerf(target, topic, { records: RECORDS, timeoutMs: 600_000 });
        const latencyTopic = await createTopic(info, { topic: uniqueTopic(`bench-lat-${mode}`), numPartitions: PARTITIONS });
        const latency = await producerPerf(target, latencyTopic, { records: LATENCY_RECORDS, recordSize: RECORD_SIZE, throughput: LATENCY_RATE, props: { acks: "all" } });
        samples[mode].push({ produce, consume, latency });
        process.stderr.write(`bench: round ${r + 1} ${mode}: produce ${round(produce.mbPerSec)} MB/s, consume ${round(consume.mbPerSec)} MB/s, latency at ${LATENCY_RATE}/s avg ${latency.avgLatencyMs} ms\n`);
      }
    }
    const stats = runtime.filter.stats();
    if (stats.encryptedPartitions === 0 || stats.decryptedPartitions === 0) throw new Error(`kseal did not encrypt and decrypt: ${JSON.stringify(stats)}`);

    const profile = process.env.KSEAL_BENCH_PROFILE === "0" ? [] : await profileProxy(info, bootstrap.kseal);

    const summary = (m: Mode) => {
      const s = samples[m];
      return {
        produce: {
          recordsPerSec: round(mean(s.map((x) => x.produce.recordsPerSec)), 1),
          mbPerSec: round(mean(s.map((x) => x.produce.mbPerSec))),
          saturatedAvgLatencyMs: round(mean(s.map((x) => x.produce.avgLatencyMs))),
        },
        latency: {
          ratePerSec: LATENCY_RATE,
          avgMs: round(mean(s.map((x) => x.latency.avgLatencyMs))),
          p50Ms: round(mean(s.map((x) => x.latency.p50Ms)), 1),
          p95Ms: round(mean(s.map((x) => x.latency.p95Ms)), 1),
          p99Ms: round(mean(s.map((x) => x.latency.p99Ms)), 1),
          maxMs: Math.max(...s.map((x) => x.latency.maxLatencyMs)),
        },
        consume: {
          recordsPerSec: round(mean(s.map((x) => x.consume.recordsPerSec)), 1),
          mbPerSec: round(mean(s.map((x) => x.consume.mbPerSec))),
        },
      };
    };
    const direct = summary("direct");
    const kseal = summary("kseal");
    const transparent = modes.includes("transparent") ? summary("transparent") : undefined;
    const ratios = {
      produce: round(kseal.produce.mbPerSec / direct.produce.mbPerSec, 3),
      consume: round(kseal.consume.mbPerSec / direct.consume.mbPerSec, 3),
      addedAvgLatencyMs: round(kseal.latency.avgMs - direct.latency.avgMs),
      ...(transparent && {
        transparentProduce: round(transparent.produce.mbPerSec / direct.produce.mbPerSec, 3),
        transparentConsume: round(transparent.consume.mbPerSec / direct.consume.mbPerSec, 3),
        transparentAddedAvgLatencyMs: round(transparent.latency.avgMs - direct.latency.avgMs),
      }),
    };
    const targets = { produce: ratios.produce >= 0.75, consume: ratios.consume >= 0.5, latency: ratios.addedAvgLatencyMs <= 3 };

    const all = { direct, kseal, ...(transparent && { transparent }) };
    const rows: string[][] = [
      ["", "produce rec/s", "produce MB/s", "consume rec/s", "consume MB/s", `lat avg ms @${LATENCY_RATE}/s`, "p50", "p95", "p99"],
      ...Object.entries(all).map(([m, s]) => [m, String(s.produce.recordsPerSec), String(s.produce.mbPerSec), String(s.consume.recordsPerSec),
        String(s.consume.mbPerSec), String(s.latency.avgMs), String(s.latency.p50Ms), String(s.latency.p95Ms), String(s.latency.p99Ms)]),
      ["kseal/direct", "", `${round(ratios.produce * 100, 1)}%`, "", `${round(ratios.consume * 100, 1)}%`, `${ratios.addedAvgLatencyMs >= 0 ? "+" : ""}${ratios.addedAvgLatencyMs}`, "", "", ""],
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    console.log(`\n${RECORDS} records x ${RECORD_SIZE} B, acks=all, ${PARTITIONS} partitions, ${ROUNDS} rounds (means), broker ${info.bootstrap}`);
    for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "));
    console.log(`targets: produce >= 75% ${targets.produce ? "met" : "MISSED"}, consume >= 50% ${targets.consume ? "met" : "MISSED"}, added latency <= 3 ms ${targets.latency ? "met" : "MISSED"}`);
    if (profile.length > 0) {
      console.log("\nkseal CPU profile (self time, separate pass through the proxy):");
      for (const p of profile) console.log(`  ${String(p.percent).padStart(5)}%  ${p.name}`);
    }
    console.log(`BENCH ${JSON.stringify({ records: RECORDS, recordSize: RECORD_SIZE, acks: "all", rounds: ROUNDS, ...all, ratios, targets, filter: stats, profile: profile.slice(0, 10) })}`);
  } finally {
    await proxy.stop();
    await plain.stop();
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
    await cluster?.stop();
  }
}

/** Samples this process (the proxy) while one produce and one consume run go through it. */
async function profileProxy(info: ClusterInfo, bootstrap: string): Promise<{ name: string; percent: number }[]> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 500 });
  await session.post("Profiler.start");
  const topic = await createTopic(info, { topic: uniqueTopic("bench-profile"), numPartitions: PARTITIONS });
  const n = Math.min(RECORDS, 100_000);
  await producerPerf({ info, bootstrap }, topic, { records: n, recordSize: RECORD_SIZE, props: { acks: "all" } });
  await consumerPerf({ info, bootstrap }, topic, { records: n });
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();
  // Self time per function, grouped by name and file.
  const hits = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const f = node.callFrame;
    const file = f.url ? f.url.replace(/^.*\/(node_modules\/[^/]+|host|build)\//, "$1/") : "";
    const name = `${f.functionName || "(anonymous)"}${file ? ` ${file}:${f.lineNumber + 1}` : ""}`;
    const h = node.hitCount ?? 0;
    total += h;
    hits.set(name, (hits.get(name) ?? 0) + h);
  }
  return [...hits.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([name, h]) => ({ name, percent: round((100 * h) / total, 1) }));
}

await main();
