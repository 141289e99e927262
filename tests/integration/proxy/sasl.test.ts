// SASL passes through the proxy untouched: clients authenticate with the broker end to end.
// kafkajs uses SaslHandshake v1 + SaslAuthenticate; the raw client uses SaslHandshake v0, after
// which tokens travel as headerless frames the proxy must forward blindly.
import { Kafka, logLevel } from "kafkajs";
import t from "tap";
import { kafkaUnavailableReason, uniqueTopic, useCluster } from "../../rig/index.js";
import { RawKafka } from "../../clients/raw-kafka.js";
import { startTestProxy } from "./proxy-harness.js";

const unavailable = kafkaUnavailableReason();
if (unavailable) t.plan(0, unavailable);
else {
  t.test("SASL through the proxy", async (t) => {
    const info = await useCluster(t, { brokers: 1, sasl: true });
    const sasl = info.sasl!;
    const tp = await startTestProxy(t, info, { target: sasl.bootstrap });
    const user = sasl.users[0]!;

    for (const mechanism of ["plain", "scram-sha-256", "scram-sha-512"] as const) {
      if (!sasl.mechanisms.includes(mechanism.toUpperCase())) continue;
      const kafka = new Kafka({ clientId: `sasl-${mechanism}`, brokers: [tp.bootstrap], logLevel: logLevel.NOTHING, sasl: { mechanism, username: user.username, password: user.password } as never });
      const topic = uniqueTopic(`proxy-sasl-${mechanism}`);
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      await admin.disconnect();
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, messages: [{ value: `hello-${mechanism}` }] });
      await producer.disconnect();
      const consumer = kafka.consumer({ groupId: uniqueTopic("g") });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const value = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("nothing consumed")), 30_000);
        consumer.run({ eachMessage: async ({ message }) => { clearTimeout(timer); resolve(message.value!.toString()); } }).catch(reject);
      });
      await consumer.disconnect();
      t.equal(value, `hello-${mechanism}`, `${mechanism}: authenticated produce and consume through the proxy`);
    }

    const bad = new Kafka({ clientId: "sasl-bad", brokers: [tp.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 }, sasl: { mechanism: "plain", username: user.username, password: "wrong" } });
    const badAdmin = bad.admin();
    await t.rejects(badAdmin.connect(), /SASL|auth/i, "a wrong password fails authentication at the broker");
    await badAdmin.disconnect().catch(() => {});

    // SaslHandshake v0: then one raw PLAIN token, a raw reply, and Kafka requests again.
    const raw = await RawKafka.connect(tp.bootstrap);
    t.teardown(() => raw.close());
    // SaslHandshake v0 by hand (header v1; body: Mechanism string), reply: ErrorCode, Mechanisms.
    const mech = Buffer.from("PLAIN");
    const hsReq = Buffer.alloc(8 + 2 + 4 + 2);
    hsReq.writeInt16BE(17, 0);
    hsReq.writeInt16BE(0, 2);
    hsReq.writeInt32BE(77, 4);
    hsReq.writeInt16BE(4, 8);
    hsReq.write("test", 10);
    hsReq.writeInt16BE(mech.length, 14);
    raw.sendFrame(Buffer.concat([hsReq, mech]));
    const hs = await raw.nextFrame();
    t.equal(hs.readInt32BE(0), 77, "SaslHandshake v0 answered");
    t.equal(hs.readInt16BE(4), 0, "SaslHandshake v0 accepted");
    raw.sendFrame(Buffer.from(`\0${user.username}\0${user.password}`));
    const reply = await raw.nextFrame();
    t.equal(reply.length, 0, "raw PLAIN reply (empty token) passed back");
    const { msg } = await raw.request(3, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    t.equal(msg.brokers.length, 1, "authenticated Metadata after the raw exchange");
    t.equal(msg.brokers[0].port, tp.proxy.state.nodes.portOf(msg.brokers[0].nodeId), "and its broker address is rewritten");
  });
}
