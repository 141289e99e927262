// Hand-built messages holding every field of every version, non-default values, and unknown
// tagged fields at several struct levels. Encoding at version v keeps the fields v has.
import { unknownTags as u } from "./helpers.js";

const ID1 = "00112233445566778899aabbccddeeff";
const ID2 = "ffeeddccbbaa99887766554433221100";
const batch = Buffer.from("000000000000000000000031ffffffff02", "hex"); // opaque to the codec
const endpoints = [
  { nodeId: 1, host: "broker-1.example", port: 9092, rack: "r1", unknownTaggedFields: u(5) },
  { nodeId: 2, host: "broker-2.example", port: 9093, rack: null },
];
const leader = { leaderId: 2, leaderEpoch: 7, unknownTaggedFields: u(3) };

export const SAMPLES: Record<string, { request: object; response: object }> = {
  ApiVersions: {
    request: { clientSoftwareName: "kseal", clientSoftwareVersion: "0.1.0", clusterId: "abc", nodeId: 3, unknownTaggedFields: u(9) },
    response: {
      errorCode: 0,
      apiKeys: [
        { apiKey: 0, minVersion: 0, maxVersion: 13, unknownTaggedFields: u(4) },
        { apiKey: 18, minVersion: 0, maxVersion: 5 },
      ],
      throttleTimeMs: 12,
      supportedFeatures: [{ name: "metadata.version", minVersion: 1, maxVersion: 27, unknownTaggedFields: u(1) }],
      finalizedFeaturesEpoch: 42n,
      finalizedFeatures: [{ name: "metadata.version", maxVersionLevel: 27, minVersionLevel: 27 }],
      zkMigrationReady: true,
      unknownTaggedFields: u(4, 11),
    },
  },
  Metadata: {
    request: {
      topics: [{ topicId: ID1, name: "orders", unknownTaggedFields: u(2) }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: true,
      includeTopicAuthorizedOperations: true,
      unknownTaggedFields: u(8),
    },
    response: {
      throttleTimeMs: 3,
      brokers: [
        { nodeId: 1, host: "b1", port: 9092, rack: "r1", unknownTaggedFields: u(1) },
        { nodeId: 2, host: "b2", port: 9093, rack: null },
      ],
      clusterId: "cluster-xyz",
      controllerId: 2,
      topics: [
        {
          errorCode: 0,
          name: "orders",
          topicId: ID1,
          isInternal: false,
          partitions: [
            {
              errorCode: 0,
              partitionIndex: 0,
              leaderId: 1,
              leaderEpoch: 4,
              replicaNodes: [1, 2],
              isrNodes: [1],
              offlineReplicas: [2],
              unknownTaggedFields: u(0),
            },
          ],
          topicAuthorizedOperations: 248,
          unknownTaggedFields: u(6),
        },
      ],
      clusterAuthorizedOperations: 1024,
      errorCode: 0,
      unknownTaggedFields: u(0, 1),
    },
  },
  FindCoordinator: {
    request: { key: "group-a", keyType: 1, coordinatorKeys: ["group-a", "group-b"], unknownTaggedFields: u(3) },
    response: {
      throttleTimeMs: 1,
      errorCode: 15,
      errorMessage: "not yet",
      nodeId: 2,
      host: "b2",
      port: 9093,
      coordinators: [
        { key: "group-a", nodeId: 1, host: "b1", port: 9092, errorCode: 0, errorMessage: null, unknownTaggedFields: u(2) },
        { key: "group-b", nodeId: -1, host: "", port: -1, errorCode: 15, errorMessage: "loading" },
      ],
      unknownTaggedFields: u(7),
    },
  },
  DescribeCluster: {
    request: { includeClusterAuthorizedOperations: true, endpointType: 2, includeFencedBrokers: true, unknownTaggedFields: u(1) },
    response: {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      endpointType: 1,
      clusterId: "cluster-xyz",
      controllerId: 1,
      brokers: [{ brokerId: 1, host: "b1", port: 9092, rack: null, isFenced: true, unknownTaggedFields: u(4) }],
      clusterAuthorizedOperations: -2147483648,
      unknownTaggedFields: u(2),
    },
  },
  Produce: {
    request: {
      transactionalId: "tx-1",
      acks: -1,
      timeoutMs: 30000,
      topicData: [
        {
          name: "orders",
          topicId: ID1,
          partitionData: [
            { index: 0, records: batch, unknownTaggedFields: u(1) },
            { index: 1, records: null },
          ],
          unknownTaggedFields: u(0),
        },
      ],
      unknownTaggedFields: u(5),
    },
    response: {
      responses: [
        {
          name: "orders",
          topicId: ID1,
          partitionResponses: [
            {
              index: 0,
              errorCode: 6,
              baseOffset: -1n,
              logAppendTimeMs: 1700000000000n,
              logStartOffset: 5n,
              recordErrors: [{ batchIndex: 3, batchIndexErrorMessage: "bad", unknownTaggedFields: u(0) }],
              errorMessage: "not leader",
              currentLeader: leader,
              unknownTaggedFields: u(4),
            },
          ],
          unknownTaggedFields: u(2),
        },
      ],
      throttleTimeMs: 7,
      nodeEndpoints: endpoints,
      unknownTaggedFields: u(1, 3),
    },
  },
  Fetch: {
    request: {
      clusterId: "cluster-xyz",
      replicaId: -1,
      replicaState: { replicaId: 5, replicaEpoch: 9n, unknownTaggedFields: u(2) },
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 52428800,
      isolationLevel: 1,
      sessionId: 77,
      sessionEpoch: 3,
      topics: [
        {
          topic: "orders",
          topicId: ID1,
          partitions: [
            {
              partition: 0,
              currentLeaderEpoch: 4,
              fetchOffset: 100n,
              lastFetchedEpoch: 3,
              logStartOffset: 0n,
              partitionMaxBytes: 1048576,
              replicaDirectoryId: ID2,
              highWatermark: 120n,
              unknownTaggedFields: u(9),
            },
          ],
          unknownTaggedFields: u(0),
        },
      ],
      forgottenTopicsData: [{ topic: "old", topicId: ID2, partitions: [1, 2], unknownTaggedFields: u(1) }],
      rackId: "r1",
      unknownTaggedFields: u(2, 30),
    },
    response: {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 77,
      responses: [
        {
          topic: "orders",
          topicId: ID1,
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              highWatermark: 120n,
              lastStableOffset: 118n,
              logStartOffset: 0n,
              divergingEpoch: { epoch: 2, endOffset: 90n, unknownTaggedFields: u(0) },
              currentLeader: leader,
              snapshotId: { endOffset: 50n, epoch: 1 },
              abortedTransactions: [{ producerId: 1000n, firstOffset: 101n, unknownTaggedFields: u(0) }],
              preferredReadReplica: 2,
              records: batch,
              unknownTaggedFields: u(3, 200),
            },
            {
              partitionIndex: 1,
              errorCode: 1,
              highWatermark: -1n,
              lastStableOffset: -1n,
              logStartOffset: -1n,
              abortedTransactions: null,
              preferredReadReplica: -1,
              records: null,
            },
          ],
          unknownTaggedFields: u(0),
        },
      ],
      nodeEndpoints: endpoints,
      unknownTaggedFields: u(1),
    },
  },
  ShareFetch: {
    request: {
      groupId: "share-g",
      memberId: "m-1",
      shareSessionEpoch: 1,
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 1048576,
      maxRecords: 500,
      batchSize: 100,
      shareAcquireMode: 1,
      isRenewAck: true,
      topics: [
        {
          topicId: ID1,
          partitions: [
            {
              partitionIndex: 0,
              acknowledgementBatches: [{ firstOffset: 1n, lastOffset: 3n, acknowledgeTypes: [1, 0, 2], unknownTaggedFields: u(0) }],
              unknownTaggedFields: u(1),
            },
          ],
        },
      ],
      forgottenTopicsData: [{ topicId: ID2, partitions: [0], unknownTaggedFields: u(0) }],
      unknownTaggedFields: u(0),
    },
    response: {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      acquisitionLockTimeoutMs: 30000,
      responses: [
        {
          topicId: ID1,
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              errorMessage: null,
              acknowledgeErrorCode: 0,
              acknowledgeErrorMessage: null,
              currentLeader: leader,
              records: batch,
              acquiredRecords: [{ firstOffset: 1n, lastOffset: 3n, deliveryCount: 1, unknownTaggedFields: u(2) }],
              unknownTaggedFields: u(5),
            },
          ],
        },
      ],
      nodeEndpoints: endpoints,
      unknownTaggedFields: u(0),
    },
  },
  ShareAcknowledge: {
    request: {
      groupId: "share-g",
      memberId: "m-1",
      shareSessionEpoch: 2,
      isRenewAck: false,
      topics: [
        {
          topicId: ID1,
          partitions: [{ partitionIndex: 0, acknowledgementBatches: [{ firstOffset: 1n, lastOffset: 1n, acknowledgeTypes: [1] }] }],
          unknownTaggedFields: u(4),
        },
      ],
      unknownTaggedFields: u(1),
    },
    response: {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      acquisitionLockTimeoutMs: 15000,
      responses: [
        {
          topicId: ID1,
          partitions: [{ partitionIndex: 0, errorCode: 121, errorMessage: "invalid state", currentLeader: leader, unknownTaggedFields: u(0) }],
        },
      ],
      nodeEndpoints: endpoints,
    },
  },
};
