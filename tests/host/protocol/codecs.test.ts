import t from "tap";
import { API_KEYS } from "../../../host/protocol/api-keys.js";
import { apiVersionsCodec } from "../../../host/protocol/messages/api-versions.js";
import { CODECS, codecFor } from "../../../host/protocol/registry.js";
import { bytesEqual, countUnknownTags, subsetMismatch } from "./helpers.js";
import { SAMPLES } from "./samples.js";

t.test("registry covers the codecs with the 4.4 flexible-from versions", async (t) => {
  for (const c of CODECS) {
    t.equal(codecFor(c.apiKey), c);
    t.equal(API_KEYS.get(c.apiKey)?.flexibleFrom, c.flexibleFrom, `${c.name} flexibleFrom`);
    t.equal(API_KEYS.get(c.apiKey)?.maxVersion, c.maxVersion, `${c.name} max = Kafka 4.4 max`);
  }
  t.equal(codecFor(2), undefined, "ListOffsets is forwarded opaque");
});

for (const codec of CODECS) {
  t.test(`${codec.name} round-trips hand-built messages at every version`, async (t) => {
    const sample = SAMPLES[codec.name]!;
    for (let v = codec.minVersion; v <= codec.maxVersion; v++) {
      const flexible = v >= codec.flexibleFrom;
      for (const kind of ["request", "response"] as const) {
        const source = sample[kind];
        const encode = kind === "request" ? codec.encodeRequest : codec.encodeResponse;
        const decode = kind === "request" ? codec.decodeRequest : codec.decodeResponse;
        const bytes = encode.call(codec, source, v);
        const decoded = decode.call(codec, bytes, v);
        t.equal(subsetMismatch(decoded, source), undefined, `${kind} v${v}: decoded fields equal the source`);
        const again = encode.call(codec, decoded, v);
        t.ok(bytesEqual(again, bytes), `${kind} v${v}: re-encode is byte-identical`);
        const unknown = countUnknownTags(decoded);
        if (flexible) t.ok(unknown > 0, `${kind} v${v}: unknown tagged fields kept (${unknown})`);
        else t.equal(unknown, 0, `${kind} v${v}: no tagged fields in a non-flexible version`);
        if (v === codec.maxVersion && codec.name !== "FindCoordinator") {
          t.equal(unknown, countUnknownTags(source), `${kind} v${v}: every unknown tagged field at every level survives`);
        }
      }
    }
    t.throws(() => codec.decodeRequest(Buffer.alloc(0), codec.maxVersion + 1), { code: "UNSUPPORTED_VERSION" });
    t.throws(() => codec.encodeResponse(sample.response, codec.minVersion - 1), { code: "UNSUPPORTED_VERSION" });
  });
}

// Byte layouts written out by hand from the field lists (independent of the engine).
t.test("known byte layouts", async (t) => {
  const M = codecFor(3)!;
  t.equal(M.encodeRequest({ topics: [{ name: "a" }] }, 0).toString("hex"), "00000001" + "000161");
  t.equal(M.encodeRequest({ topics: null }, 1).toString("hex"), "ffffffff");
  t.equal(M.encodeRequest({ topics: [] }, 1).toString("hex"), "00000000");
  t.equal(
    M.encodeRequest({ topics: null, allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false }, 9).toString("hex"),
    "00" + "01" + "00" + "00" + "00",
  );
  t.equal(
    M.encodeRequest({ topics: [{ topicId: "0".repeat(32), name: null }] }, 12).toString("hex"),
    "02" + "00".repeat(16) + "00" + "00" + "01" + "00" + "00",
  );
  const A = codecFor(18)!;
  t.equal(A.encodeRequest({}, 0).length, 0);
  t.equal(
    A.encodeRequest({ clientSoftwareName: "kseal", clientSoftwareVersion: "1" }, 3).toString("hex"),
    "06" + Buffer.from("kseal").toString("hex") + "0231" + "00",
  );
  t.equal(
    A.encodeRequest({ clientSoftwareName: "k", clientSoftwareVersion: "1" }, 5).toString("hex"),
    "026b" + "0231" + "00" + "ffffffff" + "00",
    "v5 defaults: ClusterId null, NodeId -1",
  );
  const F = codecFor(10)!;
  t.equal(F.encodeRequest({ keyType: 0, coordinatorKeys: ["g"] }, 4).toString("hex"), "00" + "02" + "0267" + "00");
  t.equal(F.encodeRequest({ key: "g" }, 0).toString("hex"), "000167");
  const P = codecFor(0)!;
  t.equal(
    P.encodeRequest({ transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: "t", partitionData: [{ index: 0, records: null }] }] }, 3).toString("hex"),
    "ffff" + "0001" + "000003e8" + "00000001" + "000174" + "00000001" + "00000000" + "ffffffff",
  );
  t.equal(
    P.encodeRequest({ transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ topicId: "11".repeat(16), partitionData: [{ index: 0, records: Buffer.from("ab") }] }] }, 13).toString("hex"),
    "00" + "0001" + "000003e8" + "02" + "11".repeat(16) + "02" + "00000000" + "03" + "6162" + "00" + "00" + "00",
  );
  const Fe = codecFor(1)!;
  // Fetch v12 response: a tagged CurrentLeader inside a partition.
  const body = Fe.encodeResponse(
    {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: [
        {
          topic: "t",
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 6,
              highWatermark: 0n,
              lastStableOffset: 0n,
              logStartOffset: 0n,
              currentLeader: { leaderId: 2, leaderEpoch: 1 },
              abortedTransactions: null,
              preferredReadReplica: -1,
              records: null,
            },
          ],
        },
      ],
    },
    12,
  );
  t.equal(
    body.toString("hex"),
    "00000000" + "0000" + "00000000" + "02" + "0274" + "02" +
      "00000000" + "0006" + "00".repeat(8) + "00".repeat(8) + "00".repeat(8) + "00" + "ffffffff" + "00" +
      "01" + "01" + "09" + "00000002" + "00000001" + "00" +
      "00" + "00",
  );
});

t.test("ApiVersions v0 fallback (KIP-511)", async (t) => {
  // What a broker sends for an ApiVersions version it does not support: v0 layout, error 35,
  // only its own ApiVersions range.
  const v0 = Buffer.from("0023" + "00000001" + "0012" + "0000" + "0004", "hex");
  for (const v of [1, 3, 5]) {
    const msg = apiVersionsCodec.decodeResponse(v0, v);
    t.equal(msg.errorCode, 35, `requested v${v}`);
    t.equal(msg.bodyVersion, 0);
    t.same(msg.apiKeys, [{ apiKey: 18, minVersion: 0, maxVersion: 4 }]);
    t.ok(bytesEqual(apiVersionsCodec.encodeResponse(msg, v), v0), "re-encoded in the v0 layout");
  }
  const above = apiVersionsCodec.decodeResponse(v0, 9);
  t.equal(above.bodyVersion, 0, "a version above the codec's max accepts the v0 error body");
  t.throws(() => apiVersionsCodec.decodeResponse(Buffer.from("0000", "hex"), 9), { code: "UNSUPPORTED_VERSION" });
  t.throws(() => apiVersionsCodec.decodeResponse(Buffer.from("00", "hex"), 3), { code: "FRAME_MALFORMED" });
});

t.test("encode refuses values the wire cannot carry", async (t) => {
  const M = codecFor(3)!;
  t.throws(() => M.encodeRequest({ topics: null }, 0), { code: "MESSAGE_UNENCODABLE" }, "null topics in v0");
  t.throws(() => M.encodeRequest({ topics: [{ name: null }] }, 9), { code: "MESSAGE_UNENCODABLE" }, "null name before v10");
  t.throws(() => M.encodeRequest({ topics: "x" }, 9), { code: "MESSAGE_UNENCODABLE" });
  t.throws(
    () => M.encodeRequest({ topics: [], unknownTaggedFields: [{ tag: 1, data: Buffer.alloc(0) }, { tag: 1, data: Buffer.alloc(0) }] }, 9),
    { code: "MESSAGE_UNENCODABLE" },
  );
  const Fe = codecFor(1)!;
  t.throws(
    () => Fe.encodeRequest({ ...SAMPLES.Fetch!.request, unknownTaggedFields: [{ tag: 0, data: Buffer.alloc(1) }] }, 12),
    { code: "MESSAGE_UNENCODABLE" },
    "an unknown field may not reuse a known tag",
  );
});
