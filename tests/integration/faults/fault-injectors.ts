// The faults, one function each, injected while VerifiableProducer and VerifiableConsumer run
// through kseal (see fault-scenario.ts). Each returns what it observed for the report.

import type { KafkaCluster } from "../../rig/index.js";
import type { VerifiableConsumer, VerifiableProducer } from "../../rig/verifiable.js";
import { metric, sleep, STANDARD_WASM, STRICT_WASM, type FaultKms, type ProxyUnderTest } from "./fault-scenario.js";

/** Kills a broker (SIGKILL, no clean shutdown), keeps it down, starts it again with its data. */
export async function killBroker(cluster: KafkaCluster, nodeId: number, downMs: number): Promise<{ downMs: number }> {
  await cluster.stopNode(nodeId);
  await sleep(downMs);
  await cluster.startNode(nodeId);
  await cluster.waitForRunningBrokers();
  return { downMs };
}

/** SIGKILLs the kseal process and starts it again on the same ports; clients must reconnect. */
export async function killProxy(proxy: ProxyUnderTest, downMs: number): Promise<{ downMs: number }> {
  await proxy.kill();
  await sleep(downMs);
  await proxy.restart();
  return { downMs };
}

export interface KmsOutage {
  downMs: number;
  /** Produce partitions kseal failed (retriable KMS_UNAVAILABLE) while the KMS was away. */
  produceFailures: number;
  /** KMS calls that found the KMS unavailable. */
  kmsUnavailable: number;
}

const KMS_OPS = ["resolveAlias", "generateDek", "decryptEdek"];

/**
 * Stops the KMS relay (connections cut, new ones refused) for `downMs`, and longer (up to
 * `maxDownMs`) until kseal has failed a produce for want of a DEK while the producer still runs;
 * then starts it on the same port.
 */
export async function stopKms(kms: FaultKms, proxy: ProxyUnderTest, downMs: number, producer?: VerifiableProducer, maxDownMs = downMs * 4): Promise<KmsOutage> {
  const count = (m: Map<string, number>) => ({
    failures: metric(m, 'kseal_encryption_partitions_total{cluster="default",outcome="produceFailures"}'),
    unavailable: KMS_OPS.reduce((s, op) => s + metric(m, `kseal_kms_calls_total{cluster="default",op="${op}",outcome="unavailable"}`), 0),
  });
  const before = count(await proxy.metrics());
  const started = Date.now();
  await kms.relay.stop();
  await sleep(downMs);
  let during = count(await proxy.metrics());
  while (producer && during.failures === before.failures && producer.running && Date.now() - started < maxDownMs) {
    await sleep(250);
    during = count(await proxy.metrics());
  }
  await kms.relay.start();
  return { downMs: Date.now() - started, produceFailures: during.failures - before.failures, kmsUnavailable: during.unavailable - before.unavailable };
}

export interface ModuleSwaps {
  swaps: number;
  /** Policies served after each swap, from the reload answers. */
  policies: string[];
}

/** Swaps the filter module to the strict build and back, `rounds` times, under load. */
export async function swapModules(proxy: ProxyUnderTest, rounds: number, pauseMs: number): Promise<ModuleSwaps> {
  const out: ModuleSwaps = { swaps: 0, policies: [] };
  for (let i = 0; i < rounds; i++) {
    for (const wasm of [STRICT_WASM, STANDARD_WASM]) {
      const r = await proxy.swapModule(wasm);
      if (r.status !== 200 || r.body.swapped !== true) throw new Error(`module swap refused: ${r.status} ${JSON.stringify(r.body)}`);
      out.swaps++;
      out.policies.push(String((r.body.module as { name?: string } | undefined)?.name));
      await sleep(pauseMs);
    }
  }
  return out;
}

/**
 * A consumer that stops reading: its JVM is frozen (SIGSTOP) for `stallMs`, then runs for
 * `runMs`, `cycles` times, while the producer keeps going. Its sockets stop draining, so the
 * proxy's fetch responses back up in TCP buffers; stalls stay below the session timeout.
 */
export async function slowConsumer(consumer: VerifiableConsumer, cycles: number, stallMs: number, runMs: number): Promise<{ stalledMs: number }> {
  let stalledMs = 0;
  for (let i = 0; i < cycles; i++) {
    consumer.child.kill("SIGSTOP");
    try {
      await sleep(stallMs);
      stalledMs += stallMs;
    } finally {
      consumer.child.kill("SIGCONT");
    }
    await sleep(runMs);
  }
  return { stalledMs };
}

/** Consumer settings for the slow consumer: small polls and fetches, so it needs many round trips. */
export const SLOW_CONSUMER_CONFIG: Record<string, string> = {
  "max.poll.records": "5",
  "fetch.max.bytes": "2048",
  "max.partition.fetch.bytes": "1024",
  "session.timeout.ms": "45000",
};

/**
 * The KMS goes away and kseal is restarted while it is away: the new process has no DEK and no
 * unwrapped EDEK, so produce and fetch both need the KMS (fetch of records written earlier
 * cannot be decrypted) until it returns.
 */
export async function stopKmsColdProxy(kms: FaultKms, proxy: ProxyUnderTest, downMs: number): Promise<{ downMs: number; fetchFailures: number; produceFailures: number }> {
  const started = Date.now();
  await kms.relay.stop();
  await proxy.kill();
  await proxy.restart();
  await sleep(downMs);
  const m = await proxy.metrics();
  await kms.relay.start();
  return {
    downMs: Date.now() - started,
    fetchFailures: metric(m, 'kseal_encryption_partitions_total{cluster="default",outcome="fetchFailures"}'),
    produceFailures: metric(m, 'kseal_encryption_partitions_total{cluster="default",outcome="produceFailures"}'),
  };
}
