// Raw Produce/Fetch of whole record batches against the partition leader, encoded with kseal's
// own protocol codecs, so tests see exactly the bytes clients wrote and the broker stored.
import type { FetchResponse } from "../../../host/protocol/messages/fetch.js";
import type { MetadataResponse } from "../../../host/protocol/messages/metadata.js";
import type { ProduceResponse } from "../../../host/protocol/messages/produce.js";
import { RawKafka } from "../../clients/raw-kafka.js";
import type { ClusterInfo } from "../../rig/index.js";
import { splitBatches } from "../../host/compression/batch-records.js";

// Versions every Kafka 4.x broker serves, with topic names (Produce/Fetch v13 switch to ids) and
// high enough for zstd (Produce v7+, Fetch v10+).
const METADATA_V = 12;
const PRODUCE_V = 12;
const FETCH_V = 12;

/** Connection to the leader of partition 0 of `topic`. */
export async function leaderOf(info: ClusterInfo, topic: string): Promise<RawKafka> {
  const first = await RawKafka.connect(info.bootstrap.split(",")[0]!);
  let leader = -1;
  try {
    for (let attempt = 0; attempt < 50 && leader < 0; attempt++) {
      const { msg } = await first.request<MetadataResponse>(3, METADATA_V, {
        topics: [{ topicId: "0".repeat(32), name: topic }],
        allowAutoTopicCreation: false,
        includeTopicAuthorizedOperations: false,
      });
      leader = msg.topics[0]?.partitions[0]?.leaderId ?? -1;
      if (leader < 0) await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    first.close();
  }
  const b = info.brokers.find((x) => x.nodeId === leader);
  if (!b) throw new Error(`no leader for ${topic}`);
  return RawKafka.connect(`${b.host}:${b.port}`);
}

/** Produces one batch to partition 0 (acks=-1); returns the partition's error code. */
export async function produceBatch(conn: RawKafka, topic: string, batch: Buffer): Promise<{ errorCode: number; errorMessage: string | null }> {
  const { msg } = await conn.request<ProduceResponse>(0, PRODUCE_V, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 15_000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
  });
  const p = msg.responses[0]?.partitionResponses[0];
  return { errorCode: p?.errorCode ?? -1, errorMessage: p?.errorMessage ?? null };
}

/** Every whole batch of partition 0 from offset 0, as the broker stores it. */
export async function fetchBatches(conn: RawKafka, topic: string, expectRecords: number, timeoutMs = 20_000): Promise<Buffer[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { msg } = await conn.request<FetchResponse>(1, FETCH_V, {
      replicaId: -1,
      maxWaitMs: 200,
      minBytes: 1,
      maxBytes: 16 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 16 << 20 }] }],
      forgottenTopicsData: [],
      rackId: "",
    });
    const p = msg.responses[0]?.partitions[0];
    if (p && p.errorCode !== 0) throw new Error(`Fetch error ${p.errorCode}`);
    const batches = splitBatches(p?.records ?? Buffer.alloc(0));
    const n = batches.reduce((s, b) => s + b.readInt32BE(57), 0);
    if (n >= expectRecords || Date.now() > deadline) return batches;
    await new Promise((r) => setTimeout(r, 200));
  }
}
