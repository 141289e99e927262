/** Structs several messages share, and the base type of every flexible struct. */
import type { TaggedField } from "../codec.js";
import { field, struct } from "../schema.js";

/** Every struct of a flexible version may carry tagged fields kseal does not know. */
export interface Tagged {
  unknownTaggedFields?: TaggedField[];
}

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

/**
 * NodeEndpoint (Produce v10+ / Fetch v16+ tagged NodeEndpoints, ShareFetch, ShareAcknowledge):
 * NodeId int32 | Host string | Port int32 | Rack nullable string
 */
export interface NodeEndpoint extends Tagged {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}
export const NodeEndpointSchema = struct("NodeEndpoint", [
  field("nodeId", "int32"),
  field("host", "string"),
  field("port", "int32"),
  field("rack", "string", "0+", { nullable: "0+", default: null }),
]);

/** LeaderIdAndEpoch: LeaderId int32 (default -1) | LeaderEpoch int32 (default -1) */
export interface LeaderIdAndEpoch extends Tagged {
  leaderId: number;
  leaderEpoch: number;
}
export const LeaderIdAndEpochSchema = struct("LeaderIdAndEpoch", [
  field("leaderId", "int32", "0+", { default: -1 }),
  field("leaderEpoch", "int32", "0+", { default: -1 }),
]);
