// The rig's cluster serves the independent clients kseal is tested with: Kafka's Java tools,
// kcat (librdkafka) and kafkajs, each reading exactly what another wrote.
import { randomBytes } from "node:crypto";
import t from "tap";
import {
  consume,
  createTopic,
  kafkaTool,
  kafkaUnavailableReason,
  kafkajsClient,
  kcatPath,
  runKcat,
  useCluster,
  type ClusterInfo,
} from "../../rig/index.js";

const noKafka = kafkaUnavailableReason();
const noKcat = noKafka ?? (kcatPath() ? undefined : "kcat is not installed (apt-get install kcat)");

let info: ClusterInfo;
t.before(async () => {
  if (!noKafka) info = await useCluster(t);
});

t.test("Java console producer to kcat: UTF-8 keys and values arrive as sent", { skip: noKcat }, async (t) => {
  const topic = await createTopic(info);
  const lines = ["k1:hällo wörld €", "k2:emoji 😀 and tab\tinside", "k3:"];
  await kafkaTool(info, "console-producer", [
    "--bootstrap-server", "{bootstrap}", "--topic", topic,
    "--reader-property", "parse.key=true", "--reader-property", "key.separator=:",
  ], { input: lines.join("\n") + "\n" });
  const out = await runKcat(["-b", info.bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%k=%s\n"]);
  t.equal(out.code, 0, out.stderr);
  t.same(out.stdout.split("\n").filter(Boolean), lines.map((l) => l.replace(":", "=")));
});

for (const codec of ["gzip", "snappy", "lz4", "zstd"]) {
  t.test(`kcat producer with ${codec} to the Java console consumer`, { skip: noKcat }, async (t) => {
    const topic = await createTopic(info);
    const records = Array.from({ length: 20 }, (_, i) => ({ key: `key-${i}`, value: `value ${i} ${"x".repeat(i * 10)}` }));
    const input = records.map((r) => `${r.key}:${r.value}\n`).join("");
    const res = await runKcat(["-b", info.bootstrap, "-P", "-t", topic, "-z", codec, "-K:"], { input });
    t.equal(res.code, 0, res.stderr);
    t.same(await consume("java", { info, bootstrap: info.bootstrap }, topic, records.length), records);
  });
}

t.test("kafkajs producer to kcat: binary values byte for byte", { skip: noKcat }, async (t) => {
  const topic = await createTopic(info);
  const value = randomBytes(4096);
  const producer = kafkajsClient(info).producer();
  await producer.connect();
  t.teardown(() => producer.disconnect());
  await producer.send({ topic, messages: [{ key: "bin", value }] });
  const out = await runKcat(["-b", info.bootstrap, "-C", "-t", topic, "-o", "beginning", "-c", "1", "-q", "-f", "%s"]);
  t.equal(out.code, 0, out.stderr);
  t.equal(Buffer.from(out.stdoutBytes).toString("hex"), value.toString("hex"), "kcat printed exactly the bytes kafkajs sent");
});

t.test("topics replicate across the cluster's brokers", { skip: noKafka }, async (t) => {
  const rf = Math.min(info.brokers.length, 3);
  const topic = await createTopic(info, { numPartitions: 3, replicationFactor: rf });
  const res = await kafkaTool(info, "topics", ["--bootstrap-server", "{bootstrap}", "--describe", "--topic", topic]);
  t.match(res.stdout, new RegExp(`PartitionCount: 3\\s+ReplicationFactor: ${rf}`));
  const admin = kafkajsClient(info).admin();
  await admin.connect();
  t.teardown(() => admin.disconnect());
  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  const leaders = new Set(meta.topics[0]!.partitions.map((p) => p.leader));
  t.ok([...leaders].every((l) => info.brokers.some((b) => b.nodeId === l)), "every leader is a broker of the cluster");
  t.equal(meta.topics[0]!.partitions[0]!.replicas.length, rf);
});
