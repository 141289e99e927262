// Kafka semantics survive encryption: transactions (aborted and committed, read_committed and
// read_uncommitted, control batches and aborted-transaction lists), compacted topics with
// tombstones, and share group consumers reading through kseal.
import t from "tap";
import {
  availableClients, consume, containsBytes, createTopic, dumpLog, kafkaUnavailableReason, kafkajsClient,
  prepareClient, produce, rawLog, sampleRecords, shareConsume, uniqueTopic, useCluster, type ClusterInfo,
} from "../../rig/index.js";
import { startEncryptingProxy } from "./encryption-harness.js";

const sortKey = (r: { key: string; value: string }) => `${r.key}\u0000${r.value}`;
const unavailable = kafkaUnavailableReason();
if (unavailable) t.plan(0, unavailable);
else {
  t.test("aborted and committed transactions read with read_committed through kseal", async (t) => {
    const info = await useCluster(t);
    const ep = await startEncryptingProxy(t, info);
    const txClient = availableClients().includes("franz") ? "franz" : "kafkajs";
    await prepareClient(txClient);
    const topic = await createTopic(info, { topic: uniqueTopic("enc-txn"), numPartitions: 1 });
    const aborted = sampleRecords(10, "aborted-txn");
    const committed = sampleRecords(12, "committed-txn");
    const target = { info, bootstrap: ep.bootstrap };
    await produce(txClient, target, topic, aborted, { transaction: "abort" });
    await produce(txClient, target, topic, committed, { transaction: "commit" });
    t.notOk(containsBytes(rawLog(info, topic), "txn value"), "no plaintext value at rest");

    const batches = await dumpLog(info, topic);
    t.ok(batches.filter((b) => b.isControl).length >= 2, "abort and commit markers stored");
    t.ok(batches.filter((b) => !b.isControl).every((b) => b.isTransactional), "data batches stay transactional");

    const rc = await consume("java", target, topic, committed.length, { isolation: "read_committed" });
    t.same(rc.map(sortKey).sort(), committed.map(sortKey).sort(), "read_committed (Java) sees exactly the committed records");
    const ru = await consume("java", target, topic, aborted.length + committed.length, { isolation: "read_uncommitted" });
    t.same(ru.map(sortKey).sort(), [...aborted, ...committed].map(sortKey).sort(), "read_uncommitted sees both, decrypted");
  });

  t.test("compacted topic keeps tombstones null and compacts through kseal", async (t) => {
    const info = await useCluster(t);
    const ep = await startEncryptingProxy(t, info);
    const topic = await createTopic(info, {
      topic: uniqueTopic("enc-compact"),
      numPartitions: 1,
      configs: { "cleanup.policy": "compact", "segment.ms": "100", "min.cleanable.dirty.ratio": "0.001", "delete.retention.ms": "600000" },
    });
    const producer = kafkajsClient({ ...info, bootstrap: ep.bootstrap } as ClusterInfo).producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [
      { key: "k1", value: "compact-old-1" }, { key: "k2", value: "compact-old-2" }, { key: "k3", value: "compact-keep-3" },
    ] });
    await new Promise((r) => setTimeout(r, 300));
    await producer.send({ topic, acks: -1, messages: [{ key: "k1", value: "compact-new-1" }, { key: "k2", value: null }] });
    await new Promise((r) => setTimeout(r, 300));
    // A later append rolls the segment so the earlier ones become cleanable.
    await producer.send({ topic, acks: -1, messages: [{ key: "k4", value: "compact-roll-4" }] });
    await producer.disconnect();

    const stored = (await dumpLog(info, topic)).flatMap((b) => b.records);
    const tomb = stored.find((r) => r.offset === 4);
    t.ok(tomb, "tombstone stored");
    t.equal(tomb?.payload ?? null, null, `tombstone stays null on disk (${JSON.stringify(tomb)})`);
    t.notOk(containsBytes(rawLog(info, topic), "compact-"), "no plaintext value at rest");

    // Wait for the log cleaner (15 s backoff by default), then read through kseal.
    let latest = new Map<string, string | null>();
    let count = 0;
    for (let i = 0; i < 12; i++) {
      const msgs = await readAll(info, ep.bootstrap, topic);
      latest = new Map(msgs.map((m) => [m.key, m.value]));
      count = msgs.length;
      if (!msgs.some((m) => m.value === "compact-old-1")) break;
      await new Promise((r) => setTimeout(r, 5000));
    }
    t.equal(latest.get("k1"), "compact-new-1", "latest value of k1 decrypts");
    t.equal(latest.get("k2"), null, "k2's tombstone reads back as null through kseal");
    t.equal(latest.get("k3"), "compact-keep-3");
    t.ok(count < 6, `log compacted: ${count} records left of 6`);
  });

  t.test("share group consumer reads decrypted records through kseal", async (t) => {
    const info = await useCluster(t);
    const ep = await startEncryptingProxy(t, info);
    const topic = await createTopic(info, { topic: uniqueTopic("enc-share"), numPartitions: 2 });
    const records = sampleRecords(20, "share-enc");
    await produce("java", { info, bootstrap: ep.bootstrap }, topic, records, { codec: "lz4" });
    for (const p of [0, 1]) t.notOk(containsBytes(rawLog(info, topic, p), "share-enc value"), `no plaintext at rest in partition ${p}`);
    let got;
    try {
      got = await shareConsume({ info, bootstrap: ep.bootstrap }, topic, records.length, { timeoutMs: 45_000 });
    } catch (e) {
      if (/share|not enabled|UnsupportedVersion/i.test(String(e))) {
        t.comment(`skipped: broker offers no share groups: ${String(e).slice(0, 200)}`);
        return;
      }
      throw e;
    }
    t.same(got.map(sortKey).sort(), records.map(sortKey).sort(), "the share consumer gets every record in plaintext");
  });
}

async function readAll(info: ClusterInfo, bootstrap: string, topic: string): Promise<{ key: string; value: string | null }[]> {
  const consumer = kafkajsClient({ ...info, bootstrap } as ClusterInfo).consumer({ groupId: uniqueTopic("g"), maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got: { key: string; value: string | null; offset: number }[] = [];
  let last = Date.now();
  await consumer.run({
    eachMessage: async ({ message }) => {
      got.push({ key: message.key?.toString() ?? "", value: message.value === null ? null : message.value.toString(), offset: Number(message.offset) });
      last = Date.now();
    },
  });
  const start = Date.now();
  // Read until nothing new arrives for 3 s (at least one record), at most 30 s.
  while (Date.now() - start < 30_000 && (got.length === 0 || Date.now() - last < 3000)) await new Promise((r) => setTimeout(r, 200));
  await consumer.disconnect();
  return got.sort((a, b) => a.offset - b.offset);
}
