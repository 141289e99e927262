/**
 * ShareAcknowledge (key 79), v1-2, flexible from v0 (KIP-932). v0 (Kafka 4.0 early access) is
 * not decoded. NodeEndpoints is a regular (not tagged) field and must be rewritten by the proxy.
 *
 * Request
 *   GroupId nullable string | MemberId nullable string | ShareSessionEpoch int32 |
 *   v2+: IsRenewAck bool |
 *   Topics [TopicId uuid | Partitions [PartitionIndex int32 |
 *           AcknowledgementBatches [FirstOffset int64 | LastOffset int64 | AcknowledgeTypes [int8]]]]
 * Response
 *   ThrottleTimeMs int32 | ErrorCode int16 | ErrorMessage nullable string |
 *   v2+: AcquisitionLockTimeoutMs int32 |
 *   Responses [TopicId uuid | Partitions [PartitionIndex int32 | ErrorCode int16 |
 *              ErrorMessage nullable string | CurrentLeader {LeaderId int32 | LeaderEpoch int32}]]
 *   NodeEndpoints [NodeId int32 | Host string | Port int32 | Rack nullable string]
 */
import { arrayOf, field, struct } from "../schema.js";
import { schemaCodec } from "../schema-codec.js";
import {
  LeaderIdAndEpochSchema,
  NodeEndpointSchema,
  type LeaderIdAndEpoch,
  type NodeEndpoint,
  type Tagged,
} from "./common.js";
import { AcknowledgementBatchSchema, type AcknowledgementBatch } from "./share-fetch.js";

export interface AcknowledgePartition extends Tagged {
  partitionIndex: number;
  acknowledgementBatches: AcknowledgementBatch[];
}

export interface AcknowledgeTopic extends Tagged {
  topicId: string;
  partitions: AcknowledgePartition[];
}

export interface ShareAcknowledgeRequest extends Tagged {
  groupId: string | null;
  memberId: string | null;
  shareSessionEpoch: number;
  isRenewAck?: boolean;
  topics: AcknowledgeTopic[];
}

export interface ShareAcknowledgePartitionData extends Tagged {
  partitionIndex: number;
  errorCode: number;
  errorMessage: string | null;
  currentLeader: LeaderIdAndEpoch;
}

export interface ShareAcknowledgeTopicResponse extends Tagged {
  topicId: string;
  partitions: ShareAcknowledgePartitionData[];
}

export interface ShareAcknowledgeResponse extends Tagged {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  acquisitionLockTimeoutMs?: number;
  responses: ShareAcknowledgeTopicResponse[];
  nodeEndpoints: NodeEndpoint[];
}

const RequestSchema = struct("ShareAcknowledgeRequest", [
  field("groupId", "string", "0+", { nullable: "0+", default: null }),
  field("memberId", "string", "0+", { nullable: "0+" }),
  field("shareSessionEpoch", "int32"),
  field("isRenewAck", "bool", "2+"),
  field(
    "topics",
    arrayOf(
      struct("AcknowledgeTopic", [
        field("topicId", "uuid"),
        field(
          "partitions",
          arrayOf(
            struct("AcknowledgePartition", [
              field("partitionIndex", "int32"),
              field("acknowledgementBatches", arrayOf(AcknowledgementBatchSchema)),
            ]),
          ),
        ),
      ]),
    ),
  ),
]);

const ResponseSchema = struct("ShareAcknowledgeResponse", [
  field("throttleTimeMs", "int32"),
  field("errorCode", "int16"),
  field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
  field("acquisitionLockTimeoutMs", "int32", "2+"),
  field(
    "responses",
    arrayOf(
      struct("ShareAcknowledgeTopicResponse", [
        field("topicId", "uuid"),
        field(
          "partitions",
          arrayOf(
            struct("PartitionData", [
              field("partitionIndex", "int32"),
              field("errorCode", "int16"),
              field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
              field("currentLeader", LeaderIdAndEpochSchema),
            ]),
          ),
        ),
      ]),
    ),
  ),
  field("nodeEndpoints", arrayOf(NodeEndpointSchema)),
]);

export const shareAcknowledgeCodec = schemaCodec<ShareAcknowledgeRequest, ShareAcknowledgeResponse>({
  apiKey: 79,
  name: "ShareAcknowledge",
  minVersion: 1,
  maxVersion: 2,
  flexibleFrom: 0,
  request: RequestSchema,
  response: ResponseSchema,
});
