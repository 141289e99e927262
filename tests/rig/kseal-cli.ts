/**
 * The real `kseal start` CLI as a child process: spawned with a config file, its JSON log lines
 * kept (the newest `keepBytes` of them), started once it logs "admin HTTP listening", which is
 * also where it says what it listens on. The gateway, fault, abuse and benchmark harnesses all
 * start the proxy through here and add what they measure around it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { NODE_FLAGS } from "../../host/cli/node-flags.js";

/** The CLI from the source tree (run with tsx). */
export const KSEAL_SOURCE_MAIN = fileURLToPath(new URL("../../host/cli/main.ts", import.meta.url));

export interface KsealCliOptions {
  /** Config file, passed as --config. */
  config?: string;
  /** More arguments after `start` (flags such as --target). */
  args?: string[];
  /** The CLI entry: KSEAL_SOURCE_MAIN (default, run under tsx) or a compiled main.js. */
  main?: string;
  /** kseal's own node options (default NODE_FLAGS, as npm start and the container pass them). */
  nodeFlags?: readonly string[];
  /** More node options before the entry (e.g. --cpu-prof, --import of a reporter). */
  nodeArgs?: string[];
  /** Command the node command line runs under (e.g. setpriv --pdeathsig KILL --). */
  wrapper?: string[];
  /** Added to this process's environment; KSEAL_LOG_LEVEL is info unless set here. */
  env?: NodeJS.ProcessEnv;
  startTimeoutMs?: number;
  /** Output kept for output() and lines(): a long run must not grow the test process. */
  keepBytes?: number;
}

export interface KsealCli {
  child: ChildProcess;
  pid: number;
  /** host:port of the (first) Kafka bootstrap listener. */
  bootstrap: string;
  /** host:port of the admin HTTP port. */
  admin: string;
  output(): string;
  lines(): Array<Record<string, unknown>>;
  /** The exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

export async function spawnKsealCli(o: KsealCliOptions): Promise<KsealCli> {
  const main = o.main ?? KSEAL_SOURCE_MAIN;
  const tsx = main.endsWith(".ts") ? ["--import", "tsx"] : [];
  const argv = [...(o.wrapper ?? []), process.execPath, ...(o.nodeFlags ?? NODE_FLAGS), ...tsx, ...(o.nodeArgs ?? []), main, "start", ...(o.config ? ["--config", o.config] : []), ...(o.args ?? [])];
  const child = spawn(argv[0]!, argv.slice(1), {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, KSEAL_LOG_LEVEL: "info", ...o.env },
  });
  const keep = o.keepBytes ?? 1024 * 1024;
  let out = "";
  const add = (d: Buffer) => {
    out += d.toString();
    if (out.length > 2 * keep) out = out.slice(-keep);
  };
  child.stdout!.on("data", add);
  child.stderr!.on("data", add);
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const lines = () =>
    out.split("\n").filter((l) => l.startsWith("{")).map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
  const deadline = Date.now() + (o.startTimeoutMs ?? 60_000);
  while (!lines().some((l) => l.msg === "admin HTTP listening")) {
    if (child.exitCode !== null) throw new Error(`kseal exited ${child.exitCode}: ${out.slice(-2000)}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL"); // never leave a half-started proxy behind
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
    lines,
    exited,
  };
}
