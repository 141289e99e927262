// The test rig's public surface for tests: import from "../rig/index.js" (path relative to the test).
export { clusterFromEnv, joinEndpoints, type ClusterInfo, type Endpoint, type SaslUser } from "./cluster-info.js";
export { describeVia, waitForBrokers, type ClusterView } from "./cluster-probe.js";
export { KafkaCluster, type ClusterOptions, type StopOptions } from "./kafka-cluster.js";
export { KAFKA_TOOLS, kafkaTool, runKafkaTool } from "./kafka-tools.js";
export { kcatLibrdkafkaVersion, kcatPath, kcatSupportsScram, runKcat } from "./kcat.js";
export {
  createTopic,
  kafkaUnavailableReason,
  kafkajsAt,
  kafkajsClient,
  uniqueTopic,
  useCluster,
  useOwnCluster,
  type Teardown,
  type UseClusterOptions,
} from "./test-cluster.js";
export {
  ALL_CLIENTS,
  CLIENT_CODECS,
  CLIENT_DECODES,
  CORE_CLIENTS,
  TRANSACTIONAL_CLIENTS,
  availableClients,
  clientUnavailableReason,
  prepareClient,
  consume,
  produce,
  sampleRecords,
  shareConsume,
  type ClientName,
  type ClientTarget,
  type Codec,
  type TextRecord,
} from "./client-matrix.js";
export {
  containsBytes,
  dumpLog,
  parseDumpLog,
  partitionDirs,
  rawLog,
  segmentFiles,
  type LogBatch,
  type LogRecord,
} from "./broker-log.js";
export {
  consumerPerf,
  parseConsumerPerf,
  parseProducerPerf,
  producerPerf,
  type ConsumerPerfResult,
  type ProducerPerfResult,
} from "./kafka-perf.js";
export { franzBinary, goAvailable, runFranz } from "./franz.js";
export { pythonClientVersions, runPythonClient, type PythonClient } from "./python-clients.js";
export { runProcess, type RunOptions, type RunResult } from "./run-process.js";
