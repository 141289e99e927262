import t from "tap";
import { API_KEYS } from "../../../host/protocol/api-keys.js";
import {
  decodeRequestHeader,
  decodeResponseHeader,
  encodeRequestFrame,
  encodeRequestHeader,
  encodeResponseHeader,
  peekRequestHeader,
  requestHeaderVersion,
  responseHeaderVersion,
} from "../../../host/protocol/headers.js";
import { Writer } from "../../../host/protocol/primitives.js";

t.test("header version rules", async (t) => {
  const cases: Array<[string, number, number, 1 | 2, 0 | 1]> = [
    ["Produce", 0, 8, 1, 0],
    ["Produce", 0, 9, 2, 1],
    ["Fetch", 1, 11, 1, 0],
    ["Fetch", 1, 12, 2, 1],
    ["Metadata", 3, 8, 1, 0],
    ["Metadata", 3, 9, 2, 1],
    ["FindCoordinator", 10, 2, 1, 0],
    ["FindCoordinator", 10, 3, 2, 1],
    ["ApiVersions", 18, 2, 1, 0],
    ["ApiVersions", 18, 3, 2, 0],
    ["ApiVersions", 18, 5, 2, 0],
    ["SaslHandshake", 17, 1, 1, 0],
    ["OffsetDelete", 47, 0, 1, 0],
    ["DescribeCluster", 60, 0, 2, 1],
    ["ShareFetch", 78, 1, 2, 1],
    ["WriteTxnMarkers", 27, 1, 2, 1],
  ];
  for (const [name, key, v, req, res] of cases) {
    t.equal(requestHeaderVersion(key, v), req, `${name} v${v} request header`);
    t.equal(responseHeaderVersion(key, v), res, `${name} v${v} response header`);
  }
  t.equal(requestHeaderVersion(4, 0), undefined, "LeaderAndIsr is gone");
  t.equal(responseHeaderVersion(999, 0), undefined, "unknown key");
  // Every 4.x key 0-94 except the ZooKeeper-only 4-7 is in the table.
  for (let k = 0; k <= 94; k++) t.equal(API_KEYS.has(k), k < 4 || k > 7, `key ${k}`);
});

t.test("request header v1/v2 bytes", async (t) => {
  const w = new Writer();
  encodeRequestHeader(w, { apiKey: 18, apiVersion: 3, correlationId: 1, clientId: "abc" });
  t.equal(w.finish().toString("hex"), "0012" + "0003" + "00000001" + "0003616263" + "00");
  const w1 = new Writer();
  encodeRequestHeader(w1, { apiKey: 3, apiVersion: 1, correlationId: -2, clientId: null });
  t.equal(w1.finish().toString("hex"), "0003" + "0001" + "fffffffe" + "ffff");

  const tagged = { tag: 7, data: Buffer.from("xyz") };
  const frame = encodeRequestFrame(
    { apiKey: 1, apiVersion: 18, correlationId: 99, clientId: "c", unknownTaggedFields: [tagged] },
    Buffer.from("body"),
  );
  const d = decodeRequestHeader(frame);
  t.same(d.header, { apiKey: 1, apiVersion: 18, correlationId: 99, clientId: "c", unknownTaggedFields: [tagged] });
  t.equal(frame.subarray(d.bodyOffset).toString(), "body");
  t.same(peekRequestHeader(frame), { apiKey: 1, apiVersion: 18, correlationId: 99 });
  t.throws(() => peekRequestHeader(Buffer.alloc(7)), { code: "FRAME_MALFORMED" });
  t.throws(() => decodeRequestHeader(Buffer.from("03e7000000000001ffff", "hex")), { code: "UNSUPPORTED_VERSION" });
  t.throws(() => decodeRequestHeader(Buffer.from("0012000300000001000561", "hex")), { code: "FRAME_MALFORMED" });
});

t.test("response header v0/v1", async (t) => {
  const w = new Writer();
  encodeResponseHeader(w, { correlationId: 5 }, 1);
  t.equal(w.finish().toString("hex"), "0000000500");
  const d = decodeResponseHeader(Buffer.from("0000000500ff", "hex"), 1);
  t.same(d, { header: { correlationId: 5 }, bodyOffset: 5 });
  const d0 = decodeResponseHeader(Buffer.from("0000000500ff", "hex"), 0);
  t.same(d0, { header: { correlationId: 5 }, bodyOffset: 4 });
  t.throws(() => decodeResponseHeader(Buffer.from("000000", "hex"), 0), { code: "FRAME_MALFORMED" });
});
