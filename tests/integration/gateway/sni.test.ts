// "SNI identifies node" against a real Kafka cluster: one TLS port; kafkajs and Kafka's Java
// console tools reach bootstrap.kafka.example.test and broker-<id>.kafka.example.test, names that
// resolve to 127.0.0.1 only for them (a custom lookup in Node's TLS options; jdk.net.hosts.file
// for Java). Each connection is forwarded to the broker its server name names; unknown names and
// connections without SNI are refused.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import tls from "node:tls";
import { Kafka, logLevel } from "kafkajs";
import { pino } from "pino";
import t from "tap";
import { applyConfig, DEFAULT_CONFIG } from "../../../host/config/proxy-config.js";
import { endpointsOf, responseHasAddresses } from "../../../host/proxy/address-rewriter.js";
import type { ProxyFilter } from "../../../host/proxy/filter.js";
import { KsealProxy } from "../../../host/proxy/proxy.js";
import { createTopic, kafkaUnavailableReason, runKafkaTool, useCluster } from "../../rig/index.js";
import { makeTestPki, opensslAvailable } from "./test-certs.js";

const unavailable = kafkaUnavailableReason() ?? (opensslAvailable() ? undefined : "openssl CLI not installed");
const DOMAIN = "kafka.example.test";

if (unavailable) t.plan(0, unavailable);
else {
  t.test("one TLS port, broker chosen by server name", async (t) => {
    const info = await useCluster(t, { brokers: 3 });
    const pki = makeTestPki();
    t.teardown(() => pki.remove());
    const seen: Array<{ nodeId: number; host: string; port: number }> = [];
    const audit: ProxyFilter = {
      name: "audit",
      wantsResponse: (k, v) => responseHasAddresses(k, v),
      onResponse(ctx, msg) {
        for (const e of endpointsOf(ctx.header.apiKey, ctx.header.apiVersion, msg as Record<string, unknown>)) {
          seen.push({ nodeId: e.nodeId ?? e.brokerId ?? -1, host: e.host, port: e.port });
        }
        return false;
      },
    };
    const config = applyConfig(DEFAULT_CONFIG, {
      bootstrapPort: 0,
      target: info.bootstrap,
      tls: { certFile: pki.serverCertFile, keyFile: pki.serverKeyFile },
      sni: { bootstrapHost: `bootstrap.${DOMAIN}`, brokerHostPattern: `broker-$(nodeId).${DOMAIN}` },
    });
    const proxy = new KsealProxy({ config, filters: [audit], logger: pino({ level: process.env.KSEAL_LOG_LEVEL ?? "warn" }) });
    await proxy.start();
    t.teardown(() => proxy.stop());
    const port = proxy.bootstrapPort;
    t.equal(proxy.bootstrapAddress, `bootstrap.${DOMAIN}:${port}`);

    // Names under DOMAIN resolve to the proxy, for this client only.
    // Node 20 asks for every address ({ all: true }) when it races address families.
    const lookup = (host: string, o: { all?: boolean }, cb: (e: Error | null, a: unknown, f?: number) => void) => {
      if (!host.endsWith(`.${DOMAIN}`)) cb(new Error(`test lookup: unknown host ${host}`), undefined);
      else if (o?.all) cb(null, [{ address: "127.0.0.1", family: 4 }]);
      else cb(null, "127.0.0.1", 4);
    };
    const kafka = new Kafka({ clientId: "sni-test", brokers: [proxy.bootstrapAddress], ssl: { ca: [pki.read(pki.caFile)], lookup } as tls.ConnectionOptions, logLevel: logLevel.NOTHING });
    const topic = await createTopic(info, { numPartitions: Math.max(1, info.brokers.length) });
    const producer = kafka.producer();
    await producer.connect();
    const values = Array.from({ length: 30 }, (_, i) => `sni-${i}`);
    await producer.send({ topic, messages: values.map((v, i) => ({ value: v, partition: i % Math.max(1, info.brokers.length) })) });
    await producer.disconnect();

    // Java console consumer through the same names, resolved by a hosts file of its own.
    const hosts = join(pki.dir, "hosts");
    writeFileSync(hosts, `127.0.0.1 bootstrap.${DOMAIN} ${info.brokers.map((b) => `broker-${b.nodeId}.${DOMAIN}`).join(" ")}\n`);
    const props = join(pki.dir, "sni-client.properties");
    writeFileSync(props, `security.protocol=SSL\nssl.truststore.type=PEM\nssl.truststore.location=${pki.caFile}\n`);
    const jc = await runKafkaTool(info, "console-consumer", ["--bootstrap-server", proxy.bootstrapAddress, "--topic", topic, "--from-beginning", "--max-messages", String(values.length), "--command-config", props, "--timeout-ms", "30000"], {
      jvmOpts: ["-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", `-Djdk.net.hosts.file=${hosts}`],
    });
    t.same(jc.stdout.trim().split("\n").filter(Boolean).sort(), [...values].sort(), `Java consumer read every record via SNI names ${jc.code === 0 ? "" : jc.stderr.slice(-800)}`);

    t.ok(seen.length > 0, `${seen.length} broker addresses sent to clients`);
    t.same(seen.filter((a) => a.nodeId >= 0 && (a.host !== `broker-${a.nodeId}.${DOMAIN}` || a.port !== port)), [], "every broker address is broker-<id>.domain on the one TLS port");
    t.same([...proxy.stats.acceptedByPort.keys()], [port], "clients connected only to the one port");
    const brokers = new Set(info.brokers.map((b) => `${b.host}:${b.port}`));
    t.same(proxy.stats.upstreamDials.filter((d) => !brokers.has(d)), [], "the proxy dialed only real brokers");
    for (const e of proxy.state.nodes.entries()) {
      const b = info.brokers.find((x) => x.nodeId === e.nodeId);
      t.same(e.upstream, b && { host: b.host, port: b.port }, `broker-${e.nodeId} → node ${e.nodeId}'s own address`);
    }
    const nodeDials = proxy.stats.upstreamDials.length;
    t.ok(nodeDials > 1, `${nodeDials} upstream dials (bootstrap and per-node)`);

    // Refused: an unknown name, and no SNI at all (an IP address as host sends none).
    t.equal(await handshakeThenClosed(port, { servername: `evil.${DOMAIN}`, ca: [pki.read(pki.caFile)] }), true, "unknown server name: connection closed");
    t.equal(await handshakeThenClosed(port, { ca: [pki.read(pki.caFile)], checkServerIdentity: () => undefined }), true, "no server name: connection closed");
  });
}

/** True when the proxy closes the connection right after the handshake. */
function handshakeThenClosed(port: number, opts: tls.ConnectionOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: "127.0.0.1", port, ...opts });
    const timer = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, 3000);
    s.on("error", () => {});
    s.once("close", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
