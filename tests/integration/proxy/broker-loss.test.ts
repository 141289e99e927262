// A broker that goes away: the proxy closes the client connections pinned to it, clients move to
// the new leaders through the proxy, and once the broker is back its node port reaches it again.
import { Kafka, logLevel } from "kafkajs";
import t from "tap";
import { kafkaUnavailableReason, uniqueTopic, useOwnCluster } from "../../rig/index.js";
import { RawKafka } from "../../clients/raw-kafka.js";
import { startTestProxy } from "./proxy-harness.js";

const unavailable = kafkaUnavailableReason();
if (unavailable) t.plan(0, unavailable);
else {
  t.test("broker loss and return through the proxy", async (t) => {
    const cluster = await useOwnCluster(t, { brokers: 3 });
    const info = cluster.info;
    const tp = await startTestProxy(t, info);
    const controllers = new Set(info.controllers.map((c) => c.nodeId));
    const victim = info.brokers.map((b) => b.nodeId).filter((id) => !controllers.has(id)).pop()!;
    t.ok(victim !== undefined, `broker ${victim} hosts no controller, so the quorum survives`);

    const kafka = new Kafka({ clientId: "broker-loss", brokers: [tp.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 300 } });
    const topic = uniqueTopic("proxy-loss");
    const admin = kafka.admin();
    await admin.connect();
    // Leader election for a new topic can take seconds on a loaded machine; kafkajs waits 5 s by default.
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true, timeout: 60_000 });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 30 }, (_, i) => ({ value: `before-${i}` })) });

    const port = tp.proxy.state.nodes.portOf(victim)!;
    t.ok(port, `node ${victim} has proxy port ${port}`);
    const pinned = await RawKafka.connect(`127.0.0.1:${port}`);
    const { msg } = await pinned.request(18, 3, { clientSoftwareName: "kseal-test", clientSoftwareVersion: "1" });
    t.equal(msg.errorCode, 0, "connection through the node port works");

    await cluster.stopNode(victim);
    await pinned.whenClosed;
    t.pass(`the client connection pinned to node ${victim} was closed when its broker died`);

    // A fresh producer after each leadership change: kafkajs 2.2.4 silently skips a partition
    // whose leader moved, within one send, to a broker that already answered that send (its
    // sendMessages keys retries by broker) — reproduced without any proxy, so it is avoided here.
    await cluster.waitForRunningBrokers();
    const duringProducer = kafka.producer();
    await duringProducer.connect();
    const during = await duringProducer.send({ topic, acks: -1, messages: Array.from({ length: 30 }, (_, i) => ({ value: `during-${i}` })) });
    await duringProducer.disconnect();
    t.equal(during.length, 3, "the send during the outage covered all 3 partitions");
    t.pass("producer moved to the surviving leaders through the proxy");

    await cluster.startNode(victim);
    const back = await RawKafka.connect(`127.0.0.1:${port}`);
    t.teardown(() => back.close());
    const again = await back.request(18, 3, { clientSoftwareName: "kseal-test", clientSoftwareVersion: "1" });
    t.equal(again.msg.errorCode, 0, `node ${victim} is reachable on the same proxy port after its restart`);
    await producer.disconnect();
    const afterProducer = kafka.producer();
    await afterProducer.connect();
    const after = await afterProducer.send({ topic, acks: -1, messages: Array.from({ length: 30 }, (_, i) => ({ value: `after-${i}` })) });
    t.equal(after.length, 3, "the send after the restart covered all 3 partitions");
    await afterProducer.disconnect();

    const all = ["before", "during", "after"].flatMap((p) => Array.from({ length: 30 }, (_, i) => `${p}-${i}`));
    const consume = async (k: Kafka): Promise<Set<string>> => {
      const consumer = k.consumer({ groupId: uniqueTopic("g") });
      const got = new Set<string>();
      try {
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 45_000);
          consumer.run({ eachMessage: async ({ message }) => { got.add(message.value!.toString()); if (got.size === all.length) { clearTimeout(timer); resolve(); } } }).catch(() => resolve());
        });
      } finally {
        await consumer.disconnect().catch(() => {});
      }
      return got;
    };
    const got = await consume(kafka);
    if (got.size !== all.length) {
      const direct = await consume(new Kafka({ clientId: "direct", brokers: info.bootstrap.split(","), logLevel: logLevel.NOTHING }));
      t.comment(`missing via proxy: ${all.filter((v) => !got.has(v)).join(",")}; direct consumer got ${direct.size}`);
    }
    t.equal(got.size, 90, "every record from before, during and after the outage is there");
  });
}
