// Two virtual clusters in one real `kseal start` process in front of the same Kafka: "secure"
// encrypts every topic, "open" is a transparent proxy. Each has its own listeners; records
// through "secure" are ciphertext on the broker's disk, records through "open" are not; the admin
// port reports both (readiness, module, per-topic record outcomes) and reloads one cluster's module.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import t from "tap";
import { containsBytes, createTopic, kafkaUnavailableReason, rawLog, useCluster } from "../../rig/index.js";
import { consumeAll, parseMetrics, startKseal } from "./kseal-process.js";
import { freePortRange } from "../../rig/free-ports.js";

const unavailable = kafkaUnavailableReason();

async function roundTrip(bootstrap: string, topic: string, values: string[]): Promise<string[]> {
  const kafka = new Kafka({ clientId: "vc", brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 20 } });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
  await producer.disconnect();
  return consumeAll(bootstrap, topic, values.length);
}

if (unavailable) t.plan(0, unavailable);
else {
  t.test("two virtual clusters in one process: own listeners, own policy", async (t) => {
    const info = await useCluster(t);
    const dir = mkdtempSync(join(tmpdir(), "kseal-vc-"));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const n = info.brokers.length;
    const secureBase = await freePortRange(n + 1);
    const openBase = await freePortRange(n + 1);
    const adminPort = await freePortRange(1);
    const config = join(dir, "kseal.yaml");
    writeFileSync(config, [
      `target: ${info.bootstrap}`,
      `admin: { port: ${adminPort} }`,
      "virtualClusters:",
      "  - name: secure",
      `    bootstrapPort: ${secureBase}`,
      "    encryption:",
      `      kms: { keyFile: ${join(dir, "kms.json")} }`,
      "  - name: open",
      `    bootstrapPort: ${openBase}`,
      "    encryption: { enabled: false }",
    ].join("\n") + "\n");
    const k = await startKseal(config);
    t.teardown(() => k.child.kill("SIGKILL"));
    const listening = k.lines().filter((l) => l.msg === "kseal proxy listening").map((l) => String(l.listen));
    t.same(listening.sort(), [`127.0.0.1:${openBase}`, `127.0.0.1:${secureBase}`].sort(), "one bootstrap listener per virtual cluster");

    const rf = Math.min(3, n);
    const sealed = await createTopic(info, { numPartitions: 1, replicationFactor: rf });
    const clear = await createTopic(info, { numPartitions: 1, replicationFactor: rf });
    const sealedValues = Array.from({ length: 20 }, (_, i) => `vc-sealed-marker-${i}`);
    const clearValues = Array.from({ length: 20 }, (_, i) => `vc-clear-marker-${i}`);
    t.same((await roundTrip(`127.0.0.1:${secureBase}`, sealed, sealedValues)).sort(), [...sealedValues].sort(), "secure: values come back");
    t.same((await roundTrip(`127.0.0.1:${openBase}`, clear, clearValues)).sort(), [...clearValues].sort(), "open: values come back");
    t.notOk(containsBytes(rawLog(info, sealed), "vc-sealed-marker"), "secure: no plaintext on the broker's disk");
    t.ok(containsBytes(rawLog(info, clear), "vc-clear-marker"), "open: records stored as sent (transparent)");

    const admin = `http://127.0.0.1:${adminPort}`;
    const ready = await fetch(`${admin}/readyz`);
    const report = (await ready.json()) as { ready: boolean; checks: Record<string, unknown> };
    t.equal(ready.status, 200, "/readyz: both clusters ready");
    t.ok("secure.cluster" in report.checks && "open.cluster" in report.checks, "checks named per cluster");
    const mod = (await (await fetch(`${admin}/module`)).json()) as { clusters: Record<string, { name: string }> };
    t.same(Object.keys(mod.clusters), ["secure"], "/module: the encrypting cluster's module");
    const reload = await fetch(`${admin}/clusters/secure/module/reload`, { method: "POST" });
    t.equal(reload.status, 200, "reload one cluster's module");
    const m = parseMetrics(await (await fetch(`${admin}/metrics`)).text());
    t.equal(m.get(`kseal_topic_records_total{cluster="secure",topic="${sealed}",outcome="encrypted"}`), 20, "records encrypted, per topic");
    t.ok((m.get(`kseal_topic_records_total{cluster="secure",topic="${sealed}",outcome="decrypted"}`) ?? 0) >= 20, "records decrypted, per topic");
    t.ok((m.get('kseal_requests_total{cluster="open",api="Produce"}') ?? 0) >= 1, "the open cluster's requests under its own label");
  });
}
