/**
 * DescribeCluster (key 60), v0-2, flexible from v0.
 *
 * Request
 *   IncludeClusterAuthorizedOperations bool | v1+: EndpointType int8 (1 brokers, 2 controllers)
 *   | v2+: IncludeFencedBrokers bool
 * Response
 *   ThrottleTimeMs int32 | ErrorCode int16 | ErrorMessage nullable string |
 *   v1+: EndpointType int8 | ClusterId string | ControllerId int32 |
 *   Brokers [BrokerId int32 | Host string | Port int32 | Rack nullable string |
 *            v2+: IsFenced bool] |
 *   ClusterAuthorizedOperations int32
 */
import { arrayOf, field, struct } from "../schema.js";
import { schemaCodec } from "../schema-codec.js";
import { INT32_MIN, type Tagged } from "./common.js";

export interface DescribeClusterRequest extends Tagged {
  includeClusterAuthorizedOperations: boolean;
  endpointType?: number;
  includeFencedBrokers?: boolean;
}

export interface DescribeClusterBroker extends Tagged {
  brokerId: number;
  host: string;
  port: number;
  rack: string | null;
  isFenced?: boolean;
}

export interface DescribeClusterResponse extends Tagged {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  endpointType?: number;
  clusterId: string;
  controllerId: number;
  brokers: DescribeClusterBroker[];
  clusterAuthorizedOperations: number;
}

const RequestSchema = struct("DescribeClusterRequest", [
  field("includeClusterAuthorizedOperations", "bool"),
  field("endpointType", "int8", "1+", { default: 1 }),
  field("includeFencedBrokers", "bool", "2+"),
]);

const ResponseSchema = struct("DescribeClusterResponse", [
  field("throttleTimeMs", "int32"),
  field("errorCode", "int16"),
  field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
  field("endpointType", "int8", "1+", { default: 1 }),
  field("clusterId", "string"),
  field("controllerId", "int32", "0+", { default: -1 }),
  field(
    "brokers",
    arrayOf(
      struct("DescribeClusterBroker", [
        field("brokerId", "int32"),
        field("host", "string"),
        field("port", "int32"),
        field("rack", "string", "0+", { nullable: "0+", default: null }),
        field("isFenced", "bool", "2+"),
      ]),
    ),
  ),
  field("clusterAuthorizedOperations", "int32", "0+", { default: INT32_MIN }),
]);

export const describeClusterCodec = schemaCodec<DescribeClusterRequest, DescribeClusterResponse>({
  apiKey: 60,
  name: "DescribeCluster",
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 0,
  request: RequestSchema,
  response: ResponseSchema,
});
