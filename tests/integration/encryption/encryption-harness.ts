/**
 * Starts a kseal proxy with record encryption in-process (ephemeral ports) in front of a test
 * cluster, with a local KMS key file of its own in a temporary directory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import type { ClusterInfo } from "../../rig/index.js";
import { parseEncryptionConfig } from "../../../host/config/encryption-config.js";
import { applyConfig, DEFAULT_CONFIG } from "../../../host/config/proxy-config.js";
import { startEncryption, type EncryptionRuntime } from "../../../host/filters/encryption-runtime.js";
import type { Kms } from "../../../host/kms/kms.js";
import { KsealProxy } from "../../../host/proxy/proxy.js";

export interface EncryptingProxy {
  proxy: KsealProxy;
  bootstrap: string;
  runtime: EncryptionRuntime;
  keyFile: string;
  stop(): Promise<void>;
}

/** A fresh temporary key file path (the directory is removed at teardown). */
export function tempKeyFile(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "kseal-enc-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "local-kms.json");
}

export async function startEncryptingProxy(
  t: { teardown(fn: () => unknown): void },
  info: ClusterInfo,
  opts: { encryption?: Record<string, unknown>; keyFile?: string; kms?: Kms } = {},
): Promise<EncryptingProxy> {
  const keyFile = opts.keyFile ?? tempKeyFile(t);
  const enc = parseEncryptionConfig({ ...opts.encryption, kms: { keyFile, ...(opts.encryption?.kms as object | undefined) } });
  const logger = pino({ level: process.env.KSEAL_LOG_LEVEL ?? "warn" });
  const runtime = await startEncryption(enc, { kms: opts.kms, logger });
  const config = applyConfig(DEFAULT_CONFIG, { bootstrapPort: 0, target: info.bootstrap });
  const proxy = new KsealProxy({ config, filters: [runtime.filter], logger });
  await proxy.start();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await proxy.stop();
    await runtime.close();
  };
  t.teardown(stop);
  return { proxy, bootstrap: proxy.bootstrapAddress, runtime, keyFile, stop };
}
