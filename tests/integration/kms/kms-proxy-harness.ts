// A kseal proxy with record encryption whose KMS comes from an `encryption:` config section, as
// `kseal start` would build it (parseEncryptionConfig + startEncryption), in front of a test
// cluster; plus readers for what the broker stored.
import { pino } from "pino";
import type { KafkaMessage } from "kafkajs";
import { parseEncryptionConfig } from "../../../host/config/encryption-config.js";
import { applyConfig, DEFAULT_CONFIG } from "../../../host/config/proxy-config.js";
import { startEncryption, type EncryptionRuntime } from "../../../host/filters/encryption-runtime.js";
import { KsealProxy } from "../../../host/proxy/proxy.js";
import { readUvarint } from "../../../host/kms/vault/vault-edek.js";
import { kafkajsAt, uniqueTopic, type ClusterInfo } from "../../rig/index.js";
import { motoUnavailableReason, startMoto, type MotoServer } from "../../rig/moto.js";
import { startVault, vaultUnavailableReason, type VaultServer } from "../../rig/openbao.js";

export interface KmsProxy {
  bootstrap: string;
  runtime: EncryptionRuntime;
  stop(): Promise<void>;
}

export async function startKmsProxy(
  t: { teardown(fn: () => unknown): void },
  info: ClusterInfo,
  encryption: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Promise<KmsProxy> {
  const cfg = parseEncryptionConfig(encryption);
  const logger = pino({ level: process.env.KSEAL_LOG_LEVEL ?? "silent" });
  const runtime = await startEncryption(cfg, { env, logger });
  const proxy = new KsealProxy({ config: applyConfig(DEFAULT_CONFIG, { bootstrapPort: 0, target: info.bootstrap }), filters: [runtime.filter], logger });
  await proxy.start();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await proxy.stop();
    await runtime.close();
  };
  t.teardown(stop);
  return { bootstrap: proxy.bootstrapAddress, runtime, stop };
}

/** kseal's `encryption.kms` section for a remote KMS, and the environment its secrets are read from. */
export interface KsealKms {
  kms: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
}

/** The rig's Vault dev server, reached at `url` (default: directly), by root token. */
export function ksealVaultKms(v: VaultServer, url = v.url): KsealKms {
  return {
    kms: { type: "vault", url, auth: { method: "token", tokenEnv: "KSEAL_TEST_VAULT_TOKEN" } },
    env: { KSEAL_TEST_VAULT_TOKEN: v.rootToken },
  };
}

/** The rig's moto AWS KMS, reached at `url` (default: directly), with its fixed credentials. */
export function ksealAwsKms(m: MotoServer, url = m.endpoint): KsealKms {
  return {
    kms: { type: "aws", region: m.region, endpoint: url, credentials: { accessKeyIdEnv: "KSEAL_TEST_AK", secretAccessKeyEnv: "KSEAL_TEST_SK" } },
    env: { KSEAL_TEST_AK: m.credentials.accessKeyId, KSEAL_TEST_SK: m.credentials.secretAccessKey },
  };
}

/** One remote KMS of the rig as a test case: started on demand, skipped where it cannot run. */
export interface RemoteKmsCase<T> {
  name: string;
  skip: string | undefined;
  start(): Promise<T & { stop(): Promise<void> }>;
}

/**
 * The rig's two remote KMSs as test cases: a Vault dev server with the transit engine mounted,
 * and moto for AWS KMS. `vault` and `aws` turn the started server into what the test needs; the
 * case stops the server.
 */
export function remoteKmsCases<T>(vault: (v: VaultServer) => T, aws: (m: MotoServer) => T): RemoteKmsCase<T>[] {
  return [
    {
      name: "Vault Transit",
      skip: vaultUnavailableReason(),
      async start() {
        const v = await startVault();
        await v.mountTransit();
        return { ...vault(v), stop: () => v.stop() };
      },
    },
    {
      name: "AWS KMS (moto)",
      skip: motoUnavailableReason(),
      async start() {
        const m = await startMoto();
        return { ...aws(m), stop: () => m.stop() };
      },
    },
  ];
}

/** The EDEK inside a value as stored on the broker (cipher id, uvarint length, EDEK, ...). */
export function edekOf(stored: Buffer): Buffer {
  if (stored[0] !== 0) throw new Error(`cipher id ${stored[0]}`);
  const [len, n] = readUvarint(stored, 1);
  return stored.subarray(1 + n, 1 + n + len);
}

/** Reads `count` records of `topic` from offset 0 via `bootstrap` (a fresh group each time). */
export async function readAll(bootstrap: string, topic: string, count: number, timeoutMs = 60_000): Promise<KafkaMessage[]> {
  const consumer = kafkajsAt(bootstrap).consumer({ groupId: uniqueTopic("g"), retry: { retries: 10 } });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got: KafkaMessage[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${got.length} of ${count} records within ${timeoutMs} ms`)), timeoutMs);
      consumer.run({
        eachMessage: async ({ message }) => {
          got.push(message);
          if (got.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      }).catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return got.sort((a, b) => Number(a.offset) - Number(b.offset));
}
