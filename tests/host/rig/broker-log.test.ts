// The on-disk view: Kafka's DumpLogSegments and the raw segment bytes agree with what was sent.
import t from "tap";
import { containsBytes, createTopic, dumpLog, kafkaUnavailableReason, kafkajsClient, parseDumpLog, rawLog, useCluster } from "../../rig/index.js";

t.test("parses batch and record lines, with free-text keys and payloads", async (t) => {
  const text = [
    "Dumping /x/00000000000000000000.log",
    "Log starting offset: 0",
    "baseOffset: 0 lastOffset: 1 count: 2 baseSequence: 0 lastSequence: 1 producerId: 7 producerEpoch: 0 partitionLeaderEpoch: 0 isTransactional: false isControl: false deleteHorizonMs: OptionalLong.empty position: 0 CreateTime: 1 size: 120 magic: 2 compresscodec: lz4 crc: 99 isvalid: true",
    "| offset: 0 CreateTime: 1 keySize: 5 valueSize: 11 sequence: 0 headerKeys: [h1,h2] key: a key payload: hello world",
    "| offset: 1 CreateTime: 1 keySize: -1 valueSize: -1 sequence: 1 headerKeys: []",
  ].join("\n");
  const [b] = parseDumpLog(text);
  t.match(b, { baseOffset: 0, lastOffset: 1, count: 2, codec: "lz4", magic: 2, producerId: 7, isValid: true, size: 120 });
  t.same(b!.records, [
    { offset: 0, keySize: 5, valueSize: 11, headerKeys: "[h1,h2]", key: "a key", payload: "hello world" },
    { offset: 1, keySize: -1, valueSize: -1, headerKeys: "[]", key: null, payload: null },
  ]);
});

const noKafka = kafkaUnavailableReason();

t.test("a real broker's log holds what kafkajs sent", { skip: noKafka }, async (t) => {
  const info = await useCluster(t);
  const topic = await createTopic(info);
  const producer = kafkajsClient(info).producer();
  await producer.connect();
  t.teardown(() => producer.disconnect());
  await producer.send({ topic, messages: [{ key: "k1", value: "plain value one" }, { key: "k2", value: null }] });
  await producer.send({ topic, messages: [{ key: "k3", value: "second batch", headers: { h: "v" } }] });

  const batches = await dumpLog(info, topic);
  t.equal(batches.length, 2);
  t.ok(batches.every((b) => b.isValid && b.magic === 2 && b.codec === "none"));
  t.same(batches.map((b) => [b.baseOffset, b.count]), [[0, 2], [2, 1]]);
  t.same(batches.flatMap((b) => b.records.map((r) => [r.offset, r.key, r.payload])), [
    [0, "k1", "plain value one"],
    [1, "k2", null],
    [2, "k3", "second batch"],
  ]);
  t.equal(batches[1]!.records[0]!.headerKeys, "[h]");
  const raw = rawLog(info, topic);
  t.ok(containsBytes(raw, "plain value one"), "the raw segment holds the plaintext");
  t.notOk(containsBytes(raw, "not in the log"));
});
