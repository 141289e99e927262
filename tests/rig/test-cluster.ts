// What integration tests call to get a Kafka cluster: the shared one `npm test` started (from
// KSEAL_TEST_CLUSTER) when it fits, otherwise one of their own that is stopped at teardown.

import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Kafka, logLevel, type ITopicConfig, type SASLOptions } from "kafkajs";
import { clusterFromEnv, type ClusterInfo } from "./cluster-info.js";
import { KafkaCluster, type ClusterOptions } from "./kafka-cluster.js";

/** The part of a tap Test the helpers need. */
export interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface UseClusterOptions extends Omit<ClusterOptions, "ownerPid"> {
  /** Start a private cluster even when a shared one fits (tests that stop brokers need this). */
  own?: boolean;
}

/**
 * Why no cluster can be started here (no java or mvn), or undefined. Tests call this to skip with
 * a reason instead of failing on a machine without the JVM toolchain.
 */
export function kafkaUnavailableReason(): string | undefined {
  if (clusterFromEnv()) return undefined;
  for (const [bin, arg] of [["java", "-version"], ["mvn", "-v"]] as const) {
    const r = spawnSync(bin, [arg], { stdio: "ignore" });
    if (r.error || r.status !== 0) return `${bin} is not installed, so the test rig cannot start Kafka`;
  }
  return undefined;
}

/** A shared cluster fits when it has at least as many brokers and the listeners asked for. */
export function sharedFits(shared: ClusterInfo, opts: UseClusterOptions): boolean {
  if (opts.own || opts.dedicatedController || opts.props || opts.kafkaVersion || opts.fullJit || opts.jvmOpts) return false;
  if (opts.sasl && !shared.sasl) return false;
  return shared.brokers.length >= (opts.brokers ?? 1);
}

export async function useCluster(t: Teardown, opts: UseClusterOptions = {}): Promise<ClusterInfo> {
  const shared = clusterFromEnv();
  if (shared && sharedFits(shared, opts)) return shared;
  const cluster = await KafkaCluster.start(opts);
  t.teardown(() => cluster.stop());
  return cluster.info;
}

/** Like useCluster but always private, returning the handle that can stop and start nodes. */
export async function useOwnCluster(t: Teardown, opts: Omit<UseClusterOptions, "own"> = {}): Promise<KafkaCluster> {
  const cluster = await KafkaCluster.start(opts);
  t.teardown(() => cluster.stop());
  return cluster;
}

/** A topic name no other test uses, so tests can share one cluster. */
export function uniqueTopic(prefix = "t"): string {
  return `${prefix}-${randomBytes(6).toString("hex")}`;
}

/** A kafkajs client for a bootstrap list (a cluster's or the proxy's), logging nothing. */
export function kafkajsAt(bootstrap: string, opts: { sasl?: SASLOptions; clientId?: string } = {}): Kafka {
  return new Kafka({
    clientId: opts.clientId ?? "kseal-test",
    brokers: bootstrap.split(","),
    sasl: opts.sasl,
    logLevel: logLevel.NOTHING,
  });
}

/** A kafkajs client for the cluster (PLAINTEXT, or SASL when given), logging nothing. */
export function kafkajsClient(info: ClusterInfo, opts: { sasl?: SASLOptions; clientId?: string } = {}): Kafka {
  const bootstrap = opts.sasl ? info.sasl?.bootstrap : info.bootstrap;
  if (!bootstrap) throw new Error(`cluster ${info.name} has no SASL listener (start it with sasl: true)`);
  return kafkajsAt(bootstrap, opts);
}

/** Creates a topic and waits for its leaders; returns its name. */
export async function createTopic(
  info: ClusterInfo,
  topic: Partial<ITopicConfig> & { configs?: Record<string, string> } = {},
): Promise<string> {
  const name = topic.topic ?? uniqueTopic();
  const admin = kafkajsClient(info).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      // Leader election can take seconds on a loaded machine; kafkajs gives up after 5 s by default.
      timeout: 60_000,
      topics: [
        {
          topic: name,
          numPartitions: topic.numPartitions ?? 1,
          replicationFactor: topic.replicationFactor ?? 1,
          configEntries: Object.entries(topic.configs ?? {}).map(([name, value]) => ({ name, value })),
        },
      ],
    });
  } finally {
    await admin.disconnect();
  }
  return name;
}
