// The proxy under test as its own process: the real `kseal start` CLI from the compiled host
// (build/host), so its CPU and memory can be read from /proc apart from the load generators and
// this script, and so `node --cpu-prof` can profile it with source maps to map back to host/.

import type { ChildProcess } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnKsealCli } from "../rig/kseal-cli.js";

export const KSEAL_MAIN = fileURLToPath(new URL("../../build/host/cli/main.js", import.meta.url));
const SETPRIV = "/usr/bin/setpriv";

export interface KsealChildOptions {
  /** Bootstrap of the real cluster. */
  target: string;
  encrypt: boolean;
  /** Folder for the config file and the local KMS key file. */
  dir: string;
  name: string;
  /** Write a V8 CPU profile (.cpuprofile) into this folder when the proxy exits. */
  cpuProfDir?: string;
  /** The CLI to run (default build/host/cli/main.js). */
  main?: string;
  /** Local KMS key file name inside dir (default <name>-kms.json); proxies sharing it share KEKs. */
  kmsFile?: string;
  /** Extra YAML lines appended to the config (e.g. "module: { pool: 2 }"). */
  extraYaml?: string[];
}

/** A proxy process the benchmark measures: kseal, or Kroxylicious for comparison. */
export interface MeasuredProxy {
  child: ChildProcess;
  /** Whose CPU and memory are read from /proc. */
  pid: number;
  bootstrap: string;
  output(): string;
  /** SIGTERM (drain, then exit), SIGKILL after 30 s. */
  stop(): Promise<void>;
}

export interface KsealChild extends MeasuredProxy {
  admin: string;
}

export async function startKsealChild(o: KsealChildOptions): Promise<KsealChild> {
  const main = o.main ?? KSEAL_MAIN;
  if (!existsSync(main)) throw new Error(`${main} is missing: run node build/build.mjs first`);
  const config = join(o.dir, `${o.name}.yaml`);
  writeFileSync(config, [
    "bootstrapPort: 0",
    `target: ${o.target}`,
    "logLevel: info",
    "limits: { shutdownDrainMs: 2000 }",
    o.encrypt ? `encryption: { kms: { keyFile: ${JSON.stringify(join(o.dir, o.kmsFile ?? `${o.name}-kms.json`))} } }` : "encryption: { enabled: false }",
    ...(o.extraYaml ?? []),
  ].join("\n") + "\n");
  const cli = await spawnKsealCli({
    config,
    main,
    nodeArgs: o.cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", o.cpuProfDir, "--cpu-prof-interval", "500"] : [],
    // The parent-death signal takes the proxy down with this script even on SIGKILL.
    wrapper: existsSync(SETPRIV) ? [SETPRIV, "--pdeathsig", "KILL", "--"] : [],
  });
  const { child } = cli;
  return {
    child,
    pid: cli.pid,
    bootstrap: cli.bootstrap,
    admin: cli.admin,
    output: cli.output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      await cli.exited;
      clearTimeout(timer);
    },
  };
}
