// What a started cluster tells its users. `rig up` prints this as one JSON line, and
// tests/run-all.mjs hands that line to every test as KSEAL_TEST_CLUSTER.

export interface Endpoint {
  nodeId: number;
  host: string;
  port: number;
}

export interface SaslUser {
  username: string;
  password: string;
}

export interface SaslListenerInfo {
  /** Comma-separated host:port list of the SASL_PLAINTEXT listeners. */
  bootstrap: string;
  brokers: Endpoint[];
  /** Mechanisms the brokers enable on that listener. */
  mechanisms: string[];
  /** Users known to every enabled mechanism (PLAIN from JAAS, SCRAM from the formatted log). */
  users: SaslUser[];
}

export interface ClusterInfo {
  name: string;
  kafkaVersion: string;
  clusterId: string;
  /** Comma-separated host:port list of the PLAINTEXT listeners, for clients and the proxy. */
  bootstrap: string;
  brokers: Endpoint[];
  controllers: Endpoint[];
  sasl?: SaslListenerInfo;
  /** Working directory of the cluster: node data, configs and logs (node-N/server.log). */
  dir: string;
  /** File holding the Java classpath (broker, tools, log4j2) the cluster runs on. */
  classpathFile: string;
  /** log4j2 configuration tools should use so their logs stay quiet. */
  toolLog4jFile: string;
  /** Process that owns the JVMs (the rig supervisor, or the test process that started them). */
  pid: number;
}

/** Reads the shared cluster that `npm test` started, or undefined when there is none. */
export function clusterFromEnv(env: NodeJS.ProcessEnv = process.env): ClusterInfo | undefined {
  const raw = env.KSEAL_TEST_CLUSTER;
  if (!raw) return undefined;
  const info = JSON.parse(raw) as ClusterInfo;
  if (typeof info.bootstrap !== "string" || !Array.isArray(info.brokers) || info.brokers.length === 0) {
    throw new Error("KSEAL_TEST_CLUSTER is not a cluster description (no bootstrap or brokers)");
  }
  return info;
}

export function joinEndpoints(endpoints: Endpoint[]): string {
  return endpoints.map((e) => `${e.host}:${e.port}`).join(",");
}
