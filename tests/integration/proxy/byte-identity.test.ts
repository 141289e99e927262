// Transparency at the byte level: a record batch (built by kafkajs's encoder, not ours) produced
// through the proxy is stored exactly like the same batch produced directly, and fetches through
// the proxy return exactly the bytes a direct fetch returns.
import t from "tap";
import { createTopic, kafkaUnavailableReason, uniqueTopic, useCluster } from "../../rig/index.js";
import { kafkajsBatch } from "../../clients/kafkajs-batch.js";
import { RawKafka } from "../../clients/raw-kafka.js";
import { startTestProxy } from "./proxy-harness.js";

function batch(): Promise<Buffer> {
  return kafkajsBatch([0, 1, 2].map((i) => ({ key: Buffer.from(`key-${i}`), value: Buffer.from(`value-${i}-`.repeat(20)), headers: { h: `v${i}` } })));
}

/** Splits the records bytes of a fetch into batches. */
function batches(records: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let p = 0;
  while (p + 12 <= records.length) {
    const len = 12 + records.readInt32BE(p + 8);
    if (p + len > records.length) break;
    out.push(records.subarray(p, p + len));
    p += len;
  }
  return out;
}

/** A batch with the broker-assigned fields (baseOffset, partitionLeaderEpoch) zeroed. */
function normalised(b: Buffer): Buffer {
  const c = Buffer.from(b);
  c.fill(0, 0, 8);
  c.fill(0, 12, 16);
  return c;
}

const unavailable = kafkaUnavailableReason();
if (unavailable) t.plan(0, unavailable);
else {
  t.test("produce and fetch through the proxy are byte-identical to direct", async (t) => {
    const info = await useCluster(t, { brokers: 3 });
    const tp = await startTestProxy(t, info);
    const topic = await createTopic(info, { topic: uniqueTopic("proxy-bytes"), numPartitions: 1 });

    // Metadata through the proxy: learn the leader's proxy port (and its real address directly).
    const viaBoot = await RawKafka.connect(tp.bootstrap);
    t.teardown(() => viaBoot.close());
    const { msg: md } = await viaBoot.request(3, 12, { topics: [{ name: topic }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    const leader = md.topics[0].partitions[0].leaderId as number;
    const topicId = md.topics[0].topicId as string;
    const proxyLeader = md.brokers.find((b: { nodeId: number }) => b.nodeId === leader);
    const realLeader = info.brokers.find((b) => b.nodeId === leader)!;
    t.equal(proxyLeader.host, "127.0.0.1");
    t.equal(proxyLeader.port, tp.proxy.state.nodes.portOf(leader), "leader listed at its proxy port");

    const viaProxy = await RawKafka.connect(`${proxyLeader.host}:${proxyLeader.port}`);
    const direct = await RawKafka.connect(`${realLeader.host}:${realLeader.port}`);
    t.teardown(() => {
      viaProxy.close();
      direct.close();
    });

    const b = await batch();
    const produce = (records: Buffer) => ({ transactionalId: null, acks: -1, timeoutMs: 10_000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
    const p1 = await viaProxy.request(0, 9, produce(b));
    t.equal(p1.msg.responses[0].partitionResponses[0].errorCode, 0, "produce through the proxy");
    t.equal(p1.msg.responses[0].partitionResponses[0].baseOffset, 0n);
    const p2 = await direct.request(0, 9, produce(b));
    t.equal(p2.msg.responses[0].partitionResponses[0].baseOffset, 3n, "produce direct");

    const fetchBody = (v: number) => ({
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ ...(v >= 13 ? { topicId } : { topic }), partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: "",
    });
    const f = await direct.request(1, 12, fetchBody(12));
    const stored = batches(f.msg.responses[0].partitions[0].records);
    t.equal(stored.length, 2, "two batches stored");
    t.ok(normalised(stored[0]!).equals(normalised(stored[1]!)), "batch produced via the proxy is stored byte-identical to the direct one");
    t.ok(normalised(stored[0]!).equals(normalised(b)), "and identical to the bytes the client built");
    t.equal(stored[1]!.readBigInt64BE(0), 3n);

    // The same Fetch request frame on both paths: responses must match byte for byte (v12 is
    // forwarded opaque; v17 is decoded for NodeEndpoints and, unchanged, forwarded as it came).
    for (const v of [12, 17]) {
      const c1 = viaProxy.send(1, v, fetchBody(v));
      const c2 = direct.send(1, v, fetchBody(v));
      const r1 = await viaProxy.nextFrame();
      const r2 = await direct.nextFrame();
      t.equal(r1.readInt32BE(0), c1);
      t.equal(r2.readInt32BE(0), c2);
      t.ok(r1.subarray(4).equals(r2.subarray(4)), `Fetch v${v}: response through the proxy equals the direct one (${r1.length} bytes)`);
    }
  });
}
