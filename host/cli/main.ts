#!/usr/bin/env node
/**
 * kseal command line: `kseal start [--config file.yaml] [flags]`, `kseal version`, `--help`.
 */
import { readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { isKsealError } from "../errors.js";
import {
  applyConfig,
  DEFAULT_CONFIG,
  clustersOf,
  loadConfigFile,
  parseHostPort,
  type ProxyConfig,
  type VirtualClusterConfig,
} from "../config/proxy-config.js";
import type { Logger } from "pino";
import { log, setLogLevel } from "../log.js";
import { KsealProxy } from "../proxy/proxy.js";
import { parseEncryptionConfig } from "../config/encryption-config.js";
import { startEncryption, type EncryptionRuntime } from "../filters/encryption-runtime.js";
import { runKeysCommand } from "./keys.js";
import { missingNodeFlags } from "./node-flags.js";
import { metrics } from "../admin/metrics.js";
import { proxyObserver, type KmsSnapshot } from "../admin/proxy-metrics.js";
import { startAdmin, type AdminCluster } from "../admin/start-admin.js";
import { topicOutcomes, topicRecordsFilter } from "../admin/topic-records.js";
import { defaultWasmPath } from "../wasm/filter.js";
import { checkConfigFile, formatErrors } from "../config/schema-check.js";
import { ModuleManager } from "../sandbox/module-manager.js";
import { moduleRoutes } from "../sandbox/module-admin-routes.js";

const MAIN_HELP = `kseal — Kafka proxy that encrypts record values at rest

Usage:
  kseal start [options]   run the proxy
  kseal validate <file>   check a config file; lists every error with its path
  kseal keys <command>    manage the local KMS's KEKs (create, list, rotate, import, export)
  kseal version           print the version
  kseal <command> --help  help for a command
`;

const START_HELP = `Usage: kseal start [options]

Runs the proxy. Without options it listens on 127.0.0.1:9192 (node ports 9193+) and forwards to
a Kafka cluster bootstrapped at 127.0.0.1:9092. Options override the config file.

Options:
  --config <file>          YAML config file (keys: listenHost, bootstrapPort, nodePorts,
                           nodePortBase, advertisedHost, target, logLevel, limits,
                           encryption, tls, upstreamTls, admin, module, virtualClusters;
                           see docs/encryption.md, docs/operations.md and
                           config/kseal.schema.json)
  --target <h:p[,h:p]>     bootstrap servers of the real cluster
  --listen <host[:port]>   listen address (port = bootstrap port)
  --bootstrap-port <n>     bootstrap port (0 = ephemeral; node ports then ephemeral too)
  --advertised-host <h>    host written into rewritten broker addresses
  --log-level <level>      fatal|error|warn|info|debug|trace|silent (env KSEAL_LOG_LEVEL)
  --kms-key-file <path>    local KMS key file (default $KSEAL_LOCAL_KMS_FILE, else
                           ~/.config/kseal/local-kms.json)
  --no-encryption          forward records as they are (transparent proxy)
  --admin <[host:]port|off> admin HTTP (/metrics, /livez, /readyz, /module); default
                           127.0.0.1:9190 (ephemeral when --bootstrap-port 0)
  -h, --help               this help
`;

const VALIDATE_HELP = `Usage: kseal validate <config.yaml> [...]

Checks config files without starting anything: YAML syntax, \${env:NAME} and \${file:path}
substitution, the schema (config/kseal.schema.json; every error, each with its path), the
settings' own rules, and that TLS certificate and key files load. Exit code 0 when every file
is valid, 1 otherwise.
`;

function validate(args: string[]): number {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(VALIDATE_HELP);
    return 0;
  }
  if (args.length === 0) {
    process.stderr.write(VALIDATE_HELP);
    return 1;
  }
  let ok = true;
  for (const file of args) {
    const r = checkConfigFile(file);
    if (r.errors.length === 0) process.stdout.write(`${file}: valid\n`);
    else {
      ok = false;
      process.stdout.write(formatErrors(file, r.errors));
    }
  }
  return ok ? 0 : 1;
}

const VERSION_HELP = `Usage: kseal version

Prints the kseal version.
`;

function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "kseal" && pkg.version) return pkg.version;
    } catch {
      // keep looking upwards
    }
    dir = dirname(dir);
  }
  return "unknown";
}

/** Builds the config for `kseal start` from its arguments. */
export function startConfig(args: string[]): ProxyConfig | "help" {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: "string" },
      target: { type: "string" },
      listen: { type: "string" },
      "bootstrap-port": { type: "string" },
      "advertised-host": { type: "string" },
      "log-level": { type: "string" },
      "kms-key-file": { type: "string" },
      "no-encryption": { type: "boolean" },
      admin: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return "help";
  let config: ProxyConfig = values.config ? loadConfigFile(values.config) : DEFAULT_CONFIG;
  const flags: Record<string, unknown> = {};
  if (values.target !== undefined) flags.target = values.target;
  if (values.listen !== undefined) {
    if (/:\d+$/.test(values.listen)) {
      const hp = parseHostPort(values.listen, "--listen");
      flags.listenHost = hp.host;
      flags.bootstrapPort = hp.port;
    } else {
      flags.listenHost = values.listen;
    }
  }
  if (values["bootstrap-port"] !== undefined) flags.bootstrapPort = Number(values["bootstrap-port"]);
  if (values["advertised-host"] !== undefined) flags.advertisedHost = values["advertised-host"];
  if (values["log-level"] !== undefined) flags.logLevel = values["log-level"];
  const encryption: Record<string, unknown> = {};
  if (values["kms-key-file"] !== undefined) encryption.kms = { keyFile: values["kms-key-file"] };
  if (values["no-encryption"]) encryption.enabled = false;
  if (Object.keys(encryption).length > 0) flags.encryption = encryption;
  if (values.admin !== undefined) {
    if (values.admin === "off") flags.admin = { enabled: false };
    else if (/:\d+$/.test(values.admin)) {
      const hp = parseHostPort(values.admin.replace(/:0$/, ":1"), "--admin");
      flags.admin = { enabled: true, host: hp.host, port: values.admin.endsWith(":0") ? 0 : hp.port };
    } else flags.admin = { enabled: true, port: Number(values.admin) };
  }
  config = applyConfig(config, flags);
  // Ephemeral proxy ports (tests, several instances on one host): the admin port follows unless set.
  if (config.bootstrapPort === 0 && config.admin.port === DEFAULT_CONFIG.admin.port && values.admin === undefined) {
    config = { ...config, admin: { ...config.admin, port: 0 } };
  }
  return config;
}

/** One virtual cluster while it runs: its proxy and, with encryption on, its module and keys. */
interface RunningCluster {
  config: VirtualClusterConfig;
  proxy: KsealProxy;
  manager?: ModuleManager;
  encryption?: EncryptionRuntime;
}

async function startCluster(c: VirtualClusterConfig, logger: Logger): Promise<RunningCluster> {
  // Without an encryption section the embedded defaults apply: every topic is encrypted.
  const enc = c.encryption ?? parseEncryptionConfig(undefined);
  // The filter module is swapped without a restart: on file change (module.watch), SIGHUP and
  // POST /module/reload on the admin port.
  const manager = enc.enabled
    ? await ModuleManager.start({
        path: c.module.path ?? defaultWasmPath(),
        pins: c.module.sha256 ? [c.module.sha256] : undefined,
        watch: c.module.watch,
        sighup: true,
        inline: true,
        pool: c.module.pool === undefined ? undefined : { size: c.module.pool },
        logger,
      })
    : undefined;
  const encryption = manager
    ? await startEncryption(enc, {
        wasm: manager.filter, requireKek: () => manager.policy.requireKek, pool: manager.pool, logger, onRecords: topicOutcomes(metrics, c.name),
      })
        .catch(async (e: unknown) => { await manager.close(); throw e; })
    : undefined;
  if (!encryption) logger.warn("record encryption is off: records pass through in clear");
  // Requests pass filters in order: topic-records counts what the encryption filter forwards.
  const filters = encryption ? [encryption.filter, topicRecordsFilter(metrics, encryption.filter, c.name)] : [];
  const proxy = new KsealProxy({ config: c, filters, observer: proxyObserver(metrics, c.name) });
  try {
    await proxy.start();
  } catch (e) {
    await encryption?.close();
    await manager?.close();
    throw e;
  }
  return { config: c, proxy, manager, encryption };
}

async function stopCluster(r: RunningCluster, drainMs: number): Promise<void> {
  await r.proxy.drain(drainMs);
  await r.encryption?.close();
  await r.manager?.close();
}

function adminCluster(r: RunningCluster): AdminCluster {
  const { manager, encryption } = r;
  return {
    name: r.config.name,
    config: r.config,
    proxy: r.proxy,
    // GET /module: the live module's fields at the top (as before hot swap), then the swap counters.
    module: manager ? { loaded: () => true, info: () => ({ ...manager.describe(), ...manager.metrics() }) } : undefined,
    encryption: encryption && {
      filterStats: () => encryption.filter.stats(),
      dekStats: () => encryption.deks.stats(),
      dekOldestAgeMs: () => encryption.deks.oldestDekAgeMs(),
      edekStats: () => encryption.edeks.stats(),
      edekCacheSize: () => encryption.edeks.size,
      // Remote KMS providers are wrapped in ResilientKms, which counts calls and latency.
      kmsStats: () => (encryption.kms as { metrics?: { snapshot(): KmsSnapshot } }).metrics?.snapshot(),
    },
  };
}

async function start(args: string[]): Promise<number> {
  const config = startConfig(args);
  if (config === "help") {
    process.stdout.write(START_HELP);
    return 0;
  }
  if (config.logLevel) setLogLevel(config.logLevel);
  const missing = missingNodeFlags();
  if (missing.length > 0) log.info({ missing }, "node started without kseal's node options (host/cli/node-flags.ts): garbage collection costs more CPU under load");
  // Virtual clusters start one after the other; if one fails, those already up are stopped.
  const running: RunningCluster[] = [];
  try {
    for (const c of clustersOf(config)) {
      running.push(await startCluster(c, config.virtualClusters ? log.child({ cluster: c.name }) : log));
    }
  } catch (e) {
    for (const r of running) await stopCluster(r, 0).catch(() => undefined);
    throw e;
  }
  const admin = config.admin.enabled
    ? await startAdmin({
        config,
        registry: metrics,
        logger: log,
        ...(config.virtualClusters ? { clusters: running.map(adminCluster) } : adminCluster(running[0]!)),
      })
    : undefined;
  if (admin) {
    for (const r of running) {
      if (!r.manager) continue;
      // One cluster: POST /module/reload (GET /module is the admin server's own). Several:
      // GET /clusters/<name>/module and POST /clusters/<name>/module/reload each.
      const prefix = config.virtualClusters ? `/clusters/${r.config.name}` : "";
      for (const route of moduleRoutes(r.manager)) {
        if (prefix || route.method === "POST") admin.route(route.method, prefix + route.path, route.handler);
      }
    }
  }
  await new Promise<void>((resolve) => {
    // First signal: drain (stop accepting, finish in-flight requests up to limits.shutdownDrainMs).
    // A second signal closes at once.
    let draining = false;
    const stop = (signal: string) => {
      if (draining) {
        log.warn({ signal }, "second signal: closing now");
        for (const r of running) void r.proxy.stop();
        return;
      }
      draining = true;
      log.info({ signal, deadlineMs: config.limits.shutdownDrainMs }, "stopping");
      Promise.all(running.map((r) => stopCluster(r, config.limits.shutdownDrainMs)))
        .then(() => admin?.stop())
        .then(resolve, resolve);
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
  });
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "start":
      return start(rest);
    case "keys":
      return runKeysCommand(rest);
    case "validate":
      return validate(rest);
    case "version":
      if (rest.includes("--help") || rest.includes("-h")) process.stdout.write(VERSION_HELP);
      else process.stdout.write(`kseal ${packageVersion()}\n`);
      return 0;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(MAIN_HELP);
      return cmd === undefined ? 1 : 0;
    default:
      process.stderr.write(`unknown command ${JSON.stringify(cmd)}\n\n${MAIN_HELP}`);
      return 1;
  }
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      if (isKsealError(e)) process.stderr.write(`kseal: ${e.code}: ${e.message}\n`);
      else process.stderr.write(`kseal: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
