/**
 * A kseal proxy with record encryption whose filter module is run by a ModuleManager (inline
 * handle for the encryption filter), in front of a test cluster; counts client connections the
 * proxy closes.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import type { ClusterInfo } from "../../rig/index.js";
import { parseEncryptionConfig } from "../../../host/config/encryption-config.js";
import { applyConfig, DEFAULT_CONFIG } from "../../../host/config/proxy-config.js";
import { startEncryption, type EncryptionRuntime } from "../../../host/filters/encryption-runtime.js";
import type { ProxyObserver } from "../../../host/proxy/observer.js";
import { KsealProxy } from "../../../host/proxy/proxy.js";
import { ModuleManager } from "../../../host/sandbox/module-manager.js";

export interface SwapProxy {
  proxy: KsealProxy;
  bootstrap: string;
  runtime: EncryptionRuntime;
  manager: ModuleManager;
  modulePath: string;
  keyFile: string;
  /** Client connections closed so far (by either side), and those closed on an error. */
  closed: { total: number; errors: number };
  /** Atomically replaces the module file (the manager swaps on reload or by watching). */
  place(bytes: Buffer): void;
}

export async function startSwapProxy(
  t: { teardown(fn: () => unknown): void },
  info: ClusterInfo,
  initial: Buffer,
  encryption: Record<string, unknown> = {},
  /** Run produce encryption in the sandbox worker pool (size: workers; 0 = main thread only). */
  poolSize = 0,
): Promise<SwapProxy> {
  const dir = mkdtempSync(join(tmpdir(), "kseal-swap-"));
  const modulePath = join(dir, "filter.wasm");
  const keyFile = join(dir, "local-kms.json");
  const place = (bytes: Buffer) => {
    writeFileSync(`${modulePath}.tmp`, bytes);
    renameSync(`${modulePath}.tmp`, modulePath);
  };
  place(initial);
  const logger = pino({ level: process.env.KSEAL_LOG_LEVEL ?? "warn" });
  const manager = await ModuleManager.start({ path: modulePath, inline: true, watch: false, logger, pool: { size: Math.max(1, poolSize) } });
  const enc = parseEncryptionConfig({ ...encryption, kms: { keyFile, ...(encryption.kms as object | undefined) } });
  const runtime = await startEncryption(enc, {
    wasm: manager.filter, requireKek: () => manager.policy.requireKek, logger, pool: poolSize > 0 ? manager.pool : undefined,
  });
  const closed = { total: 0, errors: 0 };
  // only two hooks matter here; every other hook of the observer interface is a no-op
  const hooks: Record<string, () => void> = {
    connectionClosed: () => { closed.total++; },
    connectionError: () => { closed.errors++; },
  };
  const observer = new Proxy({}, { get: (_t, p) => hooks[String(p)] ?? (() => {}) }) as ProxyObserver;
  const config = applyConfig(DEFAULT_CONFIG, { bootstrapPort: 0, target: info.bootstrap });
  const proxy = new KsealProxy({ config, filters: [runtime.filter], logger, observer });
  await proxy.start();
  t.teardown(async () => {
    await proxy.stop();
    await runtime.close();
    await manager.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { proxy, bootstrap: proxy.bootstrapAddress, runtime, manager, modulePath, keyFile, closed, place };
}
