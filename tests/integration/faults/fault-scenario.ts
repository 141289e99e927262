// One fault scenario: Kafka's VerifiableProducer (idempotent, acks=all) and VerifiableConsumer run
// through a real `kseal start` process (child process, fixed ports) with encryption under a remote
// KMS (Vault Transit when its binary is cached, else moto's AWS KMS; $KSEAL_FAULTS_KMS=vault|moto
// picks one) behind a KmsRelay; a fault is injected once the producer is under way; then the
// delivery check and a scan of every replica's log segments for the plaintext marker. Shared by tests/integration/faults/*.test.ts
// and the longer runner tests/faults/run.ts.

import { copyFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomInt } from "node:crypto";
import type { ClusterInfo } from "../../rig/index.js";
import { createTopic, uniqueTopic } from "../../rig/index.js";
import { motoUnavailableReason, startMoto } from "../../rig/moto.js";
import { startVault, vaultUnavailableReason } from "../../rig/openbao.js";
import {
  checkDelivery, scanSegments, VerifiableConsumer, VerifiableProducer,
  type DeliveryCheck, type PlaintextScan,
} from "../../rig/verifiable.js";
import { parseMetrics, startKseal, type KsealProcess } from "../gateway/kseal-process.js";
import { freePortRange } from "../../rig/free-ports.js";
import { KmsRelay } from "./kms-relay.js";

const BUILD = new URL("../../../build/", import.meta.url);
export const STANDARD_WASM = join(BUILD.pathname, "kseal-standard.wasm");
export const STRICT_WASM = join(BUILD.pathname, "kseal-strict.wasm");

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Which KMS to run: $KSEAL_FAULTS_KMS ("vault" or "moto"), else Vault when its binary is cached. */
function chosenKms(): "vault" | "moto" {
  const want = process.env.KSEAL_FAULTS_KMS;
  if (want === "vault" || want === "moto") return want;
  return vaultUnavailableReason() ? "moto" : "vault";
}

/** Why no remote KMS can run here (undefined when Vault or moto can). */
export function faultKmsUnavailableReason(): string | undefined {
  return chosenKms() === "vault" ? vaultUnavailableReason() : motoUnavailableReason();
}

export interface FaultKms {
  name: string;
  relay: KmsRelay;
  /** The `encryption.kms` section pointing at the relay. */
  section: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  createKek(alias: string): Promise<void>;
  stop(): Promise<void>;
}

// Short KMS deadlines and a quickly closing breaker, so an outage resolves within seconds of the
// KMS coming back.
const RESILIENCE = { timeoutMs: 3000, retry: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 500, attemptTimeoutMs: 1000 }, breaker: { failureThreshold: 3, openMs: 1000 } };

export async function startFaultKms(): Promise<FaultKms> {
  if (chosenKms() === "vault") {
    const v = await startVault();
    await v.mountTransit();
    const relay = await new KmsRelay(v.port).start();
    return {
      name: "Vault Transit",
      relay,
      section: { type: "vault", url: relay.url, auth: { method: "token", tokenEnv: "KSEAL_FAULT_VAULT_TOKEN" }, ...RESILIENCE },
      env: { KSEAL_FAULT_VAULT_TOKEN: v.rootToken },
      createKek: (alias) => v.createKey(alias),
      stop: async () => { await relay.stop(); await v.stop(); },
    };
  }
  const m = await startMoto();
  const relay = await new KmsRelay(m.port).start();
  return {
    name: "AWS KMS (moto)",
    relay,
    section: { type: "aws", region: m.region, endpoint: relay.url, credentials: { accessKeyIdEnv: "KSEAL_FAULT_AK", secretAccessKeyEnv: "KSEAL_FAULT_SK" }, ...RESILIENCE },
    env: { KSEAL_FAULT_AK: m.credentials.accessKeyId, KSEAL_FAULT_SK: m.credentials.secretAccessKey },
    createKek: async (alias) => { await m.createKey(alias); },
    stop: async () => { await relay.stop(); await m.stop(); },
  };
}

/** A `kseal start` child process on fixed ports that can be killed and started again. */
export class ProxyUnderTest {
  process!: KsealProcess;
  readonly dir: string;
  readonly configFile: string;
  readonly modulePath: string;

  private constructor(private readonly kms: FaultKms) {
    this.dir = mkdtempSync(join(tmpdir(), "kseal-faults-"));
    this.configFile = join(this.dir, "kseal.yaml");
    this.modulePath = join(this.dir, "filter.wasm");
  }

  static async start(info: ClusterInfo, kms: FaultKms, opts: { dekExpireMs?: number } = {}): Promise<ProxyUnderTest> {
    const p = new ProxyUnderTest(kms);
    copyFileSync(STANDARD_WASM, p.modulePath);
    const base = await freePortRange(1 + info.brokers.length + 1);
    const encryption = {
      kms: kms.section,
      kekTemplate: "KEK-$(topicName)",
      unresolvedKeyPolicy: "reject",
      // Short-lived DEKs: producers keep needing new ones from the KMS, so a KMS outage of more
      // than a few seconds reaches them. (A record budget would do the same but also refuses
      // any batch larger than the budget, which a producer accumulates while a fault lasts.)
      dek: { refreshMs: Math.floor((opts.dekExpireMs ?? 1500) / 3), expireMs: opts.dekExpireMs ?? 1500 },
    };
    writeFileSync(p.configFile, [
      `bootstrapPort: ${base}`,
      `target: ${info.bootstrap}`,
      `admin: { port: ${base + info.brokers.length + 1} }`,
      `module: { path: ${JSON.stringify(p.modulePath)}, watch: false }`,
      `encryption: ${JSON.stringify(encryption)}`,
    ].join("\n") + "\n");
    await p.launch();
    return p;
  }

  /** kseal's output, every run since start. */
  log(): string {
    return this.earlier + (this.process?.output() ?? "");
  }

  private earlier = "";

  private async launch(): Promise<void> {
    if (this.process) this.earlier += this.process.output();
    this.process = await startKseal(this.configFile, { ...this.kms.env, KSEAL_LOG_LEVEL: "info" }, 120_000);
  }

  get bootstrap(): string {
    return this.process.bootstrap;
  }

  get adminUrl(): string {
    return `http://${this.process.admin}`;
  }

  /** SIGKILL: no drain, in-flight requests are lost to the clients, who must retry. */
  async kill(): Promise<void> {
    this.process.child.kill("SIGKILL");
    await this.process.exited;
  }

  async restart(): Promise<void> {
    const before = this.bootstrap;
    await this.launch();
    if (this.bootstrap !== before) throw new Error(`kseal came back on ${this.bootstrap}, not ${before}`);
  }

  async metrics(): Promise<Map<string, number>> {
    return parseMetrics(await (await fetch(`${this.adminUrl}/metrics`)).text());
  }

  /** Atomically replaces the module file and asks kseal to swap to it (POST /module/reload). */
  async swapModule(wasmFile: string): Promise<{ status: number; body: Record<string, unknown> }> {
    copyFileSync(wasmFile, `${this.modulePath}.tmp`);
    renameSync(`${this.modulePath}.tmp`, this.modulePath);
    const r = await fetch(`${this.adminUrl}/module/reload`, { method: "POST", signal: AbortSignal.timeout(120_000) });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  }

  async stop(): Promise<void> {
    if (this.process && this.process.child.exitCode === null && this.process.child.signalCode === null) {
      this.process.child.kill("SIGTERM");
      const t = setTimeout(() => this.process.child.kill("SIGKILL"), 15_000);
      await this.process.exited;
      clearTimeout(t);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface ScenarioOptions {
  info: ClusterInfo;
  proxy: ProxyUnderTest;
  kms: FaultKms;
  messages: number;
  /** Producer messages per second. */
  throughput: number;
  partitions?: number;
  consumerConfig?: Record<string, string>;
  /** Injects the fault (and ends it); runs once `faultAfter` records are acknowledged. */
  fault(ctx: { producer: VerifiableProducer; consumer: VerifiableConsumer }): Promise<void>;
  /** Acknowledged records before the fault (default a third of `messages`). */
  faultAfter?: number;
  timeoutMs?: number;
  log?: (msg: string) => void;
}

export interface ScenarioResult {
  topic: string;
  check: DeliveryCheck;
  scan: PlaintextScan;
  /** Sends the producer gave up on (each is also allowed to be stored once). */
  producerErrors: number;
  /** Producer exit code (0: all --max-messages sent). */
  producerExit: number | null;
  consumerRebalances: number;
  seconds: number;
}

/**
 * Creates a topic (RF 3, min.insync.replicas 2) and its KEK, starts the consumer and the producer
 * through the proxy, injects the fault, waits for the producer to finish and the consumer to read
 * every acknowledged offset, and checks.
 */
export async function runScenario(o: ScenarioOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const log = o.log ?? (() => undefined);
  const partitions = o.partitions ?? 3;
  const timeoutMs = o.timeoutMs ?? 120_000;
  const topic = await createTopic(o.info, { numPartitions: partitions, replicationFactor: 3, configs: { "min.insync.replicas": "2" } });
  await o.kms.createKek(`KEK-${topic}`);
  // Nine digits: long enough that no ciphertext, header or index byte run matches it by chance.
  const valuePrefix = randomInt(100_000_000, 999_999_999);
  const consumer = new VerifiableConsumer(o.info, {
    bootstrap: o.proxy.bootstrap, topic, groupId: uniqueTopic("faults-g"), config: o.consumerConfig,
  });
  const producer = new VerifiableProducer(o.info, {
    bootstrap: o.proxy.bootstrap, topic, maxMessages: o.messages, throughput: o.throughput, valuePrefix,
  });
  try {
    await producer.waitAcked(o.faultAfter ?? Math.floor(o.messages / 3), timeoutMs);
    log(`fault after ${producer.acked.length} acks`);
    await o.fault({ producer, consumer });
    log(`fault over at ${producer.acked.length} acks`);
    const producerExit = await producer.finish(timeoutMs);
    log(`producer exited ${producerExit}: ${producer.acked.length} acked, ${producer.failed.length} failed`);
    await consumer.waitCaughtUp(producer.acked, timeoutMs);
    await consumer.stop();
    const check = checkDelivery(producer.acked, consumer.records, { valuePrefix, maxMessages: o.messages });
    const scan = scanSegments(o.info, topic, partitions, `${valuePrefix}.`);
    return {
      topic, check, scan, producerErrors: producer.failed.length, producerExit,
      consumerRebalances: consumer.rebalances.length, seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await Promise.all([producer.stop(), consumer.stop()]);
  }
}

/** Metric value or 0. */
export function metric(m: Map<string, number>, key: string): number {
  return m.get(key) ?? 0;
}
