// kafkajs (its own protocol code, Produce v7 / Fetch v11 / Metadata v6) through the proxy only:
// produce and consume on a 3-partition topic in a 3-broker cluster, commit and resume a group.
import { Kafka, logLevel, type Consumer } from "kafkajs";
import t from "tap";
import { kafkaUnavailableReason, uniqueTopic, useCluster } from "../../rig/index.js";
import { checkOnlyProxyAddresses, startTestProxy } from "./proxy-harness.js";

const unavailable = kafkaUnavailableReason();
if (unavailable) t.plan(0, unavailable);
else {
  t.test("kafkajs through the proxy: produce, consume, group commit and resume", async (t) => {
    const info = await useCluster(t, { brokers: 3 });
    const tp = await startTestProxy(t, info);
    const kafka = new Kafka({ clientId: "kseal-kafkajs", brokers: [tp.bootstrap], logLevel: logLevel.NOTHING });
    const topic = uniqueTopic("proxy-kjs");

    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    const leaders = new Set(md.topics[0]!.partitions.map((p) => p.leader));
    t.equal(md.topics[0]!.partitions.length, 3, "3 partitions");
    await admin.disconnect();

    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const first = Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `first-${i}` }));
    await producer.send({ topic, messages: first });

    const group = uniqueTopic("group");
    const consume = async (want: number): Promise<string[]> => {
      const consumer: Consumer = kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 1000 });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const got: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${got.length} of ${want} records within 60 s`)), 60_000);
        consumer
          .run({
            eachMessage: async ({ message }) => {
              got.push(message.value!.toString());
              if (got.length === want) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
      // Disconnect commits the offsets of everything processed.
      await consumer.disconnect();
      return got;
    };

    const run1 = await consume(30);
    t.same(run1.slice().sort(), first.map((m) => m.value).sort(), "first run: all 30 records");

    const second = Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `second-${i}` }));
    await producer.send({ topic, messages: second });
    await producer.disconnect();

    const run2 = await consume(30);
    t.same(run2.slice().sort(), second.map((m) => m.value).sort(), "resumed group: exactly the 30 new records");
    t.notOk(run2.some((v) => v.startsWith("first-")), "no record delivered twice");

    checkOnlyProxyAddresses(t, tp, info, { minNodePortsUsed: leaders.size });
  });
}
