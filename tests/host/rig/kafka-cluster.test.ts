// A private cluster with a dedicated controller and SASL listeners: authentication against the
// real broker, a broker crash and restart, and a stop that leaves nothing behind.
import { existsSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import t from "tap";
import {
  createTopic,
  describeVia,
  kafkaUnavailableReason,
  kafkajsClient,
  kcatPath,
  kcatSupportsScram,
  runKcat,
  useOwnCluster,
  KafkaCluster,
} from "../../rig/index.js";
import { freePorts } from "../../rig/free-ports.js";
import { processAlive } from "../../rig/rig-state.js";

const noKafka = kafkaUnavailableReason();

t.test("own cluster: 2 brokers, dedicated controller, SASL", { skip: noKafka }, async (t) => {
  const cluster = await useOwnCluster(t, { brokers: 2, dedicatedController: true, sasl: true });
  const info = cluster.info;
  const pids = [...cluster.pids().values()];

  t.test("layout", async (t) => {
    t.same(info.brokers.map((b) => b.nodeId), [1, 2]);
    t.same(info.controllers.map((c) => c.nodeId), [3]);
    t.equal(pids.length, 3, "one JVM per node");
    for (const b of info.brokers) {
      const view = await describeVia(b);
      t.equal(view.clusterId, info.clusterId);
      t.same(view.brokerIds, [1, 2]);
    }
    t.equal(info.bootstrap.split(",").length, 2);
    t.equal(info.sasl?.brokers.length, 2);
  });

  t.test("SASL PLAIN and SCRAM users authenticate; a wrong password does not", async (t) => {
    const topic = await createTopic(info, { replicationFactor: 2 });
    for (const mechanism of ["plain", "scram-sha-256", "scram-sha-512"] as const) {
      const producer = kafkajsClient(info, { sasl: { mechanism, username: "alice", password: "alice-secret" } }).producer();
      await producer.connect();
      const [res] = await producer.send({ topic, messages: [{ value: `via ${mechanism}` }] });
      t.equal(res!.errorCode, 0, `produced over SASL ${mechanism}`);
      await producer.disconnect();
    }
    const bad = kafkajsClient(info, { sasl: { mechanism: "scram-sha-256", username: "bob", password: "wrong" } }).admin({
      retry: { retries: 0 },
    });
    await t.rejects(bad.connect(), /SASL|[Aa]uthentication/);
    // librdkafka reads them back over SASL too (SCRAM only where its librdkafka can, see kcat.ts).
    const mechanisms = kcatPath() ? (kcatSupportsScram() ? ["PLAIN", "SCRAM-SHA-512"] : ["PLAIN"]) : [];
    for (const mech of mechanisms) {
      const out = await runKcat([
        "-b", info.sasl!.bootstrap, "-X", "security.protocol=SASL_PLAINTEXT", "-X", `sasl.mechanisms=${mech}`,
        "-X", "sasl.username=bob", "-X", "sasl.password=bob-secret",
        "-C", "-t", topic, "-o", "beginning", "-c", "3", "-q", "-f", "%s\n",
      ]);
      t.same(out.stdout.split("\n").filter(Boolean), ["via plain", "via scram-sha-256", "via scram-sha-512"], `kcat ${mech}: ${out.stderr}`);
    }
  });

  t.test("a crashed broker drops out of metadata and comes back on restart", async (t) => {
    const topic = await createTopic(info, { replicationFactor: 2, numPartitions: 2 });
    await cluster.stopNode(1);
    t.notOk(cluster.isRunning(1));
    await cluster.waitForRunningBrokers(60_000);
    t.same((await describeVia(info.brokers[1]!)).brokerIds, [2]);
    const admin = kafkajsClient(info).admin();
    await admin.connect();
    t.teardown(() => admin.disconnect());
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    t.ok(meta.topics[0]!.partitions.every((p) => p.leader === 2), "broker 2 leads every partition");
    await cluster.startNode(1);
    t.ok(cluster.isRunning(1));
    t.same((await describeVia(info.brokers[0]!)).brokerIds, [1, 2]);
  });

  t.test("stop kills every JVM and deletes the working directory", async (t) => {
    const all = [...cluster.pids().values()];
    await cluster.stop();
    t.ok(all.every((pid) => !processAlive(pid)), "no JVM left");
    t.notOk(existsSync(info.dir));
  });
});

t.test("a broker that cannot start fails the start at once, with its log", { skip: noKafka }, async (t) => {
  const t0 = Date.now();
  const err = await KafkaCluster.start({ brokers: 1, props: { "authorizer.class.name": "no.such.Authorizer" } }).then(
    () => undefined,
    (e: Error) => e,
  );
  t.ok(err, "start rejects");
  t.match(err?.message, /node 1 exited with code 1 while starting/);
  t.match(err?.message, /ClassNotFoundException: no\.such\.Authorizer/, "the error quotes the broker's log");
  t.ok(Date.now() - t0 < 120_000, "long before the start timeout");
  const dir = /logs in ([^)]+)\)/.exec(err?.message ?? "")?.[1];
  t.ok(dir && existsSync(dir), "the logs are kept for a look");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

t.test("a listener port taken before Kafka binds it makes the start retry on new ports", { skip: noKafka }, async (t) => {
  const squatter = createServer();
  await new Promise<void>((r) => squatter.listen(0, "127.0.0.1", () => r()));
  t.teardown(() => squatter.close());
  const taken = (squatter.address() as AddressInfo).port;
  let calls = 0;
  const cluster = await useOwnCluster(t, {
    brokers: 1,
    portSource: async (n) => (++calls === 1 ? [taken, ...(await freePorts(n - 1))] : freePorts(n)),
  });
  t.equal(calls, 2, "a second set of ports was drawn");
  t.not(cluster.info.brokers[0]!.port, taken);
  t.same((await describeVia(cluster.info.brokers[0]!)).brokerIds, [1]);
});
