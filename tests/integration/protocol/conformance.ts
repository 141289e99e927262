// Runs every codec at every version the broker serves against a real Kafka broker: our encoder
// builds the request, the broker must accept it, and our decode→encode of the broker's response
// must reproduce its bytes exactly. Used by conformance.test.ts and by capture.ts (fixtures).
import { randomUUID } from "node:crypto";
import type { ApiCodec } from "../../../host/protocol/codec.js";
import { decodeResponseHeader, responseHeaderVersion } from "../../../host/protocol/headers.js";
import type { ApiVersionsResponse } from "../../../host/protocol/messages/api-versions.js";
import type { DescribeClusterResponse } from "../../../host/protocol/messages/describe-cluster.js";
import type { FetchResponse } from "../../../host/protocol/messages/fetch.js";
import type { FindCoordinatorResponse } from "../../../host/protocol/messages/find-coordinator.js";
import type { MetadataResponse } from "../../../host/protocol/messages/metadata.js";
import type { ProduceResponse } from "../../../host/protocol/messages/produce.js";
import type { ShareAcknowledgeResponse } from "../../../host/protocol/messages/share-acknowledge.js";
import type { ShareFetchResponse } from "../../../host/protocol/messages/share-fetch.js";
import { Reader, Writer } from "../../../host/protocol/primitives.js";
import { codecFor } from "../../../host/protocol/registry.js";
import { RawConnection } from "./raw-connection.js";
import { buildBatch, crc32c, splitBatches } from "./record-batch.js";

export interface Checker {
  ok(value: unknown, message: string): void;
  equal(found: unknown, wanted: unknown, message: string): void;
  comment(message: string): void;
}

export interface ClusterLike {
  kafkaVersion: string;
  clusterId: string;
  brokers: Array<{ nodeId: number; host: string; port: number }>;
}

export interface Exchange {
  api: string;
  apiKey: number;
  version: number;
  /** Response payload as received: header + body, no size prefix. */
  response: Buffer;
  /** Version the body is decoded at (differs for the ApiVersions fallback probe). */
  decodeVersion: number;
  note?: string;
}

export interface ConformanceResult {
  exchanges: Exchange[];
  /** api name → versions exercised against the broker */
  covered: Record<string, number[]>;
  skipped: string[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Codec = ApiCodec<any, any>;

const CLIENT_SOFTWARE = { clientSoftwareName: "kseal-conformance", clientSoftwareVersion: "0.1.0" };
const GROUP = "kseal-conformance-group";

function codec(apiKey: number): Codec {
  const c = codecFor(apiKey);
  if (!c) throw new Error(`no codec for api key ${apiKey}`);
  return c;
}

export async function runConformance(
  cluster: ClusterLike,
  topic: string,
  c: Checker,
  opts: { versions?: (apiKey: number) => number[] } = {},
): Promise<ConformanceResult> {
  const exchanges: Exchange[] = [];
  const covered: Record<string, number[]> = {};
  const skipped: string[] = [];
  const connections = new Map<number, RawConnection>();
  const brokerSet = new Set(cluster.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`));

  async function conn(nodeId: number): Promise<RawConnection> {
    let k = connections.get(nodeId);
    if (!k) {
      const b = cluster.brokers.find((x) => x.nodeId === nodeId);
      if (!b) throw new Error(`no broker ${nodeId} in the rig's list`);
      k = await RawConnection.connect(b.host, b.port);
      connections.set(nodeId, k);
    }
    return k;
  }

  /**
   * Sends `request` at `version`, checks the response header and that decode→encode of the body
   * is byte-identical, and returns the decoded body.
   */
  async function exchange<T>(nodeId: number, apiKey: number, version: number, request: unknown, decodeVersion = version): Promise<T> {
    const cd = codec(apiKey);
    const body = version <= cd.maxVersion ? cd.encodeRequest(request, version) : (request as Buffer);
    const { frame, correlationId } = await (await conn(nodeId)).send(apiKey, version, body);
    const hv = responseHeaderVersion(apiKey, version)!;
    const { header, bodyOffset } = decodeResponseHeader(frame, hv);
    c.equal(header.correlationId, correlationId, `${cd.name} v${version}: correlation id`);
    const resBody = frame.subarray(bodyOffset);
    const decoded = cd.decodeResponse(resBody, decodeVersion);
    const again = cd.encodeResponse(decoded, decodeVersion);
    c.ok(again.equals(resBody as unknown as Uint8Array), `${cd.name} v${version}: decode→encode reproduces the broker's ${resBody.length} bytes`);
    exchanges.push({ api: cd.name, apiKey, version, response: Buffer.from(frame as unknown as Uint8Array), decodeVersion });
    (covered[cd.name] ??= []).push(version);
    return decoded as T;
  }

  function sameBrokers(found: Array<{ nodeId?: number; brokerId?: number; host: string; port: number }>, what: string): void {
    const got = found.map((b) => `${b.nodeId ?? b.brokerId}@${b.host}:${b.port}`).sort();
    c.equal(got.join(","), [...brokerSet].sort().join(","), `${what}: brokers match the rig's`);
  }

  const first = cluster.brokers[0]!.nodeId;
  try {
    // ---- ApiVersions: every version, then the broker's ranges decide the rest.
    const apiVersionsMax = codec(18).maxVersion;
    let ranges = new Map<number, { min: number; max: number }>();
    for (let v = 0; v <= apiVersionsMax; v++) {
      const req = v >= 5 ? { ...CLIENT_SOFTWARE, clusterId: cluster.clusterId, nodeId: first } : CLIENT_SOFTWARE;
      let res: ApiVersionsResponse;
      try {
        res = await exchange<ApiVersionsResponse>(first, 18, v, req);
      } catch (e) {
        c.comment(`ApiVersions v${v}: ${String(e)}`);
        throw e;
      }
      if (res.bodyVersion === 0) {
        exchanges[exchanges.length - 1]!.note = "v0 fallback: the broker does not serve this version";
        c.comment(`ApiVersions v${v}: broker does not serve it (v0 fallback body, error ${res.errorCode})`);
        skipped.push(`ApiVersions v${v}`);
        continue;
      }
      c.equal(res.errorCode, 0, `ApiVersions v${v}: error code`);
      c.ok(res.apiKeys.length > 40, `ApiVersions v${v}: ${res.apiKeys.length} API keys listed`);
      ranges = new Map(res.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]));
    }
    // Unsupported ApiVersions version: the broker answers in the v0 layout with UNSUPPORTED_VERSION.
    {
      const res = await exchange<ApiVersionsResponse>(first, 18, 127, Buffer.alloc(0), 127);
      c.equal(res.errorCode, 35, "ApiVersions v127: UNSUPPORTED_VERSION");
      c.equal(res.bodyVersion, 0, "ApiVersions v127: v0 fallback layout");
      c.ok(res.apiKeys.length === 1 && res.apiKeys[0]!.apiKey === 18, "ApiVersions v127: only ApiVersions' own range");
      exchanges[exchanges.length - 1]!.note = "unsupported version probe (KIP-511 v0 fallback)";
    }
    if ((ranges.get(18)?.max ?? 0) >= 5) {
      const res = await exchange<ApiVersionsResponse>(first, 18, 5, { ...CLIENT_SOFTWARE, clusterId: "not-this-cluster", nodeId: first });
      c.equal(res.errorCode, 129, "ApiVersions v5 with a foreign ClusterId: REBOOTSTRAP_REQUIRED");
      exchanges[exchanges.length - 1]!.note = "ClusterId mismatch (KIP-1242)";
    }

    const versionsOf = (apiKey: number): number[] => {
      const cd = codec(apiKey);
      const r = ranges.get(apiKey);
      if (!r) {
        skipped.push(`${cd.name}: not advertised by the broker`);
        return [];
      }
      const out: number[] = [];
      for (let v = Math.max(cd.minVersion, r.min); v <= Math.min(cd.maxVersion, r.max); v++) out.push(v);
      if (r.max < cd.maxVersion) skipped.push(`${cd.name} v${r.max + 1}-${cd.maxVersion}: broker max is v${r.max}`);
      return opts.versions ? out.filter((v) => opts.versions!(apiKey).includes(v)) : out;
    };

    // ---- Metadata
    let topicId = "";
    let leader = first;
    for (const v of versionsOf(3)) {
      const req = { topics: [v >= 10 ? { topicId: "0".repeat(32), name: topic } : { name: topic }], allowAutoTopicCreation: false };
      const res = await exchange<MetadataResponse>(first, 3, v, req);
      sameBrokers(res.brokers, `Metadata v${v}`);
      if (v >= 2) c.equal(res.clusterId, cluster.clusterId, `Metadata v${v}: cluster id`);
      if (v >= 13) c.equal(res.errorCode, 0, `Metadata v${v}: top-level error code`);
      const t = res.topics[0];
      c.ok(t && t.errorCode === 0 && t.name === topic, `Metadata v${v}: topic ${topic} found (error ${t?.errorCode})`);
      c.equal(t?.partitions.length, 1, `Metadata v${v}: one partition`);
      leader = t?.partitions[0]?.leaderId ?? leader;
      c.ok(cluster.brokers.some((b) => b.nodeId === leader), `Metadata v${v}: leader ${leader} is a rig broker`);
      if (v >= 10) {
        c.ok(/^[0-9a-f]{32}$/.test(t?.topicId ?? "") && t!.topicId !== "0".repeat(32), `Metadata v${v}: topic id`);
        if (topicId) c.equal(t?.topicId, topicId, `Metadata v${v}: same topic id`);
        topicId = t?.topicId ?? topicId;
      }
    }

    // ---- DescribeCluster
    for (const v of versionsOf(60)) {
      const res = await exchange<DescribeClusterResponse>(first, 60, v, {
        includeClusterAuthorizedOperations: false,
        endpointType: 1,
        includeFencedBrokers: true,
      });
      c.equal(res.errorCode, 0, `DescribeCluster v${v}: error code`);
      c.equal(res.clusterId, cluster.clusterId, `DescribeCluster v${v}: cluster id`);
      sameBrokers(res.brokers, `DescribeCluster v${v}`);
      c.ok(cluster.brokers.some((b) => b.nodeId === res.controllerId), `DescribeCluster v${v}: controller id is a broker`);
    }

    // ---- FindCoordinator (the offsets topic may still be loading: retry)
    for (const v of versionsOf(10)) {
      const req = v >= 4 ? { keyType: 0, coordinatorKeys: [GROUP] } : { key: GROUP, keyType: 0 };
      let res: FindCoordinatorResponse | undefined;
      for (let attempt = 0; attempt < 60; attempt++) {
        res = await exchange<FindCoordinatorResponse>(first, 10, v, req);
        const err = v >= 4 ? res.coordinators?.[0]?.errorCode : res.errorCode;
        if (err !== 14 && err !== 15) break;
        exchanges.pop();
        covered.FindCoordinator!.pop();
        await new Promise((r) => setTimeout(r, 500));
      }
      const entry = v >= 4 ? res!.coordinators![0]! : (res as Required<FindCoordinatorResponse>);
      c.equal(entry.errorCode, 0, `FindCoordinator v${v}: error code`);
      if (v >= 4) c.equal(res!.coordinators![0]!.key, GROUP, `FindCoordinator v${v}: key echoed`);
      c.ok(brokerSet.has(`${entry.nodeId}@${entry.host}:${entry.port}`), `FindCoordinator v${v}: coordinator ${entry.nodeId}@${entry.host}:${entry.port} is a rig broker`);
    }

    // ---- Produce: one hand-built batch per version, acks=-1, to the partition leader.
    const produced: Array<{ version: number; batch: Buffer; baseOffset: bigint }> = [];
    const t0 = BigInt(Date.now());
    for (const v of versionsOf(0)) {
      const n = v - 1;
      const batch = buildBatch(
        Array.from({ length: n }, (_, i) => ({
          key: i === 0 ? Buffer.from(`k${v}`) : null,
          value: i === n - 1 && v % 2 === 0 ? null : Buffer.from(`produce v${v} record ${i}${"x".repeat(i)}`),
          headers: i === 1 ? [{ key: "h", value: Buffer.from([v]) }] : [],
        })),
        t0 + BigInt(v),
      );
      const td = v >= 13 ? { topicId, partitionData: [{ index: 0, records: batch }] } : { name: topic, partitionData: [{ index: 0, records: batch }] };
      const res = await exchange<ProduceResponse>(leader, 0, v, { transactionalId: null, acks: -1, timeoutMs: 10_000, topicData: [td] });
      const p = res.responses[0]?.partitionResponses[0];
      c.equal(p?.errorCode, 0, `Produce v${v}: error code`);
      if (v >= 13) c.equal(res.responses[0]?.topicId, topicId, `Produce v${v}: topic id echoed`);
      else c.equal(res.responses[0]?.name, topic, `Produce v${v}: topic name echoed`);
      const expected = produced.reduce((o, x) => o + BigInt(x.batch.readInt32BE(23) + 1), 0n);
      c.equal(p?.baseOffset, expected, `Produce v${v}: base offset`);
      produced.push({ version: v, batch, baseOffset: p?.baseOffset ?? -1n });
    }
    const total = produced.reduce((o, x) => o + BigInt(x.batch.readInt32BE(23) + 1), 0n);

    // ---- Fetch from offset 0: the broker must return our batches byte for byte (it sets only
    // baseOffset and partitionLeaderEpoch, which the CRC does not cover).
    for (const v of versionsOf(1)) {
      const part = { partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 };
      const res = await exchange<FetchResponse>(leader, 1, v, {
        replicaId: -1,
        maxWaitMs: 100,
        minBytes: 1,
        maxBytes: 4 << 20,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [v >= 13 ? { topicId, partitions: [part] } : { topic, partitions: [part] }],
        forgottenTopicsData: [],
        rackId: "",
      });
      if (v >= 7) c.equal(res.errorCode, 0, `Fetch v${v}: top-level error code`);
      const p = res.responses[0]?.partitions[0];
      c.equal(p?.errorCode, 0, `Fetch v${v}: partition error code`);
      c.equal(p?.highWatermark, total, `Fetch v${v}: high watermark`);
      const { batches, partial } = splitBatches(p?.records ?? Buffer.alloc(0));
      c.equal(partial, null, `Fetch v${v}: no partial batch`);
      c.equal(batches.length, produced.length, `Fetch v${v}: all ${produced.length} batches returned`);
      let identical = 0;
      batches.forEach((b, i) => {
        const mine = produced[i]!;
        const sameTail = b.subarray(16).equals(mine.batch.subarray(16) as unknown as Uint8Array);
        const crcOk = crc32c(b.subarray(21)) === b.readUInt32BE(17);
        if (sameTail && crcOk && b.readBigInt64BE(0) === mine.baseOffset && b.readInt32BE(8) === mine.batch.readInt32BE(8)) identical++;
      });
      c.equal(identical, produced.length, `Fetch v${v}: every batch byte-identical to what Produce sent (bar baseOffset/leaderEpoch), CRC-32C valid`);
      // PartitionMaxBytes 1: the broker still returns the first batch whole (KIP-74), and only it.
      const small = await exchange<FetchResponse>(leader, 1, v, {
        replicaId: -1, maxWaitMs: 100, minBytes: 1, maxBytes: 1, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [v >= 13 ? { topicId, partitions: [{ ...part, partitionMaxBytes: 1 }] } : { topic, partitions: [{ ...part, partitionMaxBytes: 1 }] }],
        forgottenTopicsData: [], rackId: "",
      });
      exchanges[exchanges.length - 1]!.note = "one batch (PartitionMaxBytes 1)";
      const one = splitBatches(small.responses[0]?.partitions[0]?.records ?? Buffer.alloc(0));
      c.ok(
        one.batches.length === 1 && one.partial === null && one.batches[0]!.subarray(16).equals(produced[0]!.batch.subarray(16) as unknown as Uint8Array),
        `Fetch v${v} with PartitionMaxBytes 1: exactly the first batch, whole`,
      );
    }

    // ---- KIP-951: a non-leader answers NOT_LEADER_OR_FOLLOWER with the tagged CurrentLeader
    // and NodeEndpoints (Produce v10+, Fetch v16+) — real tagged fields to re-encode.
    const other = cluster.brokers.find((b) => b.nodeId !== leader);
    if (!other) skipped.push("NOT_LEADER tagged fields (needs 2+ brokers)");
    else {
      const leaderInfo = cluster.brokers.find((b) => b.nodeId === leader)!;
      const checkLeader = (what: string, cl: { leaderId: number } | undefined, eps: Array<{ nodeId: number; host: string; port: number }> | undefined): void => {
        c.equal(cl?.leaderId, leader, `${what}: CurrentLeader names the leader`);
        const ep = eps?.find((e) => e.nodeId === leader);
        c.ok(ep && ep.host === leaderInfo.host && ep.port === leaderInfo.port, `${what}: NodeEndpoints carries the leader's address`);
      };
      for (const v of versionsOf(0).filter((v) => v >= 10)) {
        const batch = buildBatch([{ key: null, value: Buffer.from("to a follower") }], BigInt(Date.now()));
        const td = v >= 13 ? { topicId, partitionData: [{ index: 0, records: batch }] } : { name: topic, partitionData: [{ index: 0, records: batch }] };
        const res = await exchange<ProduceResponse>(other.nodeId, 0, v, { transactionalId: null, acks: -1, timeoutMs: 10_000, topicData: [td] });
        const p = res.responses[0]?.partitionResponses[0];
        c.equal(p?.errorCode, 6, `Produce v${v} to broker ${other.nodeId}: NOT_LEADER_OR_FOLLOWER`);
        checkLeader(`Produce v${v} to a non-leader`, p?.currentLeader, res.nodeEndpoints);
        exchanges[exchanges.length - 1]!.note = "sent to a non-leader (KIP-951 tagged fields)";
      }
    }

    if (other) {
      for (const v of versionsOf(1).filter((v) => v >= 16)) {
        const part = { partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 };
        const res = await exchange<FetchResponse>(other.nodeId, 1, v, {
          maxWaitMs: 100, minBytes: 1, maxBytes: 4 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
          topics: [{ topicId, partitions: [part] }], forgottenTopicsData: [], rackId: "",
        });
        const p = res.responses[0]?.partitions[0];
        c.equal(p?.errorCode, 6, `Fetch v${v} from broker ${other.nodeId}: NOT_LEADER_OR_FOLLOWER`);
        const leaderInfo = cluster.brokers.find((b) => b.nodeId === leader)!;
        c.equal(p?.currentLeader?.leaderId, leader, `Fetch v${v} from a non-leader: CurrentLeader names the leader`);
        const ep = res.nodeEndpoints?.find((e) => e.nodeId === leader);
        c.ok(ep && ep.host === leaderInfo.host && ep.port === leaderInfo.port, `Fetch v${v} from a non-leader: NodeEndpoints carries the leader's address`);
        exchanges[exchanges.length - 1]!.note = "sent to a non-leader (KIP-951 tagged fields)";
      }
    }

    // ---- ShareFetch / ShareAcknowledge (share groups): join with ShareGroupHeartbeat until the
    // partition is assigned, produce one more batch (share groups start at the latest offset),
    // share-fetch it, then acknowledge it.
    const shareFetchVersions = versionsOf(78);
    const shareAckVersions = versionsOf(79);
    const share = `${GROUP}-share-${randomUUID().slice(0, 8)}`;
    const memberId = shareMemberId();
    let assigned = false;
    if (shareFetchVersions.length > 0) {
      // Share groups live on the group coordinator of their id.
      const fcV = Math.max(...versionsOf(10));
      let coordinator = first;
      for (let attempt = 0; attempt < 60; attempt++) {
        const fc = codec(10);
        const body = fc.encodeRequest(fcV >= 4 ? { keyType: 0, coordinatorKeys: [share] } : { key: share, keyType: 0 }, fcV);
        const { frame } = await (await conn(first)).send(10, fcV, body);
        const res = fc.decodeResponse(frame.subarray(fcV >= 3 ? 5 : 4), fcV) as FindCoordinatorResponse;
        const e = fcV >= 4 ? res.coordinators![0]! : (res as Required<FindCoordinatorResponse>);
        if (e.errorCode === 0) {
          coordinator = e.nodeId;
          break;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      assigned = await shareGroupJoin(await conn(coordinator), share, memberId, topic, topicId, ranges.get(76)?.max, c);
      if (ranges.has(76)) c.ok(assigned, `ShareGroupHeartbeat: member got partition 0 (coordinator ${coordinator})`);
    }
    for (const v of shareFetchVersions) {
      const base = { groupId: share, memberId, maxWaitMs: 500, minBytes: 1, maxBytes: 1 << 20, maxRecords: 100, batchSize: 100 };
      let batch: Buffer | undefined;
      let batchOffset = -1n;
      let res: ShareFetchResponse | undefined;
      let epoch = 0;
      for (let attempt = 0; attempt < 12; attempt++) {
        res = await exchange<ShareFetchResponse>(leader, 78, v, {
          ...base, shareSessionEpoch: epoch, shareAcquireMode: 0, isRenewAck: false,
          topics: epoch === 0 ? [{ topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: [] }] }] : [],
          forgottenTopicsData: [],
        });
        c.equal(res.errorCode, 0, `ShareFetch v${v} (session epoch ${epoch}): top-level error code`);
        epoch++;
        if (!assigned) break;
        if ((res.responses[0]?.partitions[0]?.records.length ?? 0) > 0) break;
        if (!batch && (attempt > 0 || res.responses.length > 0)) {
          // The share partition starts at the log end once initialised: produce after that.
          batch = buildBatch([{ key: null, value: Buffer.from(`share fetch v${v}`) }, { key: null, value: Buffer.from("second") }], BigInt(Date.now()));
          const pr = await exchange<ProduceResponse>(leader, 0, Math.max(...versionsOf(0)), {
            transactionalId: null, acks: -1, timeoutMs: 10_000,
            topicData: [{ name: topic, topicId, partitionData: [{ index: 0, records: batch }] }],
          });
          batchOffset = pr.responses[0]?.partitionResponses[0]?.baseOffset ?? -1n;
        }
      }
      if (assigned && batch) {
        const p = res!.responses[0]?.partitions[0];
        c.equal(p?.errorCode, 0, `ShareFetch v${v}: partition error code`);
        const { batches } = splitBatches(p?.records ?? Buffer.alloc(0));
        const mine = batches.find((b) => b.readBigInt64BE(0) === batchOffset);
        c.ok(mine && mine.subarray(16).equals(batch.subarray(16) as unknown as Uint8Array), `ShareFetch v${v}: the produced batch comes back byte-identical`);
        const acq = p?.acquiredRecords ?? [];
        c.ok(acq.some((a) => a.firstOffset <= batchOffset && a.lastOffset >= batchOffset + 1n), `ShareFetch v${v}: records acquired`);
        const ackV = shareAckVersions.includes(v) ? v : shareAckVersions[shareAckVersions.length - 1];
        if (ackV !== undefined) {
          const ack = await exchange<ShareAcknowledgeResponse>(leader, 79, ackV, {
            groupId: share, memberId, shareSessionEpoch: epoch, isRenewAck: false,
            topics: [{ topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: acq.map((a) => ({ firstOffset: a.firstOffset, lastOffset: a.lastOffset, acknowledgeTypes: [1] })) }] }],
          });
          c.equal(ack.errorCode, 0, `ShareAcknowledge v${ackV}: error code`);
          c.equal(ack.responses[0]?.partitions[0]?.errorCode, 0, `ShareAcknowledge v${ackV}: partition acknowledged`);
          epoch++;
        }
      }
      // Close the share session so the next version opens a new one.
      const closeV = shareAckVersions.includes(v) ? v : shareAckVersions[0];
      if (closeV !== undefined) {
        const r = await exchange<ShareAcknowledgeResponse>(leader, 79, closeV, { groupId: share, memberId, shareSessionEpoch: -1, isRenewAck: false, topics: [] });
        c.equal(r.errorCode, 0, `ShareAcknowledge v${closeV}: session closed`);
      }
    }
  } finally {
    for (const k of connections.values()) k.close();
  }
  return { exchanges, covered, skipped };
}

function shareMemberId(): string {
  return Buffer.from(randomUUID().replace(/-/g, ""), "hex").toString("base64url");
}

/**
 * ShareGroupHeartbeat v1 (key 76), written by hand because kseal has no codec for it:
 * Request: GroupId compact string | MemberId compact string | MemberEpoch int32 |
 *   RackId compact nullable string | SubscribedTopicNames compact nullable [compact string] | tags
 * Response: ThrottleTimeMs int32 | ErrorCode int16 | ErrorMessage compact nullable string |
 *   MemberId compact nullable string | MemberEpoch int32 | HeartbeatIntervalMs int32 |
 *   Assignment nullable struct (int8 -1 = null) {TopicPartitions [TopicId uuid | Partitions [int32] | tags] | tags} | tags
 * Heartbeats until partition 0 of the topic is assigned to this member.
 */
async function shareGroupJoin(k: RawConnection, group: string, memberId: string, topic: string, topicId: string, maxVersion: number | undefined, c: Checker): Promise<boolean> {
  if (maxVersion === undefined || maxVersion < 1) {
    c.comment("ShareGroupHeartbeat not advertised: share fetches run without a member");
    return false;
  }
  let epoch = 0;
  for (let attempt = 0; attempt < 40; attempt++) {
    const w = new Writer();
    w.compactString(group);
    w.compactString(memberId);
    w.int32(epoch);
    w.compactNullableString(null);
    w.nullableArray(epoch === 0 ? [topic] : null, true, (w, s: string) => w.compactString(s));
    w.taggedFields(undefined);
    const { frame } = await k.send(76, 1, w.finish());
    const r = new Reader(frame, 5); // correlation id + empty header tagged section
    r.int32();
    const err = r.int16();
    r.compactNullableString();
    r.compactNullableString();
    epoch = r.int32();
    r.int32();
    if (err !== 0) {
      c.comment(`ShareGroupHeartbeat v1: error ${err}`);
      return false;
    }
    if (r.int8() === 1) {
      const tps = r.array(true, (r) => {
        const id = r.uuid();
        const parts = r.array(true, (r) => r.int32());
        r.taggedFields();
        return { id, parts };
      });
      if (tps.some((tp) => tp.id === topicId && tp.parts.includes(0))) {
        c.comment(`ShareGroupHeartbeat v1: partition assigned at member epoch ${epoch} after ${attempt + 1} heartbeat(s)`);
        return true;
      }
    }
    await new Promise((res) => setTimeout(res, 500));
  }
  c.comment("ShareGroupHeartbeat v1: no assignment in time");
  return false;
}
