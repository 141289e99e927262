/**
 * FindCoordinator (key 10), v0-6, flexible from v3. v4+ is batched (KIP-699).
 *
 * Request
 *   v0-3: Key string
 *   v1+:  KeyType int8 (0 group, 1 transaction, 2 share)
 *   v4+:  CoordinatorKeys [string]
 * Response
 *   v1+:  ThrottleTimeMs int32
 *   v0-3: ErrorCode int16 | v1-3: ErrorMessage nullable string | NodeId int32 | Host string |
 *         Port int32
 *   v4+:  Coordinators [Key string | NodeId int32 | Host string | Port int32 | ErrorCode int16 |
 *                       ErrorMessage nullable string]
 */
import { arrayOf, field, struct } from "../schema.js";
import { schemaCodec } from "../schema-codec.js";
import type { Tagged } from "./common.js";

export interface FindCoordinatorRequest extends Tagged {
  key?: string;
  keyType?: number;
  coordinatorKeys?: string[];
}

export interface Coordinator extends Tagged {
  key: string;
  nodeId: number;
  host: string;
  port: number;
  errorCode: number;
  errorMessage: string | null;
}

export interface FindCoordinatorResponse extends Tagged {
  throttleTimeMs?: number;
  errorCode?: number;
  errorMessage?: string | null;
  nodeId?: number;
  host?: string;
  port?: number;
  coordinators?: Coordinator[];
}

const RequestSchema = struct("FindCoordinatorRequest", [
  field("key", "string", "0-3"),
  field("keyType", "int8", "1+"),
  field("coordinatorKeys", arrayOf("string"), "4+"),
]);

const ResponseSchema = struct("FindCoordinatorResponse", [
  field("throttleTimeMs", "int32", "1+"),
  field("errorCode", "int16", "0-3"),
  field("errorMessage", "string", "1-3", { nullable: "1-3", default: null }),
  field("nodeId", "int32", "0-3"),
  field("host", "string", "0-3"),
  field("port", "int32", "0-3"),
  field(
    "coordinators",
    arrayOf(
      struct("Coordinator", [
        field("key", "string"),
        field("nodeId", "int32"),
        field("host", "string"),
        field("port", "int32"),
        field("errorCode", "int16"),
        field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
      ]),
    ),
    "4+",
  ),
]);

export const findCoordinatorCodec = schemaCodec<FindCoordinatorRequest, FindCoordinatorResponse>({
  apiKey: 10,
  name: "FindCoordinator",
  minVersion: 0,
  maxVersion: 6,
  flexibleFrom: 3,
  request: RequestSchema,
  response: ResponseSchema,
});
