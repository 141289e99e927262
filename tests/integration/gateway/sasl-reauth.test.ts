// SASL SCRAM-SHA-512 through kseal against a real Kafka SASL listener whose sessions expire every
// 2 s (connections.max.reauth.ms, KIP-368): Kafka's Java producer re-authenticates on its open
// connections through the proxy while producing, and every record is acknowledged.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import t from "tap";
import { MetricsRegistry } from "../../../host/admin/metrics.js";
import { proxyObserver } from "../../../host/admin/proxy-metrics.js";
import { applyConfig, DEFAULT_CONFIG } from "../../../host/config/proxy-config.js";
import { KsealProxy } from "../../../host/proxy/proxy.js";
import { createTopic, kafkaUnavailableReason, runKafkaTool, useOwnCluster } from "../../rig/index.js";
import { parseMetrics } from "./kseal-process.js";

const unavailable = kafkaUnavailableReason();
if (unavailable) t.plan(0, unavailable);
else {
  t.test("SCRAM re-authentication passes through the proxy", async (t) => {
    const cluster = await useOwnCluster(t, { brokers: 1, sasl: true, props: { "connections.max.reauth.ms": "2000" } });
    const info = cluster.info;
    const user = info.sasl!.users[0]!;
    const registry = new MetricsRegistry();
    const config = applyConfig(DEFAULT_CONFIG, { bootstrapPort: 0, target: info.sasl!.bootstrap });
    const proxy = new KsealProxy({ config, logger: pino({ level: process.env.KSEAL_LOG_LEVEL ?? "warn" }), observer: proxyObserver(registry) });
    await proxy.start();
    t.teardown(() => proxy.stop());
    const topic = await createTopic(info, { numPartitions: 1 });

    const dir = mkdtempSync(join(tmpdir(), "kseal-reauth-"));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const props = join(dir, "producer.properties");
    writeFileSync(props, [
      `bootstrap.servers=${proxy.bootstrapAddress}`,
      "acks=all",
      "security.protocol=SASL_PLAINTEXT",
      "sasl.mechanism=SCRAM-SHA-512",
      `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${user.username}" password="${user.password}";`,
    ].join("\n") + "\n");
    const res = await runKafkaTool(info, "producer-perf", [
      "--topic", topic, "--num-records", "70", "--record-size", "100", "--throughput", "10", "--command-config", props,
    ], { timeoutMs: 90_000 });
    t.equal(res.code, 0, `producer-perf exit 0 ${res.stderr.slice(-1000)}`);
    t.match(res.stdout, /70 records sent/, "all 70 records acknowledged");

    const m = parseMetrics(registry.render());
    const auths = m.get('kseal_requests_total{cluster="default",api="SaslAuthenticate"}') ?? 0;
    const handshakes = m.get('kseal_requests_total{cluster="default",api="SaslHandshake"}') ?? 0;
    const connections = [...proxy.stats.acceptedByPort.values()].reduce((a, b) => a + b, 0);
    t.ok(handshakes > connections, `re-authentication on open connections: ${handshakes} SASL handshakes, ${auths} SaslAuthenticate over ${connections} connections in ~7 s with 2 s sessions`);
    t.ok(auths >= handshakes, "each handshake followed by SaslAuthenticate");
    t.notOk(m.has('kseal_connection_errors_total{cluster="default",code="OTHER"}'), "no connection closed with an error");
  });
}
