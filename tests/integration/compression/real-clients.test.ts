// Compressed batches from real clients (Kafka's Java producer, librdkafka via kcat, kafkajs,
// franz-go), fetched raw from a real broker: kseal decompresses them to the records produced; the
// batches kseal recompresses are accepted by the broker (which decompresses them to validate) and
// read back by every client that decodes the codec.
//
// KSEAL_WRITE_COMPRESSION_FIXTURES=1 also saves the first captured batch of each client and codec
// under tests/fixtures/compression/ (checked by tests/host/compression/fixtures.test.ts).
import fs from "node:fs";
import path from "node:path";
import t from "tap";
import { CODEC, batchCodec, decompressBatch, recompressBatch, type CodecName } from "../../../host/compression/index.js";
import {
  CLIENT_CODECS,
  CLIENT_DECODES,
  CORE_CLIENTS,
  clientUnavailableReason,
  consume,
  createTopic,
  kafkaUnavailableReason,
  kcatLibrdkafkaVersion,
  produce,
  useCluster,
  type ClientName,
  type ClusterInfo,
  type TextRecord,
} from "../../rig/index.js";
import { buildPlainBatch, parsePlainBatch, asProduced } from "../../host/compression/batch-records.js";
import { EDEK, filterWithKey } from "../../host/wasm/support/fixtures.js";
import { fetchBatches, leaderOf, produceBatch } from "./raw-broker.js";

const unavailable = kafkaUnavailableReason();
const CODECS: Exclude<CodecName, "none">[] = ["gzip", "snappy", "lz4", "zstd"];
const FIXTURES = path.resolve(import.meta.dirname, "../../fixtures/compression");

/** Compressible text records (librdkafka sends a batch uncompressed when it would not shrink). */
function records(n: number, tag: string, width = 30): TextRecord[] {
  return Array.from({ length: n }, (_, i) => ({ key: `${tag}-k${i}`, value: `${tag} value ${i} ${"abc".repeat((i % 7) + width / 3)} ü€` }));
}

const FRANZ_MOD = path.resolve(import.meta.dirname, "../../rig/franz-go/go.mod");
const franzVersion = /github\.com\/twmb\/franz-go v(\S+)/.exec(fs.readFileSync(FRANZ_MOD, "utf8"))?.[1] ?? "unknown";
const kafkajsVersion = (JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, "../../../node_modules/kafkajs/package.json"), "utf8")) as { version: string }).version;

function producerName(client: ClientName, info: ClusterInfo, rdk: string): string {
  switch (client) {
    case "java": return `java-kafka-${info.kafkaVersion}`;
    case "kcat": return `kcat-librdkafka-${rdk}`;
    case "kafkajs": return `kafkajs-${kafkajsVersion}`;
    case "franz": return `franz-go-${franzVersion}`;
    default: return client;
  }
}

const text = (r: { key: Buffer | null; value: Buffer | null }): TextRecord => ({ key: r.key?.toString("utf8") ?? "", value: r.value?.toString("utf8") ?? "" });

t.test("real clients' compressed batches", { skip: unavailable }, async (t) => {
  const info = await useCluster(t);
  const rdk = kcatLibrdkafkaVersion() ?? "unknown";
  // The rig's clients: Java, kcat (librdkafka) and kafkajs, and franz-go (kseal-franz) when Go builds it.
  const clients: ClientName[] = [];
  for (const c of CORE_CLIENTS) {
    const reason = await clientUnavailableReason(c);
    if (reason) t.comment(`${c} not covered: ${reason}`);
    else clients.push(c);
  }
  t.comment(`Kafka ${info.kafkaVersion}, librdkafka ${rdk}, kafkajs ${kafkajsVersion}, franz-go ${franzVersion}`);
  const filter = await filterWithKey();
  const clientTarget = { info, bootstrap: info.bootstrap };
  const writes = (c: ClientName, codec: CodecName) => CLIENT_CODECS[c].includes(codec);
  const reads = (c: ClientName, codec: CodecName) => CLIENT_DECODES[c].includes(codec);
  const produceWith = (c: ClientName, topic: string, rs: TextRecord[], codec: CodecName) => produce(c, clientTarget, topic, rs, { codec });
  const consumeWith = (c: ClientName, topic: string, n: number): Promise<TextRecord[]> => consume(c, clientTarget, topic, n);

  for (const codecName of CODECS) {
    const codec = CODEC[codecName];
    await t.test(codecName, async (t) => {
      const target = await createTopic(info, { numPartitions: 1, replicationFactor: 1 });
      const targetConn = await leaderOf(info, target);
      t.teardown(() => targetConn.close());
      const expectedInTarget: TextRecord[] = [];

      for (const client of clients.filter((c) => writes(c, codecName))) {
        const topic = await createTopic(info, { numPartitions: 1, replicationFactor: 1 });
        const sent = records(40, `${client}-${codecName}`);
        await produceWith(client, topic, sent, codecName);
        const conn = await leaderOf(info, topic);
        let batches: Buffer[];
        try {
          batches = await fetchBatches(conn, topic, sent.length);
        } finally {
          conn.close();
        }
        t.ok(batches.length > 0, `${client}: fetched ${batches.length} batch(es)`);
        t.ok(batches.every((b) => batchCodec(b) === codec), `${client}: every stored batch has codec bits ${codec} (${codecName})`);
        const framing = batches[0]!.subarray(61, 69).toString("hex");
        t.comment(`${client} ${codecName}: first batch ${batches[0]!.length} bytes, records section starts ${framing}`);

        const plain = batches.map((b) => decompressBatch(b));
        const got = plain.flatMap((p) => parsePlainBatch(p).map(text));
        t.same(got, sent, `${client}: decompressed records parse and equal the ${sent.length} produced`);
        t.ok(plain.every((p, i) => p.subarray(0, 21).equals(Buffer.concat([batches[i]!.subarray(0, 8), p.subarray(8, 12), batches[i]!.subarray(12, 17), p.subarray(17, 21)])) && p.subarray(23, 61).equals(batches[i]!.subarray(23, 61))),
          `${client}: plain batches keep every header field but batchLength, CRC and codec bits`);

        if (process.env.KSEAL_WRITE_COMPRESSION_FIXTURES === "1") {
          const producer = producerName(client, info, rdk);
          const name = `${producer}-${codecName}`;
          fs.mkdirSync(FIXTURES, { recursive: true });
          fs.writeFileSync(path.join(FIXTURES, `${name}.bin`), batches[0]!);
          const first = parsePlainBatch(plain[0]!).map(text);
          fs.writeFileSync(path.join(FIXTURES, `${name}.json`), JSON.stringify({ producer, codec: codecName, records: first }, null, 2) + "\n");
          t.comment(`saved fixture ${name}`);
        }

        // Re-encode as the proxy would: plain batch -> (filter) -> recompress with the same codec.
        // Producer fields are cleared so the broker does not apply another producer's sequence.
        for (const p of plain) {
          const again = recompressBatch(asProduced(p), codec);
          const res = await produceBatch(targetConn, target, again);
          t.equal(res.errorCode, 0, `${client}: broker accepts kseal's ${codecName} re-encoding of a ${p.readInt32BE(57)}-record batch (${res.errorMessage ?? "ok"})`);
        }
        expectedInTarget.push(...sent);

        // The whole proxy path with the real filter: encrypt, recompress, broker, fetch,
        // decompress, decrypt.
        const encTopic = await createTopic(info, { numPartitions: 1, replicationFactor: 1 });
        const encConn = await leaderOf(info, encTopic);
        try {
          for (const p of plain) {
            const res = await produceBatch(encConn, encTopic, recompressBatch(filter.encryptBatch(asProduced(p), 0), codec));
            t.equal(res.errorCode, 0, `${client}: broker accepts the encrypted batch recompressed with ${codecName} (${res.errorMessage ?? "ok"})`);
          }
          const back = await fetchBatches(encConn, encTopic, sent.length);
          const opened = back.map((b) => {
            t.equal(batchCodec(b), codec, `${client}: encrypted batch stored with ${codecName}`);
            const { batch, failures } = filter.decryptBatch(decompressBatch(b), [[EDEK, 0]]);
            t.same(failures, [], `${client}: encrypted batch from the broker decrypts`);
            return parsePlainBatch(batch!).map(text);
          });
          t.same(opened.flat(), sent, `${client}: decrypted records equal the ${sent.length} produced`);
        } finally {
          encConn.close();
        }
      }

      // A larger batch: several snappy chunks (32 KiB) and lz4 blocks (64 KiB).
      const big = records(700, `kseal-${codecName}`, 240);
      const bigPlain = buildPlainBatch(big.map((r) => ({ key: Buffer.from(r.key), value: Buffer.from(r.value) })), BigInt(Date.now()));
      const bigPacked = recompressBatch(bigPlain, codec);
      t.comment(`kseal ${codecName}: ${bigPlain.length} plain bytes -> ${bigPacked.length}`);
      const res = await produceBatch(targetConn, target, bigPacked);
      t.equal(res.errorCode, 0, `broker accepts kseal's ${codecName} batch of ${big.length} records (${res.errorMessage ?? "ok"})`);
      expectedInTarget.push(...big);

      const stored = await fetchBatches(targetConn, target, expectedInTarget.length);
      t.ok(stored.every((b) => batchCodec(b) === codec), `target topic: the broker kept ${codecName} on every batch`);
      t.ok(stored[stored.length - 1]!.subarray(16).equals(bigPacked.subarray(16)), "target topic: the broker stored kseal's compressed bytes as sent");

      for (const reader of clients.filter((c) => reads(c, codecName))) {
        const read = await consumeWith(reader, target, expectedInTarget.length);
        t.same(read, expectedInTarget, `${reader} consumer reads all ${expectedInTarget.length} records of kseal's ${codecName} batches`);
      }
    });
  }
});
