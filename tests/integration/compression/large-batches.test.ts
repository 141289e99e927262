// Large compressed batches from real clients: Kafka's Java producer (ProducerPerformance with
// batch.size 1 MB) and librdkafka (kcat) fill batches of hundreds of KiB, so the multi-chunk
// xerial snappy, multi-block lz4 frames and multi-block zstd frames they write are read, not
// just single-chunk ones. Every batch must decompress and parse to the records sent, and
// recompress to bytes the broker accepts.
import t from "tap";
import { CODEC, batchCodec, decompressBatch, recompressBatch, type CodecName } from "../../../host/compression/index.js";
import { createTopic, kafkaUnavailableReason, kcatPath, producerPerf, runKcat, useCluster } from "../../rig/index.js";
import { parsePlainBatch, asProduced } from "../../host/compression/batch-records.js";
import { fetchBatches, leaderOf, produceBatch } from "./raw-broker.js";

const unavailable = kafkaUnavailableReason();
const CODECS: Exclude<CodecName, "none">[] = ["gzip", "snappy", "lz4", "zstd"];
const RECORDS = 2500;
const SIZE = 400;

t.test("large batches from real clients", { skip: unavailable }, async (t) => {
  const info = await useCluster(t);
  for (const codecName of CODECS) {
    const codec = CODEC[codecName];
    for (const client of kcatPath() ? ["java", "kcat"] : ["java"]) {
      await t.test(`${client} ${codecName}`, async (t) => {
        const topic = await createTopic(info, { numPartitions: 1, replicationFactor: 1 });
        const values = Array.from({ length: RECORDS }, (_, i) => `${client}-${codecName}-${String(i).padStart(6, "0")}-${"kafka compression ".repeat(30)}`.slice(0, SIZE));
        if (client === "java") {
          // ProducerPerformance writes random A-Z payloads of exactly SIZE bytes.
          await producerPerf({ info, bootstrap: info.bootstrap }, topic, {
            records: RECORDS, recordSize: SIZE,
            props: { "compression.type": codecName, "batch.size": "1000000", "linger.ms": "1000", "max.request.size": "2000000" },
          });
        } else {
          const res = await runKcat(
            ["-b", info.bootstrap, "-P", "-t", topic, "-p", "0", "-z", codecName, "-X", "linger.ms=1000", "-X", "batch.size=1000000", "-X", "batch.num.messages=100000"],
            { input: values.join("\n") + "\n", timeoutMs: 60_000 },
          );
          if (res.code !== 0) throw new Error(`kcat: ${res.stderr.slice(-500)}`);
        }
        const conn = await leaderOf(info, topic);
        t.teardown(() => conn.close());
        const batches = await fetchBatches(conn, topic, RECORDS);
        const largest = Math.max(...batches.map((b) => b.length));
        t.ok(batches.every((b) => batchCodec(b) === codec), `${batches.length} batches, all ${codecName}, largest ${largest} bytes compressed`);
        const plain = batches.map((b) => decompressBatch(b));
        t.comment(`largest plain batch ${Math.max(...plain.map((p) => p.length))} bytes`);
        const got = plain.flatMap((p) => parsePlainBatch(p).map((r) => r.value?.toString("latin1") ?? ""));
        t.equal(got.length, RECORDS, `${RECORDS} records parsed`);
        if (client === "java") t.ok(got.every((v) => v.length === SIZE && /^[A-Z]+$/.test(v)), `every value is ${SIZE} random letters`);
        else t.same(got, values, "values as sent, in order");
        t.ok(plain.some((p) => p.length > 128 * 1024), "at least one batch larger than 128 KiB plain (several chunks/blocks)");
        for (const p of plain) {
          const res = await produceBatch(conn, topic, recompressBatch(asProduced(p), codec));
          t.equal(res.errorCode, 0, `broker accepts the ${p.length}-byte batch recompressed (${res.errorMessage ?? "ok"})`);
        }
      });
    }
  }
});
