// Real broker responses (captured by tests/integration/protocol/capture.ts) decode and
// re-encode byte for byte — the codec's conformance check without a running broker.
import t from "tap";
import { decodeResponseHeader, encodeResponseHeader, responseHeaderVersion } from "../../../host/protocol/headers.js";
import { Writer } from "../../../host/protocol/primitives.js";
import { codecFor } from "../../../host/protocol/registry.js";
import { responseFixtures } from "./fixture-data.js";
import { bytesEqual } from "./helpers.js";

const fixtures = responseFixtures();

t.ok(fixtures.length >= 30, `${fixtures.length} captured responses`);
t.ok(new Set(fixtures.map((f) => f.api)).size >= 8, "every codec has captured responses");

for (const f of fixtures) {
  t.test(`${f.file}: ${f.api} v${f.version}${f.note ? ` (${f.note})` : ""}`, async (t) => {
    const codec = codecFor(f.apiKey)!;
    const hv = responseHeaderVersion(f.apiKey, f.version)!;
    const { header, bodyOffset } = decodeResponseHeader(f.response, hv);
    const body = f.response.subarray(bodyOffset);
    const msg = codec.decodeResponse(body, f.decodeVersion);
    const w = new Writer();
    encodeResponseHeader(w, header, hv);
    w.raw(codec.encodeResponse(msg, f.decodeVersion));
    t.ok(bytesEqual(w.finish(), f.response), `decode→encode reproduces all ${f.response.length} bytes`);

    if (f.note?.startsWith("unsupported") || f.note?.startsWith("v0 fallback")) {
      t.equal(msg.errorCode, 35);
      t.equal(msg.bodyVersion, 0);
    } else if (f.note?.startsWith("ClusterId mismatch")) {
      t.equal(msg.errorCode, 129, "REBOOTSTRAP_REQUIRED");
    } else if (f.note?.includes("non-leader")) {
      const p = f.api === "Produce" ? msg.responses[0].partitionResponses[0] : msg.responses[0].partitions[0];
      t.equal(p.errorCode, 6, "NOT_LEADER_OR_FOLLOWER");
      t.ok(p.currentLeader && p.currentLeader.leaderId >= 0, "tagged CurrentLeader decoded");
      t.ok(msg.nodeEndpoints?.some((e: { nodeId: number }) => e.nodeId === p.currentLeader.leaderId), "tagged NodeEndpoints decoded");
    } else if (f.api === "Fetch") {
      const records: Buffer = msg.responses[0].partitions[0].records;
      t.equal(records.readInt8(16), 2, "a magic-2 batch");
      t.equal(records.length, records.readInt32BE(8) + 12, "exactly one whole batch");
    } else if (f.api === "ShareFetch") {
      t.ok(msg.responses[0].partitions[0].records.length > 61, "records present");
      t.ok(msg.responses[0].partitions[0].acquiredRecords.length > 0, "acquired records");
    } else if (f.api === "Metadata" || f.api === "DescribeCluster") {
      t.ok(msg.brokers.length > 0, "brokers listed");
    }
  });
}
