// The real `kseal start` process in front of real Kafka, with encryption: /readyz and /module,
// /metrics counts after a produce/consume run, then SIGTERM in the middle of a produce load and a
// restart on the same ports: every record the producer saw acknowledged is read back.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel, type Producer } from "kafkajs";
import t from "tap";
import { defaultWasmPath } from "../../../host/wasm/filter.js";
import { createTopic, kafkaUnavailableReason, useCluster } from "../../rig/index.js";
import { consumeAll, parseMetrics, startKseal, type KsealProcess } from "./kseal-process.js";
import { freePortRange } from "../../rig/free-ports.js";

const unavailable = kafkaUnavailableReason();

if (unavailable) t.plan(0, unavailable);
else {
  t.test("kseal process: metrics, probes, SIGTERM under load and restart", async (t) => {
    const info = await useCluster(t);
    const dir = mkdtempSync(join(tmpdir(), "kseal-gw-"));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const base = await freePortRange(1 + info.brokers.length + 1);
    const config = join(dir, "kseal.yaml");
    writeFileSync(config, [
      `bootstrapPort: ${base}`,
      `target: ${info.bootstrap}`,
      `admin: { port: ${base + info.brokers.length + 1} }`,
      "limits: { shutdownDrainMs: 10000 }",
      "encryption:",
      "  kms:",
      "    keyFile: ${file:keyfile-path.txt}",
    ].join("\n") + "\n");
    writeFileSync(join(dir, "keyfile-path.txt"), join(dir, "local-kms.json") + "\n");
    let k: KsealProcess = await startKseal(config);
    t.teardown(() => k.child.kill("SIGKILL"));
    const bootstrap = k.bootstrap;
    const adminUrl = `http://${k.admin}`;

    // Probes and module info.
    t.equal((await fetch(`${adminUrl}/livez`)).status, 200, "/livez");
    const ready = await fetch(`${adminUrl}/readyz`);
    t.equal(ready.status, 200, "/readyz: module loaded and the cluster answered");
    const mod = (await (await fetch(`${adminUrl}/module`)).json()) as { sha256: string; path: string };
    t.equal(mod.sha256, createHash("sha256").update(readFileSync(defaultWasmPath())).digest("hex"), "/module names the loaded module's sha256");

    // Phase 1: 40 records, one produce request each, then read back.
    const topic = await createTopic(info, { numPartitions: 1, replicationFactor: Math.min(3, info.brokers.length) });
    const kafka = new Kafka({ clientId: "gw-producer", brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 200, maxRetryTime: 2000 } });
    const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let i = 0; i < 40; i++) await producer.send({ topic, acks: -1, messages: [{ value: `p1-${i}` }] });
    const first = await consumeAll(bootstrap, topic, 40);
    t.equal(first.length, 40);
    const m = parseMetrics(await (await fetch(`${adminUrl}/metrics`)).text());
    t.ok((m.get('kseal_requests_total{cluster="default",api="Produce"}') ?? 0) >= 40, "Produce requests counted");
    t.ok((m.get('kseal_requests_total{cluster="default",api="Fetch"}') ?? 0) >= 1, "Fetch requests counted");
    t.equal(m.get('kseal_encryption_partitions_total{cluster="default",outcome="encryptedPartitions"}'), 40, "40 partitions encrypted (one per produce)");
    t.ok((m.get('kseal_encryption_partitions_total{cluster="default",outcome="decryptedPartitions"}') ?? 0) >= 1, "fetched partitions decrypted");
    t.equal(m.get('kseal_encryption_partitions_total{cluster="default",outcome="produceFailures"}'), 0, "no produce failures");
    t.ok((m.get('kseal_bytes_total{cluster="default",direction="client_in"}') ?? 0) > 40 * 10, "bytes from clients counted");
    t.ok((m.get('kseal_connections_total{cluster="default",listener="bootstrap"}') ?? 0) >= 2, "bootstrap connections counted");
    t.ok((m.get('kseal_request_duration_seconds_count{cluster="default",api="Produce"}') ?? 0) >= 40, "produce latency observed");
    t.ok((m.get('kseal_edek_cache_entries{cluster="default"}') ?? 0) >= 1, "EDEK cache size exported");
    t.equal(m.get(`kseal_records_total{cluster="default",topic="${topic}",direction="produce"}`), 40, "40 records produced to the topic");
    t.ok((m.get(`kseal_records_total{cluster="default",topic="${topic}",direction="fetch"}`) ?? 0) >= 40, "at least 40 records fetched from the topic");

    // Phase 2: a producer keeps sending; SIGTERM, then a restart on the same ports.
    const acked: string[] = [];
    let stopLoad = false;
    let sendErrors = 0;
    const load = (async () => {
      for (let i = 0; !stopLoad && acked.length < 400; i++) {
        const v = `p2-${i}`;
        try {
          await producer.send({ topic, acks: -1, messages: [{ value: v }] });
          acked.push(v);
        } catch {
          sendErrors++;
        }
      }
    })();
    while (acked.length < 30) await new Promise((r) => setTimeout(r, 20));
    k.child.kill("SIGTERM");
    const code = await k.exited;
    t.equal(code, 0, "kseal exits 0 after draining");
    const drainLine = k.lines().find((l) => l.msg === "kseal proxy stopped");
    t.ok(drainLine, `drain reported: ${JSON.stringify(drainLine)}`);
    const ackedAtStop = acked.length;
    k = await startKseal(config);
    t.equal(k.bootstrap, bootstrap, "restarted on the same bootstrap address");
    while (acked.length < ackedAtStop + 30 && sendErrors < 50) await new Promise((r) => setTimeout(r, 50));
    stopLoad = true;
    await load;
    t.ok(acked.length >= ackedAtStop + 30, `producer continued after the restart (${ackedAtStop} acked before, ${acked.length} after, ${sendErrors} failed sends)`);
    await producer.disconnect();

    const all = await consumeAll(bootstrap, topic, 40 + acked.length);
    const seen = new Set(all);
    const lost = acked.filter((v) => !seen.has(v));
    t.same(lost, [], `no acknowledged record lost (${acked.length} acknowledged in phase 2)`);
    t.equal(all.filter((v) => v.startsWith("p2-")).length, new Set(all.filter((v) => v.startsWith("p2-"))).size, "no duplicates (idempotent producer)");
    k.child.kill("SIGTERM");
    t.equal(await k.exited, 0);
  });
}
