// TLS on both sides of the proxy against a real Kafka SSL listener that requires client
// certificates: clients (kafkajs, kcat/librdkafka, Kafka's Java console tools) speak TLS to
// kseal, kseal speaks mutual TLS to the broker, verifying its name. Certificates are generated
// for this run. Negative cases: a client without a certificate, an untrusted CA, a wrong broker name.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import tls from "node:tls";
import { Kafka, logLevel } from "kafkajs";
import { pino } from "pino";
import t from "tap";
import { applyConfig, DEFAULT_CONFIG } from "../../../host/config/proxy-config.js";
import { KsealProxy } from "../../../host/proxy/proxy.js";
import { probeCluster } from "../../../host/admin/cluster-probe.js";
import { kafkaUnavailableReason, kcatPath, runKafkaTool, runKcat, uniqueTopic, useOwnCluster } from "../../rig/index.js";
import { makeTestPki, opensslAvailable, sslListenerProps } from "./test-certs.js";

const quiet = pino({ level: process.env.KSEAL_LOG_LEVEL ?? "silent" });
const unavailable = kafkaUnavailableReason() ?? (opensslAvailable() ? undefined : "openssl CLI not installed");

if (unavailable) t.plan(0, unavailable);
else {
  t.test("TLS clients → kseal → mutual TLS Kafka listener", async (t) => {
    const pki = makeTestPki();
    t.teardown(() => pki.remove());
    const cluster = await useOwnCluster(t, { brokers: 1, sasl: true, props: sslListenerProps(pki, "required") });
    const sslBootstrap = cluster.info.sasl!.bootstrap;

    const upstreamTls = { caFile: pki.caFile, certFile: pki.clientCertFile, keyFile: pki.clientKeyFile };
    const config = applyConfig(DEFAULT_CONFIG, {
      bootstrapPort: 0,
      target: sslBootstrap,
      tls: { certFile: pki.serverCertFile, keyFile: pki.serverKeyFile, caFile: pki.caFile, clientAuth: "required" },
      upstreamTls,
    });
    const proxy = new KsealProxy({ config, logger: quiet });
    await proxy.start();
    t.teardown(() => proxy.stop());
    const bootstrap = proxy.bootstrapAddress;

    // The broker's SSL listener really requires TLS with a client certificate.
    await t.rejects(probeCluster(config.target, 3000), "plaintext probe of the SSL listener fails");
    t.ok(await probeCluster(config.target, 5000, proxy.dialUpstream), "the proxy's TLS dialer reaches the broker (mutual TLS, name checked)");

    const ssl = { ca: [pki.read(pki.caFile)], cert: pki.read(pki.clientCertFile), key: pki.read(pki.clientKeyFile) };
    const kafka = new Kafka({ clientId: "tls-test", brokers: [bootstrap], ssl, logLevel: logLevel.NOTHING });
    const topic = uniqueTopic("tls");
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: "kafkajs-1" }, { value: "kafkajs-2" }] });
    await producer.disconnect();

    // librdkafka (kcat) produces and consumes over TLS with its client certificate.
    const kcatTls = ["-X", "security.protocol=ssl", "-X", `ssl.ca.location=${pki.caFile}`, "-X", `ssl.certificate.location=${pki.clientCertFile}`, "-X", `ssl.key.location=${pki.clientKeyFile}`];
    if (kcatPath()) {
      const p = await runKcat(["-b", bootstrap, ...kcatTls, "-P", "-t", topic], { input: "kcat-1\n", timeoutMs: 60_000 });
      t.equal(p.code, 0, `kcat produced over TLS ${p.stderr.slice(-500)}`);
    }

    // Kafka's Java console tools with PEM trust and key stores.
    const props = join(pki.dir, "client.properties");
    const pemLine = (f: string) => pki.read(f).toString().trim().replace(/\n/g, "\\n");
    writeFileSync(props, [
      "security.protocol=SSL",
      "ssl.truststore.type=PEM",
      `ssl.truststore.location=${pki.caFile}`,
      "ssl.keystore.type=PEM",
      `ssl.keystore.certificate.chain=${pemLine(pki.clientCertFile)}`,
      `ssl.keystore.key=${pemLine(pki.clientKeyFile)}`,
    ].join("\n") + "\n");
    const jp = await runKafkaTool(cluster.info, "console-producer", ["--bootstrap-server", bootstrap, "--topic", topic, "--command-config", props], { input: "java-1\n" });
    t.equal(jp.code, 0, `Java console producer over TLS ${jp.stderr.slice(-800)}`);
    const expected = kcatPath() ? 4 : 3;
    const jc = await runKafkaTool(cluster.info, "console-consumer", ["--bootstrap-server", bootstrap, "--topic", topic, "--from-beginning", "--max-messages", String(expected), "--command-config", props, "--timeout-ms", "30000"]);
    const got = jc.stdout.trim().split("\n").filter(Boolean).sort();
    t.same(got, ["java-1", "kafkajs-1", "kafkajs-2", ...(kcatPath() ? ["kcat-1"] : [])].sort(), "Java console consumer reads every client's records over TLS");

    if (kcatPath()) {
      const c = await runKcat(["-b", bootstrap, ...kcatTls, "-C", "-t", topic, "-o", "beginning", "-c", String(expected), "-e", "-q"], { timeoutMs: 60_000 });
      t.same(c.stdout.trim().split("\n").sort(), got, "kcat consumes the same records over TLS");
    }

    const nodePorts = proxy.state.nodes.entries().map((e) => e.port);
    t.ok(nodePorts.length >= 1, "node listeners are TLS too (clients reached them)");
    const accepted = [...proxy.stats.acceptedByPort.keys()];
    t.ok(accepted.some((p) => nodePorts.includes(p)), "clients connected to node ports over TLS");

    // Negative: no client certificate → handshake refused by the proxy.
    const noCert = await tlsHandshake(proxy.bootstrapPort, { ca: ssl.ca });
    t.match(noCert, /certificate|alert|socket hang up|ECONNRESET|closed/i, `no client certificate: ${noCert}`);
    // Negative: the client does not trust the proxy's CA.
    const untrusted = await tlsHandshake(proxy.bootstrapPort, { ca: [pki.read(pki.otherCaFile)], cert: ssl.cert, key: ssl.key });
    t.match(untrusted, /self.signed|unable to verify|certificate/i, `untrusted CA: ${untrusted}`);
    t.equal(await tlsHandshake(proxy.bootstrapPort, { ca: ssl.ca, cert: ssl.cert, key: ssl.key }), "ok", "a trusted client with a certificate is accepted");
  });

  t.test("upstream TLS refuses a broker whose name or CA does not match", async (t) => {
    const pki = makeTestPki();
    t.teardown(() => pki.remove());
    const cluster = await useOwnCluster(t, { brokers: 1, sasl: true, props: sslListenerProps(pki, "none") });
    const target = cluster.info.sasl!.bootstrap;
    const dialerFor = (upstreamTls: Record<string, unknown>) => {
      const p = new KsealProxy({ config: applyConfig(DEFAULT_CONFIG, { bootstrapPort: 0, target, upstreamTls }), logger: quiet });
      return p.dialUpstream!;
    };
    const targets = applyConfig(DEFAULT_CONFIG, { target }).target;
    t.ok(await probeCluster(targets, 5000, dialerFor({ caFile: pki.caFile })), "right CA, name 127.0.0.1 in the certificate");
    await t.rejects(probeCluster(targets, 5000, dialerFor({ caFile: pki.caFile, serverName: "kafka.other.test" })), /does not match|altnames|Hostname/i, "wrong name is refused (hostname verification on by default)");
    t.ok(await probeCluster(targets, 5000, dialerFor({ caFile: pki.caFile, serverName: "kafka.other.test", verifyHostname: false })), "verifyHostname: false accepts it");
    await t.rejects(probeCluster(targets, 5000, dialerFor({ caFile: pki.otherCaFile })), /certificate|verify/i, "an untrusted CA is refused even with verifyHostname off");
    await t.rejects(probeCluster(targets, 5000, dialerFor({ caFile: pki.otherCaFile, verifyHostname: false })), /certificate|verify/i);
  });
}

/** "ok" when a TLS handshake and a first read succeed, else the error message. */
function tlsHandshake(port: number, opts: tls.ConnectionOptions): Promise<string> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: "127.0.0.1", port, servername: "localhost", ...opts });
    const done = (r: string) => {
      s.destroy();
      resolve(r);
    };
    s.once("secureConnect", () => {
      // TLS 1.3: a refused client certificate arrives as an alert just after the handshake.
      setTimeout(() => done("ok"), 500);
    });
    s.once("error", (e) => done(e.message));
    s.once("close", () => done("closed"));
  });
}
