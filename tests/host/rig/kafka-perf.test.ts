import t from "tap";
import {
  consumerPerf,
  createTopic,
  kafkaUnavailableReason,
  parseConsumerPerf,
  parseProducerPerf,
  producerPerf,
  useCluster,
} from "../../rig/index.js";

t.test("parses the tools' summaries", async (t) => {
  const p = parseProducerPerf(
    "noise\n20000 records sent, 16000.000000 records/sec (3.05 MB/sec), 281.96 ms avg latency, 555.00 ms max latency, 296 ms 50th, 529 ms 95th, 553 ms 99th, 555 ms 99.9th.\n",
  );
  t.same(p, { records: 20000, recordsPerSec: 16000, mbPerSec: 3.05, avgLatencyMs: 281.96, maxLatencyMs: 555, p50Ms: 296, p95Ms: 529, p99Ms: 553 });
  const c = parseConsumerPerf(
    "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec\n" +
      "2026-11-30 08:03:31:496, 2026-11-30 08:03:32:622, 3.8147, 3.3878, 20000, 17761.9893, 904, 222, 17.1833, 90090.0901\n",
  );
  t.same(c, { mb: 3.8147, mbPerSec: 3.3878, records: 20000, recordsPerSec: 17761.9893, rebalanceMs: 904, fetchMs: 222 });
  t.throws(() => parseProducerPerf("nothing"), /no ProducerPerformance summary/);
  t.throws(() => parseConsumerPerf("nothing"), /no ConsumerPerformance summary/);
});

const noKafka = kafkaUnavailableReason();
t.test("producer and consumer perf run against a real cluster", { skip: noKafka }, async (t) => {
  const info = await useCluster(t);
  const topic = await createTopic(info, { numPartitions: 2 });
  const target = { info, bootstrap: info.bootstrap };
  const p = await producerPerf(target, topic, { records: 5000, recordSize: 100 });
  t.equal(p.records, 5000);
  t.ok(p.recordsPerSec > 0);
  const c = await consumerPerf(target, topic, { records: 5000 });
  t.equal(c.records, 5000);
  t.ok(c.mb > 0.4);
});
