/**
 * ShareFetch (key 78), v1-2, flexible from v0 (KIP-932 share groups). v0 was the Kafka 4.0
 * early-access layout, removed in 4.1, and is not decoded. Topics are identified by TopicId
 * only. NodeEndpoints is a regular (not tagged) field and must be rewritten by the proxy.
 *
 * Request
 *   GroupId nullable string | MemberId nullable string | ShareSessionEpoch int32 |
 *   MaxWaitMs int32 | MinBytes int32 | MaxBytes int32 | MaxRecords int32 | BatchSize int32 |
 *   v2+: ShareAcquireMode int8 | IsRenewAck bool |
 *   Topics [TopicId uuid | Partitions [PartitionIndex int32 |
 *           AcknowledgementBatches [FirstOffset int64 | LastOffset int64 | AcknowledgeTypes [int8]]]]
 *   ForgottenTopicsData [TopicId uuid | Partitions [int32]]
 * Response
 *   ThrottleTimeMs int32 | ErrorCode int16 | ErrorMessage nullable string |
 *   AcquisitionLockTimeoutMs int32 |
 *   Responses [TopicId uuid | Partitions [PartitionIndex int32 | ErrorCode int16 |
 *              ErrorMessage nullable string | AcknowledgeErrorCode int16 |
 *              AcknowledgeErrorMessage nullable string |
 *              CurrentLeader {LeaderId int32 | LeaderEpoch int32} | Records bytes (not null) |
 *              AcquiredRecords [FirstOffset int64 | LastOffset int64 | DeliveryCount int16]]]
 *   NodeEndpoints [NodeId int32 | Host string | Port int32 | Rack nullable string]
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

export interface AcknowledgementBatch extends Tagged {
  firstOffset: bigint;
  lastOffset: bigint;
  acknowledgeTypes: number[];
}

export const AcknowledgementBatchSchema = struct("AcknowledgementBatch", [
  field("firstOffset", "int64"),
  field("lastOffset", "int64"),
  field("acknowledgeTypes", arrayOf("int8")),
]);

export interface ShareFetchPartition extends Tagged {
  partitionIndex: number;
  acknowledgementBatches: AcknowledgementBatch[];
}

export interface ShareFetchTopic extends Tagged {
  topicId: string;
  partitions: ShareFetchPartition[];
}

export interface ShareForgottenTopic extends Tagged {
  topicId: string;
  partitions: number[];
}

export interface ShareFetchRequest extends Tagged {
  groupId: string | null;
  memberId: string | null;
  shareSessionEpoch: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  maxRecords: number;
  batchSize: number;
  shareAcquireMode?: number;
  isRenewAck?: boolean;
  topics: ShareFetchTopic[];
  forgottenTopicsData: ShareForgottenTopic[];
}

export interface AcquiredRecords extends Tagged {
  firstOffset: bigint;
  lastOffset: bigint;
  deliveryCount: number;
}

export interface ShareFetchPartitionData extends Tagged {
  partitionIndex: number;
  errorCode: number;
  errorMessage: string | null;
  acknowledgeErrorCode: number;
  acknowledgeErrorMessage: string | null;
  currentLeader: LeaderIdAndEpoch;
  /** Raw record batches (a view into the decoded frame). */
  records: Buffer;
  acquiredRecords: AcquiredRecords[];
}

export interface ShareFetchableTopicResponse extends Tagged {
  topicId: string;
  partitions: ShareFetchPartitionData[];
}

export interface ShareFetchResponse extends Tagged {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  acquisitionLockTimeoutMs: number;
  responses: ShareFetchableTopicResponse[];
  nodeEndpoints: NodeEndpoint[];
}

const RequestSchema = struct("ShareFetchRequest", [
  field("groupId", "string", "0+", { nullable: "0+", default: null }),
  field("memberId", "string", "0+", { nullable: "0+" }),
  field("shareSessionEpoch", "int32"),
  field("maxWaitMs", "int32"),
  field("minBytes", "int32"),
  field("maxBytes", "int32", "0+", { default: INT32_MAX }),
  field("maxRecords", "int32", "1+"),
  field("batchSize", "int32", "1+"),
  field("shareAcquireMode", "int8", "2+"),
  field("isRenewAck", "bool", "2+"),
  field(
    "topics",
    arrayOf(
      struct("FetchTopic", [
        field("topicId", "uuid"),
        field(
          "partitions",
          arrayOf(
            struct("FetchPartition", [
              field("partitionIndex", "int32"),
              field("acknowledgementBatches", arrayOf(AcknowledgementBatchSchema)),
            ]),
          ),
        ),
      ]),
    ),
  ),
  field(
    "forgottenTopicsData",
    arrayOf(struct("ForgottenTopic", [field("topicId", "uuid"), field("partitions", arrayOf("int32"))])),
  ),
]);

const ResponseSchema = struct("ShareFetchResponse", [
  field("throttleTimeMs", "int32"),
  field("errorCode", "int16"),
  field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
  field("acquisitionLockTimeoutMs", "int32", "1+"),
  field(
    "responses",
    arrayOf(
      struct("ShareFetchableTopicResponse", [
        field("topicId", "uuid"),
        field(
          "partitions",
          arrayOf(
            struct("PartitionData", [
              field("partitionIndex", "int32"),
              field("errorCode", "int16"),
              field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
              field("acknowledgeErrorCode", "int16"),
              field("acknowledgeErrorMessage", "string", "0+", { nullable: "0+", default: null }),
              field("currentLeader", LeaderIdAndEpochSchema),
              field("records", "records"),
              field(
                "acquiredRecords",
                arrayOf(
                  struct("AcquiredRecords", [
                    field("firstOffset", "int64"),
                    field("lastOffset", "int64"),
                    field("deliveryCount", "int16"),
                  ]),
                ),
              ),
            ]),
          ),
        ),
      ]),
    ),
  ),
  field("nodeEndpoints", arrayOf(NodeEndpointSchema)),
]);

export const shareFetchCodec = schemaCodec<ShareFetchRequest, ShareFetchResponse>({
  apiKey: 78,
  name: "ShareFetch",
  minVersion: 1,
  maxVersion: 2,
  flexibleFrom: 0,
  request: RequestSchema,
  response: ResponseSchema,
});
