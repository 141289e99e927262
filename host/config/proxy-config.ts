/**
 * Proxy configuration: the embedded defaults, the YAML file shape, and validation.
 *
 * YAML (every key optional):
 *   listenHost: 127.0.0.1          # where the proxy listens
 *   bootstrapPort: 9192            # 0 = ephemeral
 *   nodePorts: range | ephemeral   # range: nodePortBase + index in node-id order
 *   nodePortBase: 9193             # default bootstrapPort + 1
 *   advertisedHost: 127.0.0.1      # host written into rewritten responses
 *   target: 127.0.0.1:9092         # bootstrap servers of the real cluster (string "a:1,b:2" or list)
 *   logLevel: info
 *   limits: { maxFrameBytes, maxInFlightPerConnection, upstreamConnectTimeoutMs, shutdownDrainMs }
 *   tls: { certFile, keyFile, caFile, clientAuth }            # clients → kseal (host/tls/tls-config.ts)
 *   upstreamTls: { caFile, certFile, keyFile, verifyHostname, serverName }   # kseal → brokers
 *   admin: { enabled: true, host: 127.0.0.1, port: 9190 }     # /metrics, /livez, /readyz, /module
 *   sni: { bootstrapHost, brokerHostPattern, advertisedPort }  # SNI gateway (host/proxy/sni-routing.ts)
 *   encryption: { ... }            # record encryption (encryption-config.ts); default: on
 *   module: { path, sha256, watch: true, pool }   # filter module (host/sandbox/module-manager.ts)
 *   virtualClusters:               # several clusters in one process; when set, only these serve
 *     - name: payments             # each: name plus any of listenHost, bootstrapPort, nodePorts,
 *       bootstrapPort: 9292        #   nodePortBase, advertisedHost, target, tls, upstreamTls, sni,
 *       target: 10.0.0.5:9092      #   encryption, module; the rest comes from the top level
 */
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { parse as parseYaml } from "yaml";
import { KsealError } from "../errors.js";
import { LIMITS } from "../limits.js";
import { isLogLevel } from "../log.js";
import { parseEncryptionConfig, type EncryptionConfig } from "./encryption-config.js";
import { substitute } from "./schema-substitution.js";
import { parseSniConfig, type SniConfig } from "../proxy/sni-routing.js";
import { loadSchema, validateAgainstSchema } from "./schema-validate.js";
import { parseDownstreamTls, parseUpstreamTls, type DownstreamTlsConfig, type UpstreamTlsConfig } from "../tls/tls-config.js";

export interface HostPort {
  host: string;
  port: number;
}

export interface ProxyLimits {
  maxFrameBytes: number;
  maxInFlightPerConnection: number;
  upstreamConnectTimeoutMs: number;
  shutdownDrainMs: number;
}

export interface AdminConfig {
  enabled: boolean;
  host: string;
  /** 0 = ephemeral. */
  port: number;
}

export interface ModuleConfig {
  /** The filter module file; a relative path is taken from the working directory.
   * undefined = the standard policy build next to kseal (build/kseal-standard.wasm). */
  path?: string;
  /** Pinned sha256 (hex, lower case) a module must have to be loaded or swapped in. */
  sha256?: string;
  /** Swap when the file changes. */
  watch: boolean;
  /** Sandbox workers; undefined = the machine's cores. */
  pool?: number;
}

export interface ProxyConfig {
  listenHost: string;
  bootstrapPort: number;
  nodePorts: "range" | "ephemeral";
  /** First node port in "range" mode; undefined = bootstrapPort + 1. */
  nodePortBase?: number;
  advertisedHost: string;
  target: HostPort[];
  logLevel?: string;
  limits: ProxyLimits;
  /** Record encryption; undefined = the embedded defaults (DEFAULT_ENCRYPTION_CONFIG). */
  encryption?: EncryptionConfig;
  /** TLS towards clients; undefined = plaintext listeners. */
  tls?: DownstreamTlsConfig;
  /** TLS towards brokers; undefined = plaintext. */
  upstreamTls?: UpstreamTlsConfig;
  /** "SNI identifies node" gateway mode (needs tls); undefined = "port identifies node". */
  sni?: SniConfig;
  admin: AdminConfig;
  module: ModuleConfig;
  /** Several virtual clusters in one process; undefined = the one cluster the top level describes. */
  virtualClusters?: VirtualClusterConfig[];
}

/** One virtual cluster: the top-level settings with its own overrides applied. */
export interface VirtualClusterConfig extends Omit<ProxyConfig, "virtualClusters"> {
  name: string;
}

export const DEFAULT_CONFIG: Readonly<ProxyConfig> = Object.freeze({
  listenHost: "127.0.0.1",
  bootstrapPort: 9192,
  nodePorts: "range",
  advertisedHost: "127.0.0.1",
  target: [{ host: "127.0.0.1", port: 9092 }],
  limits: {
    maxFrameBytes: LIMITS.maxFrameBytes,
    maxInFlightPerConnection: LIMITS.maxInFlightPerConnection,
    upstreamConnectTimeoutMs: LIMITS.upstreamConnectTimeoutMs,
    shutdownDrainMs: LIMITS.shutdownDrainMs,
  },
  admin: { enabled: true, host: "127.0.0.1", port: 9190 },
  module: { watch: true },
});

const TOP_KEYS = new Set(["listenHost", "bootstrapPort", "nodePorts", "nodePortBase", "advertisedHost", "target", "logLevel", "limits", "encryption", "tls", "upstreamTls", "admin", "sni", "module", "virtualClusters"]);
/** Keys a virtual cluster may set; the others (logLevel, limits, admin) are process-wide. */
const CLUSTER_KEYS = new Set(["listenHost", "bootstrapPort", "nodePorts", "nodePortBase", "advertisedHost", "target", "encryption", "tls", "upstreamTls", "sni", "module"]);
const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const LIMIT_KEYS = new Set(["maxFrameBytes", "maxInFlightPerConnection", "upstreamConnectTimeoutMs", "shutdownDrainMs"]);
const ADMIN_KEYS = new Set(["enabled", "host", "port"]);
const MODULE_KEYS = new Set(["path", "sha256", "watch", "pool"]);

function invalid(detail: string): KsealError {
  return new KsealError("CONFIG_INVALID", detail);
}

/** "host:port" or "[v6]:port" → HostPort. */
export function parseHostPort(s: string, what: string): HostPort {
  const m = /^\s*(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})\s*$/.exec(s);
  if (!m) throw invalid(`${what} must be host:port, got ${JSON.stringify(s)}`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw invalid(`${what} port out of range: ${port}`);
  return { host: m[1] ?? m[2]!, port };
}

export function parseTargets(v: unknown): HostPort[] {
  const list = typeof v === "string" ? v.split(",") : Array.isArray(v) ? v : undefined;
  if (!list || list.length === 0) throw invalid("target must be a non-empty string or list of host:port");
  return list.map((s, i) => {
    if (typeof s !== "string") throw invalid(`target[${i}] must be a string`);
    return parseHostPort(s, "target");
  });
}

function port(v: unknown, what: string, allowZero: boolean): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < (allowZero ? 0 : 1) || v > 65535) {
    throw invalid(`${what} must be an integer port${allowZero ? " (0 = ephemeral)" : ""}`);
  }
  return v;
}

function positiveInt(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw invalid(`${what} must be a positive integer`);
  return v;
}

function str(v: unknown, what: string): string {
  if (typeof v !== "string" || v.length === 0) throw invalid(`${what} must be a non-empty string`);
  return v;
}

/** Applies a parsed YAML object (or flag overrides in the same shape) on top of `base`. */
export function applyConfig(base: ProxyConfig, raw: unknown): ProxyConfig {
  if (raw === null || raw === undefined) return base;
  if (typeof raw !== "object" || Array.isArray(raw)) throw invalid("config must be a mapping");
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!TOP_KEYS.has(k)) throw invalid(`unknown key ${JSON.stringify(k)}`);
  const c: ProxyConfig = { ...base, limits: { ...base.limits }, admin: { ...base.admin }, module: { ...base.module } };
  if (o.listenHost !== undefined) {
    c.listenHost = str(o.listenHost, "listenHost");
    // The advertised host follows the listen host unless set on its own (a wildcard is not dialable).
    if (o.advertisedHost === undefined && base.advertisedHost === advertisableHost(base.listenHost)) {
      c.advertisedHost = advertisableHost(c.listenHost);
    }
  }
  if (o.bootstrapPort !== undefined) c.bootstrapPort = port(o.bootstrapPort, "bootstrapPort", true);
  if (o.nodePorts !== undefined) {
    if (o.nodePorts !== "range" && o.nodePorts !== "ephemeral") throw invalid("nodePorts must be range or ephemeral");
    c.nodePorts = o.nodePorts;
  }
  if (o.nodePortBase !== undefined) c.nodePortBase = port(o.nodePortBase, "nodePortBase", false);
  if (o.advertisedHost !== undefined) c.advertisedHost = str(o.advertisedHost, "advertisedHost");
  if (o.target !== undefined) c.target = parseTargets(o.target);
  if (o.logLevel !== undefined) {
    const l = str(o.logLevel, "logLevel");
    if (!isLogLevel(l)) throw invalid(`unknown logLevel ${l}`);
    c.logLevel = l;
  }
  if (o.limits !== undefined) {
    if (typeof o.limits !== "object" || o.limits === null) throw invalid("limits must be a mapping");
    const l = o.limits as Record<string, unknown>;
    for (const k of Object.keys(l)) if (!LIMIT_KEYS.has(k)) throw invalid(`unknown key limits.${k}`);
    if (l.maxFrameBytes !== undefined) c.limits.maxFrameBytes = positiveInt(l.maxFrameBytes, "limits.maxFrameBytes");
    if (l.maxInFlightPerConnection !== undefined) {
      c.limits.maxInFlightPerConnection = positiveInt(l.maxInFlightPerConnection, "limits.maxInFlightPerConnection");
    }
    if (l.upstreamConnectTimeoutMs !== undefined) {
      c.limits.upstreamConnectTimeoutMs = positiveInt(l.upstreamConnectTimeoutMs, "limits.upstreamConnectTimeoutMs");
    }
    if (l.shutdownDrainMs !== undefined) c.limits.shutdownDrainMs = positiveInt(l.shutdownDrainMs, "limits.shutdownDrainMs");
  }
  if (o.tls !== undefined) c.tls = o.tls === null ? undefined : parseDownstreamTls(o.tls);
  if (o.upstreamTls !== undefined) c.upstreamTls = o.upstreamTls === null || o.upstreamTls === false ? undefined : parseUpstreamTls(o.upstreamTls);
  if (o.admin !== undefined) {
    if (typeof o.admin !== "object" || o.admin === null || Array.isArray(o.admin)) throw invalid("admin must be a mapping");
    const a = o.admin as Record<string, unknown>;
    for (const k of Object.keys(a)) if (!ADMIN_KEYS.has(k)) throw invalid(`unknown key admin.${k}`);
    if (a.enabled !== undefined) {
      if (typeof a.enabled !== "boolean") throw invalid("admin.enabled must be true or false");
      c.admin.enabled = a.enabled;
    }
    if (a.host !== undefined) c.admin.host = str(a.host, "admin.host");
    if (a.port !== undefined) c.admin.port = port(a.port, "admin.port", true);
  }
  if (o.module !== undefined) {
    if (typeof o.module !== "object" || o.module === null || Array.isArray(o.module)) throw invalid("module must be a mapping");
    const m = o.module as Record<string, unknown>;
    for (const k of Object.keys(m)) if (!MODULE_KEYS.has(k)) throw invalid(`unknown key module.${k}`);
    if (m.path !== undefined) c.module.path = str(m.path, "module.path");
    if (m.sha256 !== undefined) {
      if (typeof m.sha256 !== "string" || !/^[0-9a-fA-F]{64}$/.test(m.sha256)) throw invalid("module.sha256 must be 64 hex digits (a sha256 digest)");
      c.module.sha256 = m.sha256.toLowerCase();
    }
    if (m.watch !== undefined) {
      if (typeof m.watch !== "boolean") throw invalid("module.watch must be true or false");
      c.module.watch = m.watch;
    }
    if (m.pool !== undefined) c.module.pool = positiveInt(m.pool, "module.pool");
  }
  if (o.sni !== undefined) c.sni = o.sni === null ? undefined : parseSniConfig(o.sni);
  if (c.sni && !c.tls) throw invalid("sni needs tls (the server name arrives in the TLS handshake)");
  if (o.encryption !== undefined) c.encryption = parseEncryptionConfig(o.encryption, base.encryption);
  // Last: each virtual cluster starts from everything above.
  if (o.virtualClusters !== undefined) c.virtualClusters = o.virtualClusters === null ? undefined : parseVirtualClusters(c, o.virtualClusters);
  return c;
}

function parseVirtualClusters(base: ProxyConfig, raw: unknown): VirtualClusterConfig[] {
  if (!Array.isArray(raw) || raw.length === 0) throw invalid("virtualClusters must be a non-empty list");
  const { virtualClusters: _, ...inherited } = base;
  const clusters = raw.map((entry, i): VirtualClusterConfig => {
    const at = `virtualClusters[${i}]`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) throw invalid(`${at} must be a mapping`);
    const { name, ...rest } = entry as Record<string, unknown>;
    if (typeof name !== "string" || !CLUSTER_NAME.test(name)) throw invalid(`${at}.name must be 1-63 letters, digits, '.', '_' or '-'`);
    for (const k of Object.keys(rest)) {
      if (!CLUSTER_KEYS.has(k)) throw invalid(`${at}: key ${JSON.stringify(k)} is not per cluster (${[...CLUSTER_KEYS].join(", ")})`);
    }
    try {
      const { virtualClusters: __, ...c } = applyConfig({ ...inherited }, rest);
      return { ...c, name };
    } catch (e) {
      if (e instanceof KsealError) throw invalid(`${at} (${name}): ${e.message.replace(/^[^:]*: /, "")}`);
      throw e;
    }
  });
  const names = new Set<string>();
  const seen = new Map<string, string>();
  for (const c of clusters) {
    if (names.has(c.name)) throw invalid(`virtualClusters: name ${c.name} is used twice`);
    names.add(c.name);
    if (c.bootstrapPort === 0) continue;
    const key = `${c.listenHost}:${c.bootstrapPort}`;
    const other = seen.get(key);
    if (other) throw invalid(`virtualClusters ${other} and ${c.name} both listen on ${key}`);
    seen.set(key, c.name);
  }
  return clusters;
}

/** The clusters to serve: the virtual clusters, or the top level as the one cluster "default". */
export function clustersOf(c: ProxyConfig): VirtualClusterConfig[] {
  if (c.virtualClusters) return c.virtualClusters;
  const { virtualClusters: _, ...one } = c;
  return [{ ...one, name: "default" }];
}

/** Reads a YAML config file over the embedded defaults. */
export function loadConfigFile(path: string, base: ProxyConfig = DEFAULT_CONFIG): ProxyConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new KsealError("CONFIG_INVALID", `cannot read ${path}`, { cause: e });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new KsealError("CONFIG_INVALID", `${path} is not valid YAML`, { cause: e });
  }
  const sub = substitute(raw, { baseDir: dirname(path) });
  const listErrors = (errs: Array<{ path: string; message: string }>) => errs.map((x) => `${x.path}: ${x.message}`).join("; ");
  if (sub.errors.length > 0) throw invalid(`${path}: ${listErrors(sub.errors)}`);
  let schema: Record<string, unknown> | undefined;
  try {
    schema = loadSchema();
  } catch {
    // An installation without config/kseal.schema.json still gets the parsers' checks below.
  }
  if (schema && sub.value !== null && sub.value !== undefined) {
    const errs = validateAgainstSchema(sub.value, schema);
    if (errs.length > 0) throw invalid(`${path}: ${listErrors(errs)} (kseal validate ${path} explains each)`);
  }
  return applyConfig(base, sub.value);
}

function advertisableHost(listenHost: string): string {
  return listenHost === "0.0.0.0" || listenHost === "::" || listenHost === "" ? "127.0.0.1" : listenHost;
}

/** The first node port in range mode. */
export function nodePortBase(c: ProxyConfig): number {
  return c.nodePortBase ?? c.bootstrapPort + 1;
}
