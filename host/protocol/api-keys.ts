/**
 * Every API key a Kafka 4.x broker or controller serves, with the version range of Kafka 4.4.0
 * and the first flexible version (KIP-482), which decides the header versions.
 *
 * Source: read from org.apache.kafka.common.protocol.ApiKeys of kafka-clients 4.4.0
 * (oldestVersion, latestVersion(true) — so unstable latest versions such as InitProducerId v6
 * are included — and the generated requestHeaderVersion rule). Keys 4-7 (LeaderAndIsr,
 * StopReplica, UpdateMetadata, ControlledShutdown) were ZooKeeper-only and are gone in 4.0.
 * Flexible-from never moves for an existing API, so this table also holds for 4.0-4.3; those
 * releases serve a subset of keys and versions.
 */

/** flexibleFrom for APIs that are never flexible. */
export const NEVER = Infinity;

/** [apiKey, name, min version (4.4), max version (4.4), first flexible version] */
const TABLE: ReadonlyArray<readonly [number, string, number, number, number]> = [
  [0, "Produce", 3, 13, 9],
  [1, "Fetch", 4, 18, 12],
  [2, "ListOffsets", 1, 11, 6],
  [3, "Metadata", 0, 13, 9],
  [8, "OffsetCommit", 2, 10, 8],
  [9, "OffsetFetch", 1, 10, 6],
  [10, "FindCoordinator", 0, 6, 3],
  [11, "JoinGroup", 0, 9, 6],
  [12, "Heartbeat", 0, 4, 4],
  [13, "LeaveGroup", 0, 5, 4],
  [14, "SyncGroup", 0, 5, 4],
  [15, "DescribeGroups", 0, 6, 5],
  [16, "ListGroups", 0, 5, 3],
  [17, "SaslHandshake", 0, 1, NEVER],
  [18, "ApiVersions", 0, 5, 3],
  [19, "CreateTopics", 2, 7, 5],
  [20, "DeleteTopics", 1, 6, 4],
  [21, "DeleteRecords", 0, 2, 2],
  [22, "InitProducerId", 0, 6, 2],
  [23, "OffsetForLeaderEpoch", 2, 4, 4],
  [24, "AddPartitionsToTxn", 0, 5, 3],
  [25, "AddOffsetsToTxn", 0, 4, 3],
  [26, "EndTxn", 0, 5, 3],
  [27, "WriteTxnMarkers", 1, 2, 0],
  [28, "TxnOffsetCommit", 0, 6, 3],
  [29, "DescribeAcls", 1, 3, 2],
  [30, "CreateAcls", 1, 3, 2],
  [31, "DeleteAcls", 1, 3, 2],
  [32, "DescribeConfigs", 1, 4, 4],
  [33, "AlterConfigs", 0, 2, 2],
  [34, "AlterReplicaLogDirs", 1, 2, 2],
  [35, "DescribeLogDirs", 1, 5, 2],
  [36, "SaslAuthenticate", 0, 2, 2],
  [37, "CreatePartitions", 0, 3, 2],
  [38, "CreateDelegationToken", 1, 3, 2],
  [39, "RenewDelegationToken", 1, 2, 2],
  [40, "ExpireDelegationToken", 1, 2, 2],
  [41, "DescribeDelegationToken", 1, 3, 2],
  [42, "DeleteGroups", 0, 3, 2],
  [43, "ElectLeaders", 0, 2, 2],
  [44, "IncrementalAlterConfigs", 0, 1, 1],
  [45, "AlterPartitionReassignments", 0, 1, 0],
  [46, "ListPartitionReassignments", 0, 0, 0],
  [47, "OffsetDelete", 0, 0, NEVER],
  [48, "DescribeClientQuotas", 0, 1, 1],
  [49, "AlterClientQuotas", 0, 1, 1],
  [50, "DescribeUserScramCredentials", 0, 0, 0],
  [51, "AlterUserScramCredentials", 0, 0, 0],
  [52, "Vote", 0, 2, 0],
  [53, "BeginQuorumEpoch", 0, 1, 1],
  [54, "EndQuorumEpoch", 0, 1, 1],
  [55, "DescribeQuorum", 0, 2, 0],
  [56, "AlterPartition", 2, 3, 0],
  [57, "UpdateFeatures", 0, 2, 0],
  [58, "Envelope", 0, 0, 0],
  [59, "FetchSnapshot", 0, 1, 0],
  [60, "DescribeCluster", 0, 2, 0],
  [61, "DescribeProducers", 0, 0, 0],
  [62, "BrokerRegistration", 0, 4, 0],
  [63, "BrokerHeartbeat", 0, 2, 0],
  [64, "UnregisterBroker", 0, 0, 0],
  [65, "DescribeTransactions", 0, 0, 0],
  [66, "ListTransactions", 0, 2, 0],
  [67, "AllocateProducerIds", 0, 0, 0],
  [68, "ConsumerGroupHeartbeat", 0, 1, 0],
  [69, "ConsumerGroupDescribe", 0, 1, 0],
  [70, "ControllerRegistration", 0, 0, 0],
  [71, "GetTelemetrySubscriptions", 0, 0, 0],
  [72, "PushTelemetry", 0, 0, 0],
  [73, "AssignReplicasToDirs", 0, 0, 0],
  [74, "ListConfigResources", 0, 1, 0],
  [75, "DescribeTopicPartitions", 0, 0, 0],
  [76, "ShareGroupHeartbeat", 1, 1, 0],
  [77, "ShareGroupDescribe", 1, 1, 0],
  [78, "ShareFetch", 1, 2, 0],
  [79, "ShareAcknowledge", 1, 2, 0],
  [80, "AddRaftVoter", 0, 1, 0],
  [81, "RemoveRaftVoter", 0, 0, 0],
  [82, "UpdateRaftVoter", 0, 0, 0],
  [83, "InitializeShareGroupState", 0, 0, 0],
  [84, "ReadShareGroupState", 0, 0, 0],
  [85, "WriteShareGroupState", 0, 1, 0],
  [86, "DeleteShareGroupState", 0, 0, 0],
  [87, "ReadShareGroupStateSummary", 0, 1, 0],
  [88, "StreamsGroupHeartbeat", 0, 1, 0],
  [89, "StreamsGroupDescribe", 0, 1, 0],
  [90, "DescribeShareGroupOffsets", 0, 1, 0],
  [91, "AlterShareGroupOffsets", 0, 0, 0],
  [92, "DeleteShareGroupOffsets", 0, 0, 0],
  [93, "StreamsGroupTopologyDescriptionUpdate", 0, 0, 0],
  [94, "UnregisterController", 0, 0, 0],
];

export interface ApiKeyInfo {
  apiKey: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  flexibleFrom: number;
}

export const API_KEYS: ReadonlyMap<number, ApiKeyInfo> = new Map(
  TABLE.map(([apiKey, name, minVersion, maxVersion, flexibleFrom]) => [
    apiKey,
    { apiKey, name, minVersion, maxVersion, flexibleFrom },
  ]),
);

/** Numeric constants for the keys kseal handles itself. */
export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  SaslHandshake: 17,
  ApiVersions: 18,
  SaslAuthenticate: 36,
  DescribeCluster: 60,
  ConsumerGroupHeartbeat: 68,
  DescribeTopicPartitions: 75,
  ShareFetch: 78,
  ShareAcknowledge: 79,
} as const;

export function apiKeyName(apiKey: number): string {
  return API_KEYS.get(apiKey)?.name ?? `Unknown(${apiKey})`;
}
