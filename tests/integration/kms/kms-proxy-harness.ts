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
