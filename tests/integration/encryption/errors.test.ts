// Failure paths against a real broker, checked at the protocol level: a KMS that is down fails
// produce partitions of encrypted topics with a retriable code and writes nothing (other
// partitions of the request still go through, acks=0 sends nothing back); an unknown topic id
// fails closed; a batch that encryption grows past the topic's max.message.bytes gets
// MESSAGE_TOO_LARGE; a KEK the KMS does not know gets RESOURCE_NOT_FOUND on fetch, never
// ciphertext.
import t from "tap";
import { createTopic, kafkaUnavailableReason, runKafkaTool, segmentFiles, uniqueTopic, useCluster } from "../../rig/index.js";
import { statSync } from "node:fs";
import { RawKafka } from "../../clients/raw-kafka.js";
import { buildBatch } from "../protocol/record-batch.js";
import { KsealError } from "../../../host/errors.js";
import type { DekPair, Kms } from "../../../host/kms/kms.js";
import { LocalKms } from "../../../host/kms/local/local-kms.js";
import { startEncryptingProxy, tempKeyFile, type EncryptingProxy } from "./encryption-harness.js";

/** The local KMS behind a switch: while `down`, every call fails as an unreachable KMS would. */
class SwitchableKms implements Kms {
  readonly name = "switchable";
  down = false;
  constructor(private readonly inner: Kms) {}
  private check(): void {
    if (this.down) throw new KsealError("KMS_UNAVAILABLE", "test switch: KMS down");
  }
  async resolveAlias(alias: string): Promise<string> { this.check(); return this.inner.resolveAlias(alias); }
  async generateDek(kekId: string): Promise<DekPair> { this.check(); return this.inner.generateDek(kekId); }
  async decryptEdek(edek: Buffer): Promise<Buffer> { this.check(); return this.inner.decryptEdek(edek); }
  close(): Promise<void> { return this.inner.close(); }
}

const batchOf = (...values: string[]) =>
  buildBatch(values.map((v, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(v) })), BigInt(Date.now()));

/** A raw connection to the proxy port of the partition leader of `topic`. */
async function leaderConnection(ep: EncryptingProxy, topic: string): Promise<RawKafka> {
  const boot = await RawKafka.connect(ep.bootstrap);
  try {
    const { msg } = await boot.request(3, 12, { topics: [{ name: topic }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    const leader = msg.topics[0].partitions[0].leaderId as number;
    const port = ep.proxy.state.nodes.portOf(leader);
    if (port === undefined) throw new Error(`no proxy port for node ${leader}`);
    return await RawKafka.connect(`127.0.0.1:${port}`);
  } finally {
    boot.close();
  }
}

function logBytes(info: Parameters<typeof segmentFiles>[0], topic: string): number {
  return segmentFiles(info, topic).reduce((n, f) => n + statSync(f).size, 0);
}

const produceV9 = (acks: number, topics: { name: string; records: Buffer }[]) => ({
  transactionalId: null, acks, timeoutMs: 30_000,
  topicData: topics.map((x) => ({ name: x.name, partitionData: [{ index: 0, records: x.records }] })),
});

const unavailable = kafkaUnavailableReason();
if (unavailable) t.plan(0, unavailable);
else {
  t.test("KMS down on produce: retriable error, nothing written, other partitions go through", async (t) => {
    const info = await useCluster(t);
    const kms = new SwitchableKms(await LocalKms.open({ path: tempKeyFile(t) }));
    const ep = await startEncryptingProxy(t, info, { kms, encryption: { rules: [{ prefix: "clear-", clear: true }] } });
    const enc = await createTopic(info, { topic: uniqueTopic("enc-kms-down"), numPartitions: 1 });
    const clear = await createTopic(info, { topic: uniqueTopic("clear-kms-down"), numPartitions: 1 });
    const conn = await leaderConnection(ep, enc);
    t.teardown(() => conn.close());
    const clearConn = clear === enc ? conn : await leaderConnection(ep, clear);
    t.teardown(() => clearConn.close());

    kms.down = true;
    const { msg } = await conn.request(0, 9, produceV9(-1, [{ name: enc, records: batchOf("kms-down-secret") }]));
    const p = msg.responses[0].partitionResponses[0];
    t.equal(p.errorCode, 56, "KAFKA_STORAGE_ERROR (retriable) for the encrypted topic");
    t.match(p.errorMessage, /KMS unavailable/, "error message says why");
    t.equal(logBytes(info, enc), 0, "nothing written to the encrypted topic");

    // One request, two topics: the clear one is written, the encrypted one answered locally.
    const both = await clearConn.request(0, 9, produceV9(-1, [{ name: enc, records: batchOf("kms-down-2") }, { name: clear, records: batchOf("clear-ok") }]));
    const codes = Object.fromEntries(both.msg.responses.map((r: any) => [r.name, r.partitionResponses[0].errorCode]));
    t.equal(codes[enc], 56, "encrypted topic: KAFKA_STORAGE_ERROR");
    // 6 (NOT_LEADER) when the two topics' leaders differ: forwarded all the same.
    t.ok(codes[clear] === 0 || codes[clear] === 6, `clear topic forwarded to the broker (${codes[clear]})`);
    t.equal(logBytes(info, enc), 0, "still nothing written to the encrypted topic");

    // acks=0: no response, nothing written, and the connection stays in step.
    conn.send(0, 9, produceV9(0, [{ name: enc, records: batchOf("kms-down-acks0") }]));
    // Requests are handled in order: once this answer is back, the acks=0 produce was handled.
    await conn.request(3, 12, { topics: [{ name: enc }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    t.equal(logBytes(info, enc), 0, "acks=0 while the KMS is down: nothing written");
    kms.down = false;
    const ok = await conn.request(0, 9, produceV9(-1, [{ name: enc, records: batchOf("kms-back") }]));
    t.equal(ok.msg.responses[0].partitionResponses[0].errorCode, 0, "KMS back: produce succeeds on the same connection");
    t.equal(ok.msg.responses[0].partitionResponses[0].baseOffset, 0n, "first record written is the one after the outage (offset 0)");
  });

  t.test("unknown topic id on Produce v13 fails closed", async (t) => {
    const info = await useCluster(t);
    const ep = await startEncryptingProxy(t, info);
    const other = await createTopic(info, { topic: uniqueTopic("enc-other"), numPartitions: 1 });
    const topic = await createTopic(info, { topic: uniqueTopic("enc-v13"), numPartitions: 1 });
    // The topic's id, straight from the broker (the proxy has not seen it).
    const direct = await RawKafka.connect(info.bootstrap);
    const { msg: meta } = await direct.request(3, 12, { topics: [{ name: topic }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    direct.close();
    const topicId = meta.topics[0].topicId as string;
    const conn = await leaderConnection(ep, other);
    t.teardown(() => conn.close());
    t.equal(ep.proxy.state.topics.nameOf(topicId), undefined, "the proxy has not seen the topic id");
    const { msg } = await conn.request(0, 13, {
      transactionalId: null, acks: -1, timeoutMs: 30_000,
      topicData: [{ topicId, partitionData: [{ index: 0, records: batchOf("v13-secret") }] }],
    });
    t.equal(msg.responses[0].partitionResponses[0].errorCode, 100, "UNKNOWN_TOPIC_ID");
    t.equal(logBytes(info, topic), 0, "nothing written");
  });

  t.test("a batch that encryption grows past max.message.bytes gets MESSAGE_TOO_LARGE", async (t) => {
    const info = await useCluster(t);
    const ep = await startEncryptingProxy(t, info);
    const topic = await createTopic(info, { topic: uniqueTopic("enc-too-large"), numPartitions: 1, configs: { "max.message.bytes": "1200" } });
    const conn = await leaderConnection(ep, topic);
    t.teardown(() => conn.close());
    const batch = batchOf("v".repeat(1050));
    t.ok(batch.length < 1200, `plain batch of ${batch.length} bytes fits the limit`);
    const { msg } = await conn.request(0, 9, produceV9(-1, [{ name: topic, records: batch }]));
    t.equal(msg.responses[0].partitionResponses[0].errorCode, 10, "MESSAGE_TOO_LARGE");
    t.equal(logBytes(info, topic), 0, "nothing written");
  });

  t.test("KEK unknown to the KMS on fetch: RESOURCE_NOT_FOUND, never ciphertext", async (t) => {
    const info = await useCluster(t);
    const writer = await startEncryptingProxy(t, info);
    const topic = await createTopic(info, { topic: uniqueTopic("enc-unknown-kek"), numPartitions: 1 });
    const w = await leaderConnection(writer, topic);
    const produced = await w.request(0, 9, produceV9(-1, [{ name: topic, records: batchOf("unknown-kek-1", "unknown-kek-2") }]));
    t.equal(produced.msg.responses[0].partitionResponses[0].errorCode, 0, "produced through the first proxy");
    w.close();

    // Another proxy with a key file of its own does not know the KEK.
    const reader = await startEncryptingProxy(t, info);
    const r = await leaderConnection(reader, topic);
    t.teardown(() => r.close());
    const fetch = {
      replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: "",
    };
    const { msg } = await r.request(1, 12, fetch);
    const p = msg.responses[0].partitions[0];
    t.equal(p.errorCode, 91, "RESOURCE_NOT_FOUND");
    t.equal(p.records?.length ?? 0, 0, "no records handed out");

    // The first proxy still reads them.
    const again = await leaderConnection(writer, topic);
    t.teardown(() => again.close());
    const ok = await again.request(1, 12, fetch);
    const q = ok.msg.responses[0].partitions[0];
    t.equal(q.errorCode, 0);
    t.ok(q.records && q.records.includes(Buffer.from("unknown-kek-2")), "the writer's proxy decrypts");

    // A Java consumer through the proxy that lacks the KEK fails fast instead of waiting out its timeout.
    const started = Date.now();
    const java = await runKafkaTool(info, "console-consumer", [
      "--bootstrap-server", reader.bootstrap, "--topic", topic, "--from-beginning", "--max-messages", "2", "--timeout-ms", "60000",
    ], { timeoutMs: 120_000 });
    // KafkaConsumer.poll throws IllegalStateException("Unexpected error code 91 ..."); the console
    // consumer prints it and stops (its exit code stays 0).
    t.match(java.stderr, /error code 91|RESOURCE_NOT_FOUND|ResourceNotFound/i, `it names the error: ${java.stderr.split("\n").find((l) => /91|resource/i.test(l)) ?? java.stderr.slice(-300)}`);
    t.notOk(java.stdout.includes("unknown-kek"), "and printed no records");
    t.ok(Date.now() - started < 50_000, `within ${Date.now() - started} ms, not at its 60 s timeout`);
  });
}
