// Address rewriting of every address-bearing response at every version the codecs decode:
// encode a broker-like response with the protocol codec, run the rewriter, re-encode, decode
// again, and check that only hosts/ports changed (node ids, cluster id, everything else intact).
import t from "tap";
import type { ApiCodec } from "../../../host/protocol/codec.js";
import { codecFor } from "../../../host/protocol/registry.js";
import { capApiVersions, createAddressRewriter, responseHasAddresses } from "../../../host/proxy/address-rewriter.js";
import type { FilterContext, ProxyState } from "../../../host/proxy/filter.js";
import { NodePorts } from "../../../host/proxy/node-ports.js";
import { TopicMap } from "../../../host/proxy/topic-map.js";

type Codec = ApiCodec<unknown, unknown>;
const ADV = "proxy.example";
const TOPIC_ID = "0123456789abcdef0123456789abcdef";

function state(): ProxyState {
  const nodes = new NodePorts("range", 30000, async (_id, port) => port);
  return { topics: new TopicMap(), nodes, advertisedHost: ADV };
}

function ctx(s: ProxyState, apiKey: number, apiVersion: number): FilterContext {
  return { proxy: s, connectionId: 1, nodeId: undefined, header: { apiKey, apiVersion, correlationId: 1, clientId: "c" } };
}

const ep = (nodeId: number) => ({ nodeId, host: `broker-${nodeId}.internal`, port: 9000 + nodeId, rack: null });

/** A broker-like response for (apiKey, version). */
function sample(apiKey: number, v: number): Record<string, unknown> {
  switch (apiKey) {
    case 3:
      return {
        throttleTimeMs: 0,
        brokers: [ep(3), ep(1), ep(2)],
        clusterId: "cluster-xyz",
        controllerId: 2,
        topics: [
          {
            errorCode: 0,
            name: "orders",
            topicId: TOPIC_ID,
            isInternal: false,
            partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 2, leaderEpoch: 7, replicaNodes: [2, 3], isrNodes: [2], offlineReplicas: [3] }],
            topicAuthorizedOperations: -2147483648,
          },
        ],
        clusterAuthorizedOperations: -2147483648,
        errorCode: 0,
      };
    case 10:
      return v < 4
        ? { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 2, host: "broker-2.internal", port: 9002 }
        : {
            throttleTimeMs: 0,
            coordinators: [
              { key: "g1", nodeId: 3, host: "broker-3.internal", port: 9003, errorCode: 0, errorMessage: null },
              { key: "g2", nodeId: -1, host: "", port: -1, errorCode: 15, errorMessage: "COORDINATOR_NOT_AVAILABLE" },
            ],
          };
    case 60:
      return {
        throttleTimeMs: 0,
        errorCode: 0,
        errorMessage: null,
        endpointType: 1,
        clusterId: "cluster-xyz",
        controllerId: 1,
        brokers: [1, 2].map((id) => ({ brokerId: id, host: `broker-${id}.internal`, port: 9000 + id, rack: "r1", isFenced: false })),
        clusterAuthorizedOperations: -2147483648,
      };
    case 0:
      return { responses: [], throttleTimeMs: 0, nodeEndpoints: [ep(2)] };
    case 1:
      return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [], nodeEndpoints: [ep(1), ep(3)] };
    case 78:
    case 79:
      return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, acquisitionLockTimeoutMs: 30000, responses: [], nodeEndpoints: [ep(1)] };
    default:
      throw new Error(`no sample for ${apiKey}`);
  }
}

/** host/port pairs of a decoded response, with ids. */
function addresses(apiKey: number, v: number, m: Record<string, any>): Array<[number, string, number]> {
  switch (apiKey) {
    case 3:
      return m.brokers.map((b: any) => [b.nodeId, b.host, b.port]);
    case 60:
      return m.brokers.map((b: any) => [b.brokerId, b.host, b.port]);
    case 10:
      return v < 4 ? [[m.nodeId, m.host, m.port]] : m.coordinators.map((c: any) => [c.nodeId, c.host, c.port]);
    default:
      return (m.nodeEndpoints ?? []).map((e: any) => [e.nodeId, e.host, e.port]);
  }
}

/** The message with every address blanked, to compare everything else. */
function withoutAddresses(m: Record<string, any>): unknown {
  return JSON.parse(
    JSON.stringify(m, (k, val) => (k === "host" || k === "port" ? undefined : typeof val === "bigint" ? val.toString() : val)),
  );
}

for (const [apiKey, name] of [[3, "Metadata"], [10, "FindCoordinator"], [60, "DescribeCluster"], [0, "Produce"], [1, "Fetch"], [78, "ShareFetch"], [79, "ShareAcknowledge"]] as const) {
  const codec = codecFor(apiKey) as Codec | undefined;
  t.test(`${name}: every version`, async (t) => {
    if (!codec) {
      t.fail(`no codec for ${name}`);
      return;
    }
    const rewriter = createAddressRewriter({ codecRange: (k) => codecFor(k) });
    for (let v = codec.minVersion; v <= codec.maxVersion; v++) {
      const s = state();
      const wire = codec.encodeResponse(sample(apiKey, v), v);
      const before = codec.decodeResponse(wire, v) as Record<string, any>;
      const msg = codec.decodeResponse(wire, v) as Record<string, any>;
      const wants = rewriter.wantsResponse!(apiKey, v);
      t.equal(wants, responseHasAddresses(apiKey, v), `${name} v${v}: wantsResponse`);
      if (!wants) {
        t.ok((apiKey === 0 && v < 10) || (apiKey === 1 && v < 16), `${name} v${v} has no addresses`);
        continue;
      }
      const changed = await rewriter.onResponse!(ctx(s, apiKey, v), msg);
      const after = codec.decodeResponse(codec.encodeResponse(msg, v), v) as Record<string, any>;
      const orig = addresses(apiKey, v, before);
      const got = addresses(apiKey, v, after);
      t.ok(orig.length > 0, `${name} v${v}: sample carries addresses`);
      t.equal(changed, orig.some(([id]) => id >= 0), `${name} v${v}: reports a change`);
      t.same(got.map(([id]) => id), orig.map(([id]) => id), `${name} v${v}: node ids kept`);
      for (const [i, [id, host, port]] of got.entries()) {
        if (id < 0) {
          t.same([host, port], [orig[i]![1], orig[i]![2]], `${name} v${v}: no-coordinator entry left alone`);
          continue;
        }
        t.equal(host, ADV, `${name} v${v}: node ${id} host rewritten`);
        t.equal(port, s.nodes.portOf(id), `${name} v${v}: node ${id} port is its proxy port`);
        t.same(s.nodes.upstreamOf(id), { host: orig[i]![1], port: orig[i]![2] }, `${name} v${v}: real address learned`);
      }
      t.same(withoutAddresses(after), withoutAddresses(before), `${name} v${v}: all other fields intact`);
    }
  });
}

t.test("node ports are by node-id order and shared across APIs", async (t) => {
  const s = state();
  const rewriter = createAddressRewriter({ codecRange: () => undefined });
  const md = codecFor(3) as Codec;
  const msg = md.decodeResponse(md.encodeResponse(sample(3, 12), 12), 12);
  await rewriter.onResponse!(ctx(s, 3, 12), msg);
  t.same([1, 2, 3].map((id) => s.nodes.portOf(id)), [30000, 30001, 30002]);
  const fc = codecFor(10) as Codec;
  const f = fc.decodeResponse(fc.encodeResponse(sample(10, 2), 2), 2) as Record<string, any>;
  await rewriter.onResponse!(ctx(s, 10, 2), f);
  t.equal(f.port, 30001, "coordinator node 2 maps to the same port as in Metadata");
  t.equal(s.topics.nameOf(TOPIC_ID), "orders", "Metadata fills the topic map");
  t.equal(s.topics.idOf("orders"), TOPIC_ID);
});

t.test("ApiVersions: max capped to the codec, mins never raised, Produce min 0 kept", async (t) => {
  const av = codecFor(18) as Codec;
  const broker = {
    errorCode: 0,
    apiKeys: [
      { apiKey: 0, minVersion: 0, maxVersion: 13 },
      { apiKey: 1, minVersion: 4, maxVersion: 18 },
      { apiKey: 3, minVersion: 0, maxVersion: 13 },
      { apiKey: 18, minVersion: 0, maxVersion: 5 },
      { apiKey: 36, minVersion: 0, maxVersion: 2 },
      { apiKey: 60, minVersion: 0, maxVersion: 2 },
    ],
    throttleTimeMs: 0,
  };
  const limits: Record<number, { minVersion: number; maxVersion: number }> = {
    0: { minVersion: 3, maxVersion: 11 },
    1: { minVersion: 4, maxVersion: 18 },
    3: { minVersion: 0, maxVersion: 12 },
    18: { minVersion: 0, maxVersion: 3 },
    60: { minVersion: 0, maxVersion: 2 },
  };
  for (const v of [0, 1, 2, 3, 4, 5]) {
    const msg = av.decodeResponse(av.encodeResponse(structuredClone(broker), v), v) as Record<string, any>;
    const changed = capApiVersions(msg, (k) => limits[k]);
    t.ok(changed, `v${v}: changed`);
    const out = av.decodeResponse(av.encodeResponse(msg, v), v) as Record<string, any>;
    t.same(
      out.apiKeys.map((k: any) => [k.apiKey, k.minVersion, k.maxVersion]),
      [[0, 0, 11], [1, 4, 18], [3, 0, 12], [18, 0, 3], [36, 0, 2], [60, 0, 2]],
      `v${v}: capped`,
    );
  }
  const unchanged = structuredClone(broker);
  t.notOk(capApiVersions(unchanged, () => ({ minVersion: 0, maxVersion: 99 })), "nothing to cap → unchanged (forwarded byte-identical)");
  const hide = { apiKeys: [{ apiKey: 1, minVersion: 4, maxVersion: 18 }, { apiKey: 78, minVersion: 0, maxVersion: 0 }, { apiKey: 3, minVersion: 0, maxVersion: 13 }] };
  t.ok(capApiVersions(hide, (k) => (k === 1 ? { minVersion: 0, maxVersion: 3 } : k === 78 ? { minVersion: 1, maxVersion: 2 } : undefined)));
  t.same(hide.apiKeys, [{ apiKey: 3, minVersion: 0, maxVersion: 13 }], "APIs with no common version are hidden (codec too old; broker only has ShareFetch v0)");
});

t.test("DescribeCluster controller endpoints are not mapped to node ports", async (t) => {
  const s = state();
  const rewriter = createAddressRewriter({ codecRange: () => undefined });
  const msg = { endpointType: 2, brokers: [{ brokerId: 1, host: "controller-1", port: 9093 }] };
  t.notOk(await rewriter.onResponse!(ctx(s, 60, 1), msg));
  t.equal(s.nodes.portOf(1), undefined);
  t.equal(s.nodes.upstreamOf(1), undefined, "broker 1's address is not overwritten by its controller's");
});

t.test("the proxy's own codecs cap what the real registry decodes", async (t) => {
  const s = state();
  const rewriter = createAddressRewriter({ codecRange: (k) => codecFor(k) });
  const msg = { errorCode: 0, apiKeys: [{ apiKey: 3, minVersion: 0, maxVersion: 99 }, { apiKey: 2, minVersion: 1, maxVersion: 99 }] };
  await rewriter.onResponse!(ctx(s, 18, 3), msg);
  t.same(msg.apiKeys, [{ apiKey: 3, minVersion: 0, maxVersion: (codecFor(3) as Codec).maxVersion }, { apiKey: 2, minVersion: 1, maxVersion: 99 }]);
});
