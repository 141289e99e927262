/**
 * Produce (key 0), v3-13, flexible from v9. Kafka 4.x rejects v0-2 (while still advertising
 * min 0 for old librdkafka feature detection). Records stay raw bytes (one v2 batch per
 * partition in v3+); topics are named in v3-12 and identified by TopicId in v13 (Kafka 4.1+).
 *
 * Request
 *   TransactionalId nullable string | Acks int16 | TimeoutMs int32 |
 *   TopicData [v3-12: Name string | v13+: TopicId uuid |
 *              PartitionData [Index int32 | Records nullable bytes]]
 * Response
 *   Responses [v3-12: Name string | v13+: TopicId uuid |
 *              PartitionResponses [Index int32 | ErrorCode int16 | BaseOffset int64 |
 *                                  LogAppendTimeMs int64 | v5+: LogStartOffset int64 |
 *                                  v8+: RecordErrors [BatchIndex int32 |
 *                                                     BatchIndexErrorMessage nullable string] |
 *                                  v8+: ErrorMessage nullable string |
 *                                  v10+ tagged 0: CurrentLeader {LeaderId int32 | LeaderEpoch int32}]]
 *   ThrottleTimeMs int32
 *   v10+ tagged 0: NodeEndpoints [NodeId int32 | Host string | Port int32 | Rack nullable string]
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

export interface PartitionProduceData extends Tagged {
  index: number;
  /** Raw record batch bytes (a view into the decoded frame). */
  records: Buffer | null;
}

export interface TopicProduceData extends Tagged {
  name?: string;
  topicId?: string;
  partitionData: PartitionProduceData[];
}

export interface ProduceRequest extends Tagged {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topicData: TopicProduceData[];
}

export interface BatchIndexAndErrorMessage extends Tagged {
  batchIndex: number;
  batchIndexErrorMessage: string | null;
}

export interface PartitionProduceResponse extends Tagged {
  index: number;
  errorCode: number;
  baseOffset: bigint;
  logAppendTimeMs: bigint;
  logStartOffset?: bigint;
  recordErrors?: BatchIndexAndErrorMessage[];
  errorMessage?: string | null;
  currentLeader?: LeaderIdAndEpoch;
}

export interface TopicProduceResponse extends Tagged {
  name?: string;
  topicId?: string;
  partitionResponses: PartitionProduceResponse[];
}

export interface ProduceResponse extends Tagged {
  responses: TopicProduceResponse[];
  throttleTimeMs: number;
  nodeEndpoints?: NodeEndpoint[];
}

const RequestSchema = struct("ProduceRequest", [
  field("transactionalId", "string", "3+", { nullable: "3+", default: null }),
  field("acks", "int16"),
  field("timeoutMs", "int32"),
  field(
    "topicData",
    arrayOf(
      struct("TopicProduceData", [
        field("name", "string", "0-12"),
        field("topicId", "uuid", "13+"),
        field(
          "partitionData",
          arrayOf(
            struct("PartitionProduceData", [
              field("index", "int32"),
              field("records", "records", "0+", { nullable: "0+" }),
            ]),
          ),
        ),
      ]),
    ),
  ),
]);

const ResponseSchema = struct("ProduceResponse", [
  field(
    "responses",
    arrayOf(
      struct("TopicProduceResponse", [
        field("name", "string", "0-12"),
        field("topicId", "uuid", "13+"),
        field(
          "partitionResponses",
          arrayOf(
            struct("PartitionProduceResponse", [
              field("index", "int32"),
              field("errorCode", "int16"),
              field("baseOffset", "int64"),
              field("logAppendTimeMs", "int64", "2+", { default: -1n }),
              field("logStartOffset", "int64", "5+", { default: -1n }),
              field(
                "recordErrors",
                arrayOf(
                  struct("BatchIndexAndErrorMessage", [
                    field("batchIndex", "int32"),
                    field("batchIndexErrorMessage", "string", "8+", { nullable: "8+", default: null }),
                  ]),
                ),
                "8+",
              ),
              field("errorMessage", "string", "8+", { nullable: "8+", default: null }),
              field("currentLeader", LeaderIdAndEpochSchema, "10+", { tag: 0 }),
            ]),
          ),
        ),
      ]),
    ),
  ),
  field("throttleTimeMs", "int32", "1+"),
  field("nodeEndpoints", arrayOf(NodeEndpointSchema), "10+", { tag: 0 }),
]);

export const produceCodec = schemaCodec<ProduceRequest, ProduceResponse>({
  apiKey: 0,
  name: "Produce",
  minVersion: 3,
  maxVersion: 13,
  flexibleFrom: 9,
  request: RequestSchema,
  response: ResponseSchema,
});
