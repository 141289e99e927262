// KIP-951: a Produce v10+ / Fetch v16+ sent to a broker that is not the leader comes back with
// NOT_LEADER_OR_FOLLOWER plus the leader's NodeEndpoints. Through the proxy those endpoints must
// name the proxy, or clients (Java >= 3.7, librdkafka >= 2.5) would dial the broker directly.
import t from "tap";
import { createTopic, kafkaUnavailableReason, uniqueTopic, useCluster } from "../../rig/index.js";
import { kafkajsBatch } from "../../clients/kafkajs-batch.js";
import { RawKafka } from "../../clients/raw-kafka.js";
import { startTestProxy } from "./proxy-harness.js";

const NOT_LEADER_OR_FOLLOWER = 6;

const unavailable = kafkaUnavailableReason();
if (unavailable) t.plan(0, unavailable);
else {
  t.test("NodeEndpoints in Produce and Fetch error responses name proxy ports", async (t) => {
    const info = await useCluster(t, { brokers: 3 });
    const tp = await startTestProxy(t, info);
    const topic = await createTopic(info, { topic: uniqueTopic("proxy-ne"), numPartitions: 1 });

    const boot = await RawKafka.connect(tp.bootstrap);
    t.teardown(() => boot.close());
    const { msg: md } = await boot.request(3, 12, { topics: [{ name: topic }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    const leader = md.topics[0].partitions[0].leaderId as number;
    const topicId = md.topics[0].topicId as string;
    const other = md.brokers.find((b: { nodeId: number }) => b.nodeId !== leader);
    t.ok(other, "a broker that does not lead the partition");
    const realOther = info.brokers.find((b) => b.nodeId === other.nodeId)!;
    const realLeader = info.brokers.find((b) => b.nodeId === leader)!;

    const viaProxy = await RawKafka.connect(`${other.host}:${other.port}`);
    const direct = await RawKafka.connect(`${realOther.host}:${realOther.port}`);
    t.teardown(() => {
      viaProxy.close();
      direct.close();
    });

    // Produce v10/v11 (names) and v13 (topic ids) to the non-leader.
    const records = await kafkajsBatch([{ key: null, value: Buffer.from("x") }]);
    const produce = (v: number) => ({ transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ ...(v >= 13 ? { topicId } : { name: topic }), partitionData: [{ index: 0, records }] }] });
    for (const v of [10, 11, 13]) {
      const d = await direct.request(0, v, produce(v));
      const p = await viaProxy.request(0, v, produce(v));
      const dp = d.msg.responses[0].partitionResponses[0];
      const pp = p.msg.responses[0].partitionResponses[0];
      t.equal(dp.errorCode, NOT_LEADER_OR_FOLLOWER, `Produce v${v} direct: NOT_LEADER_OR_FOLLOWER`);
      t.equal(pp.errorCode, NOT_LEADER_OR_FOLLOWER, `Produce v${v} via proxy: NOT_LEADER_OR_FOLLOWER`);
      t.same(d.msg.nodeEndpoints.map((e: any) => [e.nodeId, e.host, e.port]), [[leader, realLeader.host, realLeader.port]], `Produce v${v} direct: broker's own leader endpoint`);
      t.same(p.msg.nodeEndpoints.map((e: any) => [e.nodeId, e.host, e.port]), [[leader, "127.0.0.1", tp.proxy.state.nodes.portOf(leader)]], `Produce v${v} via proxy: leader endpoint rewritten to its proxy port`);
      t.equal(pp.currentLeader?.leaderId, leader, "CurrentLeader id kept");
    }

    const fetch = (v: number) => ({
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topicId, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: "",
    });
    for (const v of [16, 17, 18]) {
      const d = await direct.request(1, v, fetch(v));
      const p = await viaProxy.request(1, v, fetch(v));
      const dp = d.msg.responses[0].partitions[0];
      const pp = p.msg.responses[0].partitions[0];
      t.equal(dp.errorCode, pp.errorCode, `Fetch v${v}: same error code (${dp.errorCode}) both ways`);
      const dEps = (d.msg.nodeEndpoints ?? []).map((e: any) => [e.nodeId, e.host, e.port]);
      const pEps = (p.msg.nodeEndpoints ?? []).map((e: any) => [e.nodeId, e.host, e.port]);
      t.equal(pEps.length, dEps.length, `Fetch v${v}: same number of endpoints (${dEps.length})`);
      for (const [id, host, port] of pEps) {
        t.same([host, port], ["127.0.0.1", tp.proxy.state.nodes.portOf(id)], `Fetch v${v}: endpoint of node ${id} rewritten`);
      }
    }
  });
}
