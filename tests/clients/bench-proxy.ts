/**
 * Throughput of the transparent proxy vs direct, with Kafka's own perf tools.
 * Run: KSEAL_TEST_CLUSTER="$(npm run -s rig -- status --name NAME)" node --import tsx tests/clients/bench-proxy.ts [records] [recordSize]
 */
import { pino } from "pino";
import { clusterFromEnv, createTopic, kafkaTool, uniqueTopic } from "../rig/index.js";
import { applyConfig, DEFAULT_CONFIG } from "../../host/config/proxy-config.js";
import { KsealProxy } from "../../host/proxy/proxy.js";

const info = clusterFromEnv();
if (!info) throw new Error("set KSEAL_TEST_CLUSTER to a running rig cluster");
const records = Number(process.argv[2] ?? 500_000);
const size = Number(process.argv[3] ?? 1024);

const proxy = new KsealProxy({ config: applyConfig(DEFAULT_CONFIG, { bootstrapPort: 0, target: info.bootstrap }), logger: pino({ level: "warn" }) });
await proxy.start();

async function run(label: string, bootstrap: string): Promise<void> {
  const topic = await createTopic(info!, { topic: uniqueTopic("bench"), numPartitions: 3 });
  const p = await kafkaTool(info!, "producer-perf", [
    "--topic", topic, "--num-records", String(records), "--record-size", String(size), "--throughput", "-1",
    "--producer-props", `bootstrap.servers=${bootstrap}`, "acks=1", "linger.ms=5", "batch.size=65536",
  ], { timeoutMs: 600_000 });
  const last = p.stdout.trim().split("\n").pop();
  const c = await kafkaTool(info!, "consumer-perf", ["--bootstrap-server", bootstrap, "--topic", topic, "--messages", String(records), "--timeout", "60000"], { timeoutMs: 600_000 });
  const cl = c.stdout.trim().split("\n");
  console.log(`${label} produce: ${last}`);
  console.log(`${label} consume: ${cl[0]}\n${label} consume: ${cl[cl.length - 1]}`);
}

try {
  await run("direct", info.bootstrap);
  await run("proxy ", proxy.bootstrapAddress);
} finally {
  await proxy.stop();
}
