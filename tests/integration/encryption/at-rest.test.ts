// At rest: known plaintext produced through kseal leaves no trace in the broker's segment files
// or for a direct consumer; through kseal a consumer gets byte-identical keys, values, headers and
// timestamps at the same offsets.
import { randomBytes } from "node:crypto";
import t from "tap";
import type { KafkaMessage } from "kafkajs";
import { containsBytes, createTopic, kafkaUnavailableReason, kafkajsClient, rawLog, uniqueTopic, useCluster, type ClusterInfo } from "../../rig/index.js";
import { startEncryptingProxy } from "./encryption-harness.js";

const unavailable = kafkaUnavailableReason();
if (unavailable) t.plan(0, unavailable);
else {
  t.test("records are ciphertext at rest and plaintext through kseal", async (t) => {
    const info = await useCluster(t);
    const ep = await startEncryptingProxy(t, info);
    const topic = await createTopic(info, { topic: uniqueTopic("enc-at-rest"), numPartitions: 1 });

    const secret = `secret-${randomBytes(8).toString("hex")}`;
    const base = Date.now() - 60_000;
    const sent = Array.from({ length: 50 }, (_, i) => ({
      key: i % 7 === 0 ? null : Buffer.from(`key-${i}`),
      value: i === 3 ? Buffer.alloc(0) : Buffer.from(`${secret}-value-${i}-${"x".repeat(i * 13)}`),
      headers: i % 2 === 0 ? { h1: Buffer.from(`hv-${i}`), "h-2": Buffer.from([0, 1, 2, i]) } : undefined,
      timestamp: String(base + i * 17),
    }));
    const producer = kafkajsClient({ ...info, bootstrap: ep.bootstrap } as ClusterInfo).producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: sent.slice(0, 25) });
    await producer.send({ topic, acks: -1, messages: sent.slice(25) });
    await producer.disconnect();

    const log = rawLog(info, topic);
    t.ok(log.length > 0, `segment files hold ${log.length} bytes`);
    t.notOk(containsBytes(log, secret), "the plaintext is nowhere in the broker's segment files");
    t.ok(containsBytes(log, "kroxylicious.io/encryption"), "records carry the encryption header on disk");

    const direct = await readAll(info, info.bootstrap, topic, sent.length);
    t.equal(direct.length, sent.length, "a direct consumer sees every record");
    t.notOk(direct.some((m) => m.value && m.value.includes(secret)), "a direct consumer sees no plaintext value");

    const through = await readAll(info, ep.bootstrap, topic, sent.length);
    t.equal(through.length, sent.length);
    through.forEach((m, i) => {
      const s = sent[i]!;
      t.equal(m.offset, String(i), `offset ${i}`);
      t.same(m.key, s.key, `key ${i}`);
      t.ok(m.value !== null && m.value.equals(s.value), `value ${i} byte-identical`);
      t.same(m.headers ?? {}, s.headers ?? {}, `headers ${i}`);
      t.equal(m.timestamp, s.timestamp, `timestamp ${i}`);
    });
    t.same(
      direct.map((m) => [m.offset, m.timestamp, m.key?.toString("hex") ?? null]),
      through.map((m) => [m.offset, m.timestamp, m.key?.toString("hex") ?? null]),
      "offsets, timestamps and keys are the same directly and through kseal",
    );
  });
}

async function readAll(info: ClusterInfo, bootstrap: string, topic: string, count: number): Promise<KafkaMessage[]> {
  const consumer = kafkajsClient({ ...info, bootstrap } as ClusterInfo).consumer({ groupId: uniqueTopic("g") });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got: KafkaMessage[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${got.length} of ${count} records within 60 s`)), 60_000);
    consumer.run({
      eachMessage: async ({ message }) => {
        got.push(message);
        if (got.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  return got.sort((a, b) => Number(a.offset) - Number(b.offset));
}
