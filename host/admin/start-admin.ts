/**
 * Wires the admin port to a running proxy: readiness from the module and a cluster probe through
 * the proxy's own dialer (so upstream TLS is exercised too), module info, and the encryption
 * runtime's counters on /metrics.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Logger } from "pino";
import type { ProxyConfig } from "../config/proxy-config.js";
import { LIMITS } from "../limits.js";
import type { KsealProxy } from "../proxy/proxy.js";
import { AdminServer } from "./admin-server.js";
import { probeCluster } from "./cluster-probe.js";
import type { MetricsRegistry } from "./metrics.js";
import { encryptionCollector, type EncryptionMetricsSource } from "./proxy-metrics.js";
import { Readiness } from "./readiness.js";

export interface AdminModule {
  /** Whether the module currently serves. */
  loaded(): boolean;
  /** What /module shows. */
  info(): object;
}

/** Module info for a .wasm file: path, size and sha256 of the bytes loaded at start. */
export function moduleFileInfo(path: string, extra: object = {}): object {
  const bytes = readFileSync(path);
  return { path, bytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex"), loadedAt: new Date().toISOString(), ...extra };
}

export async function startAdmin(o: {
  config: ProxyConfig;
  proxy: KsealProxy;
  registry: MetricsRegistry;
  module?: AdminModule;
  encryption?: EncryptionMetricsSource;
  logger: Logger;
}): Promise<AdminServer> {
  const { config, proxy } = o;
  if (o.encryption) encryptionCollector(o.registry, o.encryption);
  const up = o.registry.gauge("kseal_up", "1 while the proxy serves, 0 while it drains for shutdown");
  o.registry.onCollect(() => up.set(undefined, proxy.isStopping ? 0 : 1));
  const readiness = new Readiness({
    moduleLoaded: o.module ? () => o.module!.loaded() : undefined,
    probeCluster: async () => {
      const t = await probeCluster(config.target, LIMITS.readinessProbeTimeoutMs, proxy.dialUpstream);
      return `${t.host}:${t.port}`;
    },
    stopping: () => proxy.isStopping,
  });
  const admin = new AdminServer({
    host: config.admin.host,
    port: config.admin.port,
    registry: o.registry,
    readiness,
    moduleInfo: o.module ? () => o.module!.info() : undefined,
    logger: o.logger,
  });
  await admin.start();
  return admin;
}
