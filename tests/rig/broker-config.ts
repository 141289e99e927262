// The shape of a test cluster and the server.properties of each of its nodes (KRaft, Kafka 4.x).
//
// Layout: node ids 1..brokers run the broker role. The controller quorum is a single voter, either
// combined into node 1 (the default: one JVM fewer) or a dedicated controller-only node with id
// brokers+1, for tests that stop any broker, node 1 included, while metadata stays writable.
// Everything listens on 127.0.0.1 only.

import { join } from "node:path";
import type { SaslUser } from "./cluster-info.js";

export const RIG_HOST = "127.0.0.1";

export type Role = "broker" | "controller";

export interface NodePlan {
  nodeId: number;
  roles: Role[];
  /** PLAINTEXT client listener (broker role). */
  brokerPort?: number;
  /** SASL_PLAINTEXT client listener (broker role, when SASL is enabled). */
  saslPort?: number;
  /** CONTROLLER listener (controller role). */
  controllerPort?: number;
  dir: string;
}

export interface SaslPlan {
  mechanisms: string[];
  users: SaslUser[];
}

export interface ClusterPlan {
  brokers: number;
  nodes: NodePlan[];
  sasl?: SaslPlan;
  /** Extra broker properties; they override the rig's defaults. */
  props: Record<string, string>;
}

export interface PlanOptions {
  brokers: number;
  dir: string;
  dedicatedController?: boolean;
  sasl?: boolean | Partial<SaslPlan>;
  props?: Record<string, string>;
}

export const SASL_MECHANISMS = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"];
export const DEFAULT_SASL_USERS: SaslUser[] = [
  { username: "alice", password: "alice-secret" },
  { username: "bob", password: "bob-secret" },
];

/** Lays out nodes and takes one port per listener from `nextPort`. */
export function planCluster(opts: PlanOptions, nextPort: () => number): ClusterPlan {
  if (!Number.isInteger(opts.brokers) || opts.brokers < 1 || opts.brokers > 9) {
    throw new Error(`brokers must be an integer from 1 to 9, got ${opts.brokers}`);
  }
  const sasl = opts.sasl
    ? {
        mechanisms: (opts.sasl === true ? undefined : opts.sasl.mechanisms) ?? SASL_MECHANISMS,
        users: (opts.sasl === true ? undefined : opts.sasl.users) ?? DEFAULT_SASL_USERS,
      }
    : undefined;
  const nodes: NodePlan[] = [];
  for (let id = 1; id <= opts.brokers; id++) {
    const combined = id === 1 && !opts.dedicatedController;
    nodes.push({
      nodeId: id,
      roles: combined ? ["broker", "controller"] : ["broker"],
      brokerPort: nextPort(),
      saslPort: sasl ? nextPort() : undefined,
      controllerPort: combined ? nextPort() : undefined,
      dir: join(opts.dir, `node-${id}`),
    });
  }
  if (opts.dedicatedController) {
    const id = opts.brokers + 1;
    nodes.push({ nodeId: id, roles: ["controller"], controllerPort: nextPort(), dir: join(opts.dir, `node-${id}`) });
  }
  return { brokers: opts.brokers, nodes, sasl, props: opts.props ?? {} };
}

export function controllerNodes(plan: ClusterPlan): NodePlan[] {
  return plan.nodes.filter((n) => n.roles.includes("controller"));
}

export function brokerNodes(plan: ClusterPlan): NodePlan[] {
  return plan.nodes.filter((n) => n.roles.includes("broker"));
}

/** Broker defaults sized for a throwaway cluster of `brokers` nodes. */
function clusterDefaults(brokers: number): Record<string, string> {
  // Internal topics replicate like a production cluster would where there are enough brokers, so
  // tests can stop one broker without losing group offsets or transaction state.
  const rf = String(Math.min(brokers, 3));
  const minIsr = String(Math.min(brokers, 2));
  return {
    "offsets.topic.replication.factor": rf,
    "offsets.topic.num.partitions": "10",
    "transaction.state.log.replication.factor": rf,
    "transaction.state.log.min.isr": minIsr,
    "transaction.state.log.num.partitions": "10",
    "share.coordinator.state.topic.replication.factor": rf,
    "share.coordinator.state.topic.min.isr": minIsr,
    "default.replication.factor": "1",
    "num.partitions": "1",
    // Consumer groups form at once instead of waiting 3 s for more members.
    "group.initial.rebalance.delay.ms": "0",
    "auto.create.topics.enable": "true",
    "delete.topic.enable": "true",
  };
}

/** server.properties of one node, as key/value pairs (see toProperties for the file text). */
export function nodeProperties(plan: ClusterPlan, node: NodePlan): Record<string, string> {
  const voters = controllerNodes(plan)
    .map((c) => `${c.nodeId}@${RIG_HOST}:${c.controllerPort}`)
    .join(",");
  const listeners: string[] = [];
  const advertised: string[] = [];
  const protocols = ["CONTROLLER:PLAINTEXT", "PLAINTEXT:PLAINTEXT"];
  if (node.brokerPort !== undefined) {
    listeners.push(`PLAINTEXT://${RIG_HOST}:${node.brokerPort}`);
    advertised.push(`PLAINTEXT://${RIG_HOST}:${node.brokerPort}`);
  }
  if (node.saslPort !== undefined) {
    listeners.push(`SASL_PLAINTEXT://${RIG_HOST}:${node.saslPort}`);
    advertised.push(`SASL_PLAINTEXT://${RIG_HOST}:${node.saslPort}`);
  }
  if (plan.sasl) protocols.push("SASL_PLAINTEXT:SASL_PLAINTEXT");
  if (node.controllerPort !== undefined) listeners.push(`CONTROLLER://${RIG_HOST}:${node.controllerPort}`);

  const props: Record<string, string> = {
    "process.roles": node.roles.join(","),
    "node.id": String(node.nodeId),
    "controller.quorum.voters": voters,
    "controller.listener.names": "CONTROLLER",
    listeners: listeners.join(","),
    "listener.security.protocol.map": protocols.join(","),
    "log.dirs": join(node.dir, "data"),
  };
  if (advertised.length > 0) {
    props["advertised.listeners"] = advertised.join(",");
    props["inter.broker.listener.name"] = "PLAINTEXT";
    Object.assign(props, clusterDefaults(plan.brokers));
  }
  if (plan.sasl && node.saslPort !== undefined) Object.assign(props, saslProperties(plan.sasl));
  return { ...props, ...plan.props };
}

function saslProperties(sasl: SaslPlan): Record<string, string> {
  const props: Record<string, string> = { "sasl.enabled.mechanisms": sasl.mechanisms.join(",") };
  for (const mech of sasl.mechanisms) {
    const key = `listener.name.sasl_plaintext.${mech.toLowerCase()}.sasl.jaas.config`;
    if (mech === "PLAIN") {
      const users = sasl.users.map((u) => `user_${u.username}="${u.password}"`).join(" ");
      props[key] = `org.apache.kafka.common.security.plain.PlainLoginModule required ${users};`;
    } else if (mech.startsWith("SCRAM-")) {
      props[key] = "org.apache.kafka.common.security.scram.ScramLoginModule required;";
    } else {
      throw new Error(`the rig cannot configure SASL mechanism ${mech}`);
    }
  }
  return props;
}

/** `kafka-storage format` arguments that seed SCRAM credentials into the bootstrap metadata. */
export function scramFormatArgs(plan: ClusterPlan): string[] {
  if (!plan.sasl) return [];
  const args: string[] = [];
  for (const mech of plan.sasl.mechanisms.filter((m) => m.startsWith("SCRAM-"))) {
    for (const u of plan.sasl.users) args.push("--add-scram", `${mech}=[name=${u.username},password=${u.password}]`);
  }
  return args;
}

/** java.util.Properties text: one `key=value` a line, backslashes and leading blanks escaped. */
export function toProperties(props: Record<string, string>): string {
  const esc = (s: string) => s.replace(/\\/g, "\\\\").replace(/^\s/, (c) => "\\" + c).replace(/\n/g, "\\n");
  return Object.entries(props)
    .map(([k, v]) => `${esc(k).replace(/[=:\s]/g, (c) => "\\" + c)}=${esc(v)}`)
    .join("\n") + "\n";
}
