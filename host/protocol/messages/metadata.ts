/**
 * Metadata (key 3), v0-13, flexible from v9.
 *
 * Request
 *   Topics [ v10+: TopicId uuid | Name string (nullable v10+) ]   (nullable v1+: null = all
 *          topics; in v0 an empty array means all)
 *   v4+:   AllowAutoTopicCreation bool (default true)
 *   v8-10: IncludeClusterAuthorizedOperations bool
 *   v8+:   IncludeTopicAuthorizedOperations bool
 * Response
 *   v3+: ThrottleTimeMs int32
 *   Brokers [NodeId int32 | Host string | Port int32 | v1+: Rack nullable string]
 *   v2+: ClusterId nullable string
 *   v1+: ControllerId int32
 *   Topics [ErrorCode int16 | Name string (nullable v12+) | v10+: TopicId uuid |
 *           v1+: IsInternal bool |
 *           Partitions [ErrorCode int16 | PartitionIndex int32 | LeaderId int32 |
 *                       v7+: LeaderEpoch int32 | ReplicaNodes [int32] | IsrNodes [int32] |
 *                       v5+: OfflineReplicas [int32]] |
 *           v8+: TopicAuthorizedOperations int32]
 *   v8-10: ClusterAuthorizedOperations int32
 *   v13+:  ErrorCode int16   (KIP-1102: REBOOTSTRAP_REQUIRED)
 */
import { arrayOf, field, struct } from "../schema.js";
import { schemaCodec } from "../schema-codec.js";
import { INT32_MIN, type Tagged } from "./common.js";

export interface MetadataRequestTopic extends Tagged {
  topicId?: string;
  name: string | null;
}

export interface MetadataRequest extends Tagged {
  topics: MetadataRequestTopic[] | null;
  allowAutoTopicCreation?: boolean;
  includeClusterAuthorizedOperations?: boolean;
  includeTopicAuthorizedOperations?: boolean;
}

export interface MetadataResponseBroker extends Tagged {
  nodeId: number;
  host: string;
  port: number;
  rack?: string | null;
}

export interface MetadataResponsePartition extends Tagged {
  errorCode: number;
  partitionIndex: number;
  leaderId: number;
  leaderEpoch?: number;
  replicaNodes: number[];
  isrNodes: number[];
  offlineReplicas?: number[];
}

export interface MetadataResponseTopic extends Tagged {
  errorCode: number;
  name: string | null;
  topicId?: string;
  isInternal?: boolean;
  partitions: MetadataResponsePartition[];
  topicAuthorizedOperations?: number;
}

export interface MetadataResponse extends Tagged {
  throttleTimeMs?: number;
  brokers: MetadataResponseBroker[];
  clusterId?: string | null;
  controllerId?: number;
  topics: MetadataResponseTopic[];
  clusterAuthorizedOperations?: number;
  errorCode?: number;
}

const RequestSchema = struct("MetadataRequest", [
  field(
    "topics",
    arrayOf(
      struct("MetadataRequestTopic", [
        field("topicId", "uuid", "10+"),
        field("name", "string", "0+", { nullable: "10+" }),
      ]),
    ),
    "0+",
    { nullable: "1+" },
  ),
  field("allowAutoTopicCreation", "bool", "4+", { default: true }),
  field("includeClusterAuthorizedOperations", "bool", "8-10"),
  field("includeTopicAuthorizedOperations", "bool", "8+"),
]);

const ResponseSchema = struct("MetadataResponse", [
  field("throttleTimeMs", "int32", "3+"),
  field(
    "brokers",
    arrayOf(
      struct("MetadataResponseBroker", [
        field("nodeId", "int32"),
        field("host", "string"),
        field("port", "int32"),
        field("rack", "string", "1+", { nullable: "1+", default: null }),
      ]),
    ),
  ),
  field("clusterId", "string", "2+", { nullable: "2+", default: null }),
  field("controllerId", "int32", "1+", { default: -1 }),
  field(
    "topics",
    arrayOf(
      struct("MetadataResponseTopic", [
        field("errorCode", "int16"),
        field("name", "string", "0+", { nullable: "12+" }),
        field("topicId", "uuid", "10+"),
        field("isInternal", "bool", "1+"),
        field(
          "partitions",
          arrayOf(
            struct("MetadataResponsePartition", [
              field("errorCode", "int16"),
              field("partitionIndex", "int32"),
              field("leaderId", "int32"),
              field("leaderEpoch", "int32", "7+", { default: -1 }),
              field("replicaNodes", arrayOf("int32")),
              field("isrNodes", arrayOf("int32")),
              field("offlineReplicas", arrayOf("int32"), "5+"),
            ]),
          ),
        ),
        field("topicAuthorizedOperations", "int32", "8+", { default: INT32_MIN }),
      ]),
    ),
  ),
  field("clusterAuthorizedOperations", "int32", "8-10", { default: INT32_MIN }),
  field("errorCode", "int16", "13+"),
]);

export const metadataCodec = schemaCodec<MetadataRequest, MetadataResponse>({
  apiKey: 3,
  name: "Metadata",
  minVersion: 0,
  maxVersion: 13,
  flexibleFrom: 9,
  request: RequestSchema,
  response: ResponseSchema,
});
