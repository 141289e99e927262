// Asks a broker what cluster it sees, through kafkajs (an independent client), to tell when a
// started cluster is ready: every broker answers Metadata and lists every broker as alive.

import { Kafka, logLevel } from "kafkajs";
import type { Endpoint } from "./cluster-info.js";

export interface ClusterView {
  clusterId: string;
  controller: number | null;
  brokerIds: number[];
}

/** One Metadata round trip to exactly this broker; rejects if it does not answer. */
export async function describeVia(broker: Endpoint, timeoutMs = 3000): Promise<ClusterView> {
  const kafka = new Kafka({
    clientId: "kseal-rig-probe",
    brokers: [`${broker.host}:${broker.port}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const d = await admin.describeCluster();
    return {
      clusterId: d.clusterId,
      controller: d.controller,
      brokerIds: d.brokers.map((b) => b.nodeId).sort((a, b) => a - b),
    };
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls until every broker in `ask` reports exactly `expectIds` alive under `clusterId`.
 * `abort` lets the caller stop early (a JVM died); its message becomes the error.
 */
export async function waitForBrokers(
  ask: Endpoint[],
  expectIds: number[],
  clusterId: string,
  timeoutMs: number,
  abort: () => string | undefined = () => undefined,
): Promise<void> {
  const want = [...expectIds].sort((a, b) => a - b).join(",");
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  for (;;) {
    const why = abort();
    if (why) throw new Error(why);
    const views = await Promise.allSettled(ask.map((b) => describeVia(b)));
    const pending = views.flatMap((v, i) => {
      const b = ask[i]!;
      if (v.status === "rejected") return [`broker ${b.nodeId}: ${(v.reason as Error).message}`];
      if (v.value.clusterId !== clusterId) return [`broker ${b.nodeId} is in cluster ${v.value.clusterId}`];
      const seen = v.value.brokerIds.join(",");
      return seen === want ? [] : [`broker ${b.nodeId} sees brokers [${seen}]`];
    });
    if (pending.length === 0) return;
    last = pending.join("; ");
    if (Date.now() > deadline) throw new Error(`cluster not ready after ${timeoutMs} ms: ${last}`);
    await sleep(300);
  }
}
