// The long fault run: every fault in sequence, with larger counts than the npm test, on a private
// 3-broker cluster, through a real kseal process with a remote KMS (Vault Transit if its binary is
// cached, else moto). Prints one table row per fault and exits 1 if any fault lost, altered or
// duplicated a record or left plaintext on a broker's disk.
//
//   node --import tsx tests/faults/run.ts [--messages 3000] [--throughput 300] [--only proxy-kill,kms-stop]
//
// KSEAL_FAULTS_PROXY_LOG=<file> keeps kseal's log lines (all its runs).
// KSEAL_TEST_CLUSTER (a rig JSON line) runs on that cluster instead; broker-kill is then skipped,
// since it must not stop a shared cluster's brokers.

import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { clusterFromEnv, KafkaCluster, type ClusterInfo } from "../rig/index.js";
import { describeCheck } from "../rig/verifiable.js";
import { killBroker, killProxy, slowConsumer, SLOW_CONSUMER_CONFIG, stopKms, stopKmsColdProxy, swapModules } from "../integration/faults/fault-injectors.js";
import { ProxyUnderTest, runScenario, startFaultKms, type ScenarioOptions, type ScenarioResult } from "../integration/faults/fault-scenario.js";

const { values: args } = parseArgs({
  options: {
    messages: { type: "string", default: "3000" },
    throughput: { type: "string", default: "300" },
    only: { type: "string" },
  },
});
const messages = Number(args.messages);
const throughput = Number(args.throughput);
const only = args.only?.split(",");

const shared = clusterFromEnv();
const cluster = shared ? undefined : await KafkaCluster.start({ brokers: 3 });
const info: ClusterInfo = shared ?? cluster!.info;
const kms = await startFaultKms();
const proxy = await ProxyUnderTest.start(info, kms);
const log = (m: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${m}`);
log(`cluster ${info.bootstrap}; KMS ${kms.name}; kseal ${proxy.bootstrap}; ${messages} messages at ${throughput}/s per fault`);

type Fault = { name: string; what: string; fault: ScenarioOptions["fault"]; extra?: Partial<ScenarioOptions> };
const faults: Fault[] = [
  { name: "broker-kill", what: "broker 2 SIGKILLed, down 10 s, restarted", fault: async () => { await killBroker(cluster!, 2, 10_000); } },
  { name: "proxy-kill", what: "kseal SIGKILLed, down 2 s, restarted on the same ports", fault: async () => { await killProxy(proxy, 2000); } },
  { name: "kms-stop", what: "KMS relay stopped 15 s, restarted on the same port", fault: async ({ producer }) => { notes.set("kms-stop", JSON.stringify(await stopKms(kms, proxy, 15_000, producer))); } },
  {
    name: "kms-stop-cold", what: "KMS relay stopped and kseal restarted meanwhile (empty key caches), KMS back after 10 s",
    fault: async () => { notes.set("kms-stop-cold", JSON.stringify(await stopKmsColdProxy(kms, proxy, 10_000))); },
  },
  { name: "module-swap", what: "standard -> strict -> standard, 3 rounds", fault: async () => { notes.set("module-swap", JSON.stringify(await swapModules(proxy, 3, 1000))); } },
  {
    name: "slow-consumer", what: "consumer frozen 4 s / running 1 s, 5 cycles, 5-record polls",
    fault: async ({ consumer }) => { await slowConsumer(consumer, 5, 4000, 1000); }, extra: { consumerConfig: SLOW_CONSUMER_CONFIG },
  },
];
const notes = new Map<string, string>();
const rows: Array<{ name: string; what: string; r?: ScenarioResult; error?: string }> = [];

try {
  for (const f of faults) {
    if (only && !only.includes(f.name)) continue;
    if (f.name === "broker-kill" && !cluster) {
      log("broker-kill skipped: KSEAL_TEST_CLUSTER is a shared cluster");
      continue;
    }
    log(`${f.name}: ${f.what}`);
    try {
      const r = await runScenario({ info, proxy, kms, messages, throughput, fault: f.fault, log: (m) => log(`  ${m}`), timeoutMs: 300_000, ...f.extra });
      log(`  ${describeCheck(r.check)}; plaintext in ${r.scan.found.length} of ${r.scan.files} segment files; ${r.seconds.toFixed(1)} s`);
      if (notes.has(f.name)) log(`  ${notes.get(f.name)}`);
      rows.push({ name: f.name, what: f.what, r });
    } catch (e) {
      log(`  FAILED: ${e instanceof Error ? e.message : String(e)}`);
      rows.push({ name: f.name, what: f.what, error: (e instanceof Error ? e.message : String(e)).replace(/\s+/g, " ").slice(0, 200) });
    }
  }
} finally {
  if (process.env.KSEAL_FAULTS_PROXY_LOG) writeFileSync(process.env.KSEAL_FAULTS_PROXY_LOG, proxy.log());
  await proxy.stop();
  await kms.stop();
  await cluster?.stop();
}

const header = ["fault", "acked", "consumed", "missing", "mismatched", "duplicates", "re-reads", "unacked stored", "send errors", "plaintext files", "seconds", "result"];
console.log(`| ${header.join(" | ")} |`);
console.log(`|${header.map(() => "---").join("|")}|`);
let failed = 0;
for (const { name, r, error } of rows) {
  if (!r) {
    failed++;
    console.log(`| ${name} | ${Array(header.length - 2).fill("-").join(" | ")} | FAILED: ${error} |`);
    continue;
  }
  const ok = r.check.ok && r.scan.found.length === 0 && r.producerExit === 0;
  if (!ok) failed++;
  const c = r.check;
  console.log(`| ${[name, c.acked, c.consumed, c.missing.length, c.mismatched.length, c.duplicates.length, c.redelivered, c.unackedStored, r.producerErrors,
    `${r.scan.found.length} of ${r.scan.files}`, r.seconds.toFixed(1), ok ? "pass" : "FAIL"].join(" | ")} |`);
}
for (const [name, note] of notes) console.log(`${name}: ${note}`);
process.exit(failed === 0 ? 0 : 1);
