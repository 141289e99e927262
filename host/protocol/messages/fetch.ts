/**
 * Fetch (key 1), v4-18, flexible from v12. Kafka 4.x rejects v0-3. Topics are named in v4-12
 * and identified by TopicId in v13+. Records stay raw bytes and may end with a truncated batch.
 *
 * Request
 *   v12+ tagged 0: ClusterId nullable string
 *   v4-14: ReplicaId int32
 *   v15+ tagged 1: ReplicaState {ReplicaId int32 | ReplicaEpoch int64}
 *   MaxWaitMs int32 | MinBytes int32 | MaxBytes int32 | IsolationLevel int8 |
 *   v7+: SessionId int32 | SessionEpoch int32 |
 *   Topics [v4-12: Topic string | v13+: TopicId uuid |
 *           Partitions [Partition int32 | v9+: CurrentLeaderEpoch int32 | FetchOffset int64 |
 *                       v12+: LastFetchedEpoch int32 | v5+: LogStartOffset int64 |
 *                       PartitionMaxBytes int32 |
 *                       v17+ tagged 0: ReplicaDirectoryId uuid |
 *                       v18+ tagged 1: HighWatermark int64]]
 *   v7+: ForgottenTopicsData [v7-12: Topic string | v13+: TopicId uuid | Partitions [int32]]
 *   v11+: RackId string
 * Response
 *   ThrottleTimeMs int32 | v7+: ErrorCode int16 | SessionId int32 |
 *   Responses [v4-12: Topic string | v13+: TopicId uuid |
 *              Partitions [PartitionIndex int32 | ErrorCode int16 | HighWatermark int64 |
 *                          LastStableOffset int64 | v5+: LogStartOffset int64 |
 *                          v12+ tagged 0: DivergingEpoch {Epoch int32 | EndOffset int64} |
 *                          v12+ tagged 1: CurrentLeader {LeaderId int32 | LeaderEpoch int32} |
 *                          v12+ tagged 2: SnapshotId {EndOffset int64 | Epoch int32} |
 *                          AbortedTransactions nullable [ProducerId int64 | FirstOffset int64] |
 *                          v11+: PreferredReadReplica int32 | Records nullable bytes]]
 *   v16+ tagged 0: NodeEndpoints [NodeId int32 | Host string | Port int32 | Rack nullable string]
 */
import { arrayOf, field, struct } from "../schema.js";
import { schemaCodec } from "../schema-codec.js";
import {
  INT32_MAX,
  LeaderIdAndEpochSchema,
  NodeEndpointSchema,
  type LeaderIdAndEpoch,
  type NodeEndpoint,
  type Tagged,
} from "./common.js";

export interface ReplicaState extends Tagged {
  replicaId: number;
  replicaEpoch: bigint;
}

export interface FetchPartition extends Tagged {
  partition: number;
  currentLeaderEpoch?: number;
  fetchOffset: bigint;
  lastFetchedEpoch?: number;
  logStartOffset?: bigint;
  partitionMaxBytes: number;
  replicaDirectoryId?: string;
  highWatermark?: bigint;
}

export interface FetchTopic extends Tagged {
  topic?: string;
  topicId?: string;
  partitions: FetchPartition[];
}

export interface ForgottenTopic extends Tagged {
  topic?: string;
  topicId?: string;
  partitions: number[];
}

export interface FetchRequest extends Tagged {
  clusterId?: string | null;
  replicaId?: number;
  replicaState?: ReplicaState;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: number;
  sessionId?: number;
  sessionEpoch?: number;
  topics: FetchTopic[];
  forgottenTopicsData?: ForgottenTopic[];
  rackId?: string;
}

export interface EpochEndOffset extends Tagged {
  epoch: number;
  endOffset: bigint;
}

export interface SnapshotId extends Tagged {
  endOffset: bigint;
  epoch: number;
}

export interface AbortedTransaction extends Tagged {
  producerId: bigint;
  firstOffset: bigint;
}

export interface FetchPartitionData extends Tagged {
  partitionIndex: number;
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset?: bigint;
  divergingEpoch?: EpochEndOffset;
  currentLeader?: LeaderIdAndEpoch;
  snapshotId?: SnapshotId;
  abortedTransactions: AbortedTransaction[] | null;
  preferredReadReplica?: number;
  /** Raw record batches (a view into the decoded frame); the last one may be truncated. */
  records: Buffer | null;
}

export interface FetchableTopicResponse extends Tagged {
  topic?: string;
  topicId?: string;
  partitions: FetchPartitionData[];
}

export interface FetchResponse extends Tagged {
  throttleTimeMs: number;
  errorCode?: number;
  sessionId?: number;
  responses: FetchableTopicResponse[];
  nodeEndpoints?: NodeEndpoint[];
}

const RequestSchema = struct("FetchRequest", [
  field("clusterId", "string", "12+", { nullable: "12+", tag: 0, default: null }),
  field("replicaId", "int32", "0-14", { default: -1 }),
  field(
    "replicaState",
    struct("ReplicaState", [
      field("replicaId", "int32", "15+", { default: -1 }),
      field("replicaEpoch", "int64", "15+", { default: -1n }),
    ]),
    "15+",
    { tag: 1 },
  ),
  field("maxWaitMs", "int32"),
  field("minBytes", "int32"),
  field("maxBytes", "int32", "3+", { default: INT32_MAX }),
  field("isolationLevel", "int8", "4+"),
  field("sessionId", "int32", "7+"),
  field("sessionEpoch", "int32", "7+", { default: -1 }),
  field(
    "topics",
    arrayOf(
      struct("FetchTopic", [
        field("topic", "string", "0-12"),
        field("topicId", "uuid", "13+"),
        field(
          "partitions",
          arrayOf(
            struct("FetchPartition", [
              field("partition", "int32"),
              field("currentLeaderEpoch", "int32", "9+", { default: -1 }),
              field("fetchOffset", "int64"),
              field("lastFetchedEpoch", "int32", "12+", { default: -1 }),
              field("logStartOffset", "int64", "5+", { default: -1n }),
              field("partitionMaxBytes", "int32"),
              field("replicaDirectoryId", "uuid", "17+", { tag: 0 }),
              field("highWatermark", "int64", "18+", { tag: 1 }),
            ]),
          ),
        ),
      ]),
    ),
  ),
  field(
    "forgottenTopicsData",
    arrayOf(
      struct("ForgottenTopic", [
        field("topic", "string", "7-12"),
        field("topicId", "uuid", "13+"),
        field("partitions", arrayOf("int32"), "7+"),
      ]),
    ),
    "7+",
  ),
  field("rackId", "string", "11+"),
]);

const ResponseSchema = struct("FetchResponse", [
  field("throttleTimeMs", "int32", "1+"),
  field("errorCode", "int16", "7+"),
  field("sessionId", "int32", "7+"),
  field(
    "responses",
    arrayOf(
      struct("FetchableTopicResponse", [
        field("topic", "string", "0-12"),
        field("topicId", "uuid", "13+"),
        field(
          "partitions",
          arrayOf(
            struct("PartitionData", [
              field("partitionIndex", "int32"),
              field("errorCode", "int16"),
              field("highWatermark", "int64"),
              field("lastStableOffset", "int64", "4+", { default: -1n }),
              field("logStartOffset", "int64", "5+", { default: -1n }),
              field(
                "divergingEpoch",
                struct("EpochEndOffset", [
                  field("epoch", "int32", "12+", { default: -1 }),
                  field("endOffset", "int64", "12+", { default: -1n }),
                ]),
                "12+",
                { tag: 0 },
              ),
              field("currentLeader", LeaderIdAndEpochSchema, "12+", { tag: 1 }),
              field(
                "snapshotId",
                struct("SnapshotId", [
                  field("endOffset", "int64", "0+", { default: -1n }),
                  field("epoch", "int32", "0+", { default: -1 }),
                ]),
                "12+",
                { tag: 2 },
              ),
              field(
                "abortedTransactions",
                arrayOf(
                  struct("AbortedTransaction", [
                    field("producerId", "int64", "4+"),
                    field("firstOffset", "int64", "4+"),
                  ]),
                ),
                "4+",
                { nullable: "4+", default: null },
              ),
              field("preferredReadReplica", "int32", "11+", { default: -1 }),
              field("records", "records", "0+", { nullable: "0+" }),
            ]),
          ),
        ),
      ]),
    ),
  ),
  field("nodeEndpoints", arrayOf(NodeEndpointSchema), "16+", { tag: 0 }),
]);

export const fetchCodec = schemaCodec<FetchRequest, FetchResponse>({
  apiKey: 1,
  name: "Fetch",
  minVersion: 4,
  maxVersion: 18,
  flexibleFrom: 12,
  request: RequestSchema,
  response: ResponseSchema,
});
