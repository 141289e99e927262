// Broker-backed conformance: every codec, every version the broker serves, against real Kafka.
import t from "tap";
import { createTopic, kafkaUnavailableReason, uniqueTopic, useCluster } from "../../rig/index.js";
import { runConformance } from "./conformance.js";

const unavailable = kafkaUnavailableReason();

t.test("codecs against a real broker", { skip: unavailable }, async (t) => {
  const info = await useCluster(t);
  const topic = await createTopic(info, { topic: uniqueTopic("conformance"), numPartitions: 1, replicationFactor: 1 });
  t.comment(`Kafka ${info.kafkaVersion}, cluster ${info.clusterId}, ${info.brokers.length} broker(s), topic ${topic}`);
  const result = await runConformance(info, topic, {
    ok: (v, m) => void t.ok(v, m),
    equal: (a, b, m) => void t.equal(a, b, m),
    comment: (m) => t.comment(m),
  });
  for (const [api, versions] of Object.entries(result.covered)) {
    t.comment(`${api}: v${[...new Set(versions)].sort((a, b) => a - b).join(",")}`);
  }
  for (const s of result.skipped) t.comment(`not exercised: ${s}`);
  t.ok(result.covered.Produce?.length, "Produce exercised");
  t.ok(result.covered.Fetch?.length, "Fetch exercised");
});
