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
import { Readiness, type CheckResult, type ReadinessReport } from "./readiness.js";

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

/** One served cluster as the admin port sees it. */
export interface AdminCluster {
  name: string;
  config: ProxyConfig;
  proxy: KsealProxy;
  module?: AdminModule;
  encryption?: EncryptionMetricsSource;
}

/**
 * Starts the admin port for one cluster (config, proxy, module, encryption) or for several
 * virtual clusters (`clusters`; the admin settings still come from `config`). With several,
 * /readyz is ready when every cluster is (checks prefixed with the cluster name) and /module
 * maps cluster names to their modules.
 */
export async function startAdmin(o: {
  config: ProxyConfig;
  proxy?: KsealProxy;
  registry: MetricsRegistry;
  module?: AdminModule;
  encryption?: EncryptionMetricsSource;
  clusters?: AdminCluster[];
  logger: Logger;
}): Promise<AdminServer> {
  const clusters = o.clusters ?? [{ name: "default", config: o.config, proxy: o.proxy!, module: o.module, encryption: o.encryption }];
  for (const c of clusters) if (c.encryption) encryptionCollector(o.registry, c.encryption, c.name);
  const up = o.registry.gauge("kseal_up", "1 while the proxy serves, 0 while it drains for shutdown");
  o.registry.onCollect(() => up.set(undefined, clusters.some((c) => c.proxy.isStopping) ? 0 : 1));
  const checks = clusters.map((c) => ({
    name: c.name,
    readiness: new Readiness({
      moduleLoaded: c.module ? () => c.module!.loaded() : undefined,
      probeCluster: async () => {
        const t = await probeCluster(c.config.target, LIMITS.readinessProbeTimeoutMs, c.proxy.dialUpstream);
        return `${t.host}:${t.port}`;
      },
      stopping: () => c.proxy.isStopping,
    }),
  }));
  const readiness = checks.length === 1 ? checks[0]!.readiness : {
    async check(): Promise<ReadinessReport> {
      const reports = await Promise.all(checks.map(async (c) => ({ name: c.name, r: await c.readiness.check() })));
      const all: Record<string, CheckResult> = {};
      for (const { name, r } of reports) for (const [k, v] of Object.entries(r.checks)) all[`${name}.${k}`] = v;
      return { ready: reports.every((x) => x.r.ready), checks: all };
    },
  };
  const withModule = clusters.filter((c) => c.module);
  const admin = new AdminServer({
    host: o.config.admin.host,
    port: o.config.admin.port,
    registry: o.registry,
    readiness,
    moduleInfo: withModule.length === 0 ? undefined
      : o.clusters ? () => ({ clusters: Object.fromEntries(withModule.map((c) => [c.name, c.module!.info()])) })
      : () => withModule[0]!.module!.info(),
    logger: o.logger,
  });
  await admin.start();
  return admin;
}
