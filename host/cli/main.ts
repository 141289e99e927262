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
  loadConfigFile,
  parseHostPort,
  type ProxyConfig,
} from "../config/proxy-config.js";
import { log, setLogLevel } from "../log.js";
import { KsealProxy } from "../proxy/proxy.js";

const MAIN_HELP = `kseal — Kafka proxy that encrypts record values at rest

Usage:
  kseal start [options]   run the proxy
  kseal version           print the version
  kseal <command> --help  help for a command
`;

const START_HELP = `Usage: kseal start [options]

Runs the proxy. Without options it listens on 127.0.0.1:9192 (node ports 9193+) and forwards to
a Kafka cluster bootstrapped at 127.0.0.1:9092. Options override the config file.

Options:
  --config <file>          YAML config file (keys: listenHost, bootstrapPort, nodePorts,
                           nodePortBase, advertisedHost, target, logLevel, limits)
  --target <h:p[,h:p]>     bootstrap servers of the real cluster
  --listen <host[:port]>   listen address (port = bootstrap port)
  --bootstrap-port <n>     bootstrap port (0 = ephemeral; node ports then ephemeral too)
  --advertised-host <h>    host written into rewritten broker addresses
  --log-level <level>      fatal|error|warn|info|debug|trace|silent (env KSEAL_LOG_LEVEL)
  -h, --help               this help
`;

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
  config = applyConfig(config, flags);
  return config;
}

async function start(args: string[]): Promise<number> {
  const config = startConfig(args);
  if (config === "help") {
    process.stdout.write(START_HELP);
    return 0;
  }
  if (config.logLevel) setLogLevel(config.logLevel);
  const proxy = new KsealProxy({ config });
  await proxy.start();
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, "stopping");
      proxy.stop().then(resolve, resolve);
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "start":
      return start(rest);
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
