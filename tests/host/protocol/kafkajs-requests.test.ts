// Request bodies encoded by kafkajs 2.2.4 (an independent implementation) decode with our codecs
// and re-encode byte-identically; and our encoding of the decoded message equals kafkajs's.
import t, { type Test } from "tap";
import { createRequire } from "node:module";
import { codecFor } from "../../../host/protocol/registry.js";
import { bytesEqual } from "./helpers.js";

const require = createRequire(import.meta.url);
type KjsRequest = { apiKey: number; apiVersion: number; encode: () => Promise<{ buffer: Buffer }> };
const kjs = (path: string): ((args: object) => KjsRequest) => require(`kafkajs/src/protocol/requests/${path}/request.js`);

async function check(t: Test, path: string, args: object, inspect?: (msg: any) => void): Promise<void> {
  const req = kjs(path)(args);
  const body = (await req.encode()).buffer;
  const codec = codecFor(req.apiKey)!;
  const msg = codec.decodeRequest(body, req.apiVersion);
  t.ok(bytesEqual(codec.encodeRequest(msg, req.apiVersion), body), `${path}: byte-identical (${body.length} bytes)`);
  inspect?.(msg);
}

t.test("Metadata v0-6", async (t) => {
  for (let v = 0; v <= 6; v++) {
    await check(t, `metadata/v${v}`, { topics: ["orders", "payments"], allowAutoTopicCreation: false }, (m) =>
      t.same(m.topics.map((x: { name: string }) => x.name), ["orders", "payments"]),
    );
  }
});

t.test("ApiVersions v0-2, FindCoordinator v0-2", async (t) => {
  for (let v = 0; v <= 2; v++) await check(t, `apiVersions/v${v}`, {});
  await check(t, "findCoordinator/v0", { groupId: "g1" }, (m) => t.equal(m.key, "g1"));
  for (const v of [1, 2])
    await check(t, `findCoordinator/v${v}`, { coordinatorKey: "tx", coordinatorType: 1 }, (m) => {
      t.equal(m.key, "tx");
      t.equal(m.keyType, 1);
    });
});

t.test("Fetch v4-11", async (t) => {
  for (let v = 4; v <= 11; v++) {
    await check(
      t,
      `fetch/v${v}`,
      {
        replicaId: -1,
        maxWaitTime: 100,
        minBytes: 1,
        maxBytes: 1000,
        isolationLevel: 1,
        sessionId: 0,
        sessionEpoch: -1,
        forgottenTopics: [],
        rackId: "r",
        topics: [{ topic: "orders", partitions: [{ partition: 3, fetchOffset: "42", logStartOffset: "-1", maxBytes: 500 }] }],
      },
      (m) => {
        t.equal(m.topics[0].topic, "orders");
        t.equal(m.topics[0].partitions[0].fetchOffset, 42n);
        t.equal(m.topics[0].partitions[0].partitionMaxBytes, 500);
      },
    );
  }
});

t.test("Produce v3-7 with kafkajs-built record batches", async (t) => {
  for (let v = 3; v <= 7; v++) {
    await check(
      t,
      `produce/v${v}`,
      {
        acks: -1,
        timeout: 1000,
        topicData: [{ topic: "orders", partitions: [{ partition: 0, messages: [{ key: "k", value: "v1" }, { value: "v2" }] }] }],
      },
      (m) => {
        const records: Buffer = m.topicData[0].partitionData[0].records;
        t.equal(records.readInt8(16), 2, "magic 2 batch");
        t.equal(records.readInt32BE(8), records.length - 12, "batchLength");
        t.equal(records.readInt32BE(57), 2, "2 records");
      },
    );
  }
});
