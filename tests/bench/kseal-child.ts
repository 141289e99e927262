// The proxy under test as its own process: the real `kseal start` CLI from the compiled host
// (build/host), so its CPU and memory can be read from /proc apart from the load generators and
// this script, and so `node --cpu-prof` can profile it with source maps to map back to host/.

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

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

export interface KsealChild {
  child: ChildProcess;
  pid: number;
  bootstrap: string;
  admin: string;
  output(): string;
  /** SIGTERM (drain, then exit; the CPU profile is written then), SIGKILL after 30 s. */
  stop(): Promise<void>;
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
  const node = [process.execPath, ...(o.cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", o.cpuProfDir, "--cpu-prof-interval", "500"] : []), main, "start", "--config", config];
  // The parent-death signal takes the proxy down with this script even on SIGKILL.
  const argv = existsSync(SETPRIV) ? [SETPRIV, "--pdeathsig", "KILL", "--", ...node] : node;
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, KSEAL_LOG_LEVEL: "info" } });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const lines = () => out.split("\n").filter((l) => l.startsWith("{")).map((l) => {
    try {
      return JSON.parse(l) as Record<string, unknown>;
    } catch {
      return {};
    }
  });
  const deadline = Date.now() + 60_000;
  while (!lines().some((l) => l.msg === "admin HTTP listening")) {
    if (child.exitCode !== null) throw new Error(`kseal exited ${child.exitCode}: ${out.slice(-2000)}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`kseal did not start: ${out.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const l = lines();
  return {
    child,
    pid: child.pid!,
    bootstrap: String(l.find((x) => x.msg === "kseal proxy listening")!.listen),
    admin: String(l.find((x) => x.msg === "admin HTTP listening")!.listen),
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
