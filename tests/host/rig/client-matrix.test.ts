// Every client the rig offers reads what every other one wrote, straight from the broker: the
// baseline that proxy tests compare against when the same matrix runs through kseal.
import t from "tap";
import {
  CLIENT_CODECS,
  CLIENT_DECODES,
  TRANSACTIONAL_CLIENTS,
  availableClients,
  consume,
  createTopic,
  dumpLog,
  kafkaUnavailableReason,
  prepareClient,
  produce,
  sampleRecords,
  shareConsume,
  useCluster,
  type ClusterInfo,
} from "../../rig/index.js";

const noKafka = kafkaUnavailableReason();
let info: ClusterInfo;
const clients = availableClients();
t.before(async () => {
  if (noKafka) return;
  info = await useCluster(t);
  for (const c of clients) await prepareClient(c);
});

for (const producer of clients) {
  // Each producer writes with its last codec (zstd or gzip), so compressed batches are read too.
  const codec = CLIENT_CODECS[producer].at(-1)!;
  t.test(`${producer} (${codec}) to ${clients.join(", ")}`, { skip: noKafka }, async (t) => {
    const topic = await createTopic(info);
    const records = sampleRecords(12, producer);
    await produce(producer, { info, bootstrap: info.bootstrap }, topic, records, { codec });
    const stored = await dumpLog(info, topic);
    // librdkafka leaves a batch uncompressed when compressing would not make it smaller.
    t.ok(stored.every((b) => b.codec === codec || b.codec === "none"), `only ${codec} or plain batches: ${stored.map((b) => b.codec)}`);
    t.ok(stored.some((b) => b.codec === codec), `the broker stored ${codec} batches`);
    t.same(stored.flatMap((b) => b.records.map((r) => ({ key: r.key, value: r.payload }))), records, "and the records as sent");
    for (const consumer of clients.filter((c) => CLIENT_DECODES[c].includes(codec))) {
      t.same(await consume(consumer, { info, bootstrap: info.bootstrap }, topic, records.length), records, `${consumer} reads it`);
    }
  });
}

for (const producer of TRANSACTIONAL_CLIENTS.filter((c) => clients.includes(c))) {
  t.test(`${producer} transactions: read_committed skips the aborted one`, { skip: noKafka }, async (t) => {
    const topic = await createTopic(info);
    const target = { info, bootstrap: info.bootstrap };
    const aborted = sampleRecords(4, "aborted");
    const committed = sampleRecords(4, "committed");
    await produce(producer, target, topic, aborted, { transaction: "abort" });
    await produce(producer, target, topic, committed, { transaction: "commit" });
    for (const consumer of clients) {
      t.same(await consume(consumer, target, topic, 4, { isolation: "read_committed" }), committed, `${consumer} read_committed`);
    }
    t.same(await consume("java", target, topic, 8), [...aborted, ...committed], "read_uncommitted sees both");
    const stored = await dumpLog(info, topic);
    t.same(
      stored.map((b) => [b.isTransactional, b.isControl, b.count]),
      [[true, false, 4], [true, true, 1], [true, false, 4], [true, true, 1]],
      "two transactional batches, each closed by a control batch (abort, then commit)",
    );
  });
}

t.test("a share group (KIP-932) reads what was produced", { skip: noKafka }, async (t) => {
  const topic = await createTopic(info, { numPartitions: 2 });
  const records = sampleRecords(6, "share");
  await produce("java", { info, bootstrap: info.bootstrap }, topic, records);
  const got = await shareConsume({ info, bootstrap: info.bootstrap }, topic, records.length);
  const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);
  t.same([...got].sort(byKey), [...records].sort(byKey));
});

t.test("kafkajs reports a codec it cannot decode instead of hanging", { skip: noKafka || clients.length < 3 }, async (t) => {
  const topic = await createTopic(info);
  await produce("kcat", { info, bootstrap: info.bootstrap }, topic, sampleRecords(12), { codec: "lz4" });
  await t.rejects(consume("kafkajs", { info, bootstrap: info.bootstrap }, topic, 12, { timeoutMs: 60_000 }), /LZ4|not implemented|[Cc]odec/);
});

t.test("records that the console tools cannot carry are refused", { skip: noKafka }, async (t) => {
  await t.rejects(produce("kafkajs", { info, bootstrap: info.bootstrap }, "x", [{ key: "a", value: "b\tc" }]), /without tabs/);
  await t.rejects(produce("kafkajs", { info, bootstrap: info.bootstrap }, "x", [{ key: "a", value: "b" }], { codec: "zstd" }), /cannot produce with zstd/);
});
