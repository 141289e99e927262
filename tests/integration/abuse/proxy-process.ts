/**
 * The real `kseal start` CLI as a child process with encryption on (local KMS in a temporary
 * directory, ephemeral ports), for tests that measure what the process holds: RSS and peak RSS
 * and open fds from /proc/<pid>, V8 heap from a preloaded reporter (memory-reporter.mjs).
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnKsealCli } from "../../rig/kseal-cli.js";
import { parseMetrics } from "../gateway/kseal-process.js";

const REPORTER = fileURLToPath(new URL("./memory-reporter.mjs", import.meta.url));

export interface ProcSample {
  at: number;
  /** Resident set size and its peak so far (VmHWM), MiB. */
  rssMb: number;
  peakRssMb: number;
  fds: number;
  /** From the reporter (up to 500 ms old); NaN when it has not written yet. */
  heapUsedMb: number;
  externalMb: number;
  arrayBuffersMb: number;
}

export interface ProxyProcess {
  child: ChildProcess;
  pid: number;
  /** host:port of the bootstrap listener. */
  bootstrap: string;
  admin: string;
  sample(): ProcSample;
  /** Connections the proxy holds (kseal_connections_active summed over listeners). */
  openConnections(): Promise<number>;
  /** kseal_requests_total for one API (e.g. "Fetch"). */
  requestsOf(api: string): Promise<number>;
  log(): string;
  stop(): Promise<void>;
}

const MB = 1024 * 1024;

export function procSample(pid: number, memFile?: string): ProcSample {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  let mem = { heapUsed: NaN, external: NaN, arrayBuffers: NaN };
  if (memFile) {
    try {
      mem = JSON.parse(readFileSync(memFile, "utf8"));
    } catch {
      // Not written yet.
    }
  }
  return {
    at: Date.now(),
    rssMb: kb("VmRSS") / 1024,
    peakRssMb: kb("VmHWM") / 1024,
    fds: readdirSync(`/proc/${pid}/fd`).length,
    heapUsedMb: mem.heapUsed / MB,
    externalMb: mem.external / MB,
    arrayBuffersMb: mem.arrayBuffers / MB,
  };
}

/** Starts the proxy at log level info: its start-up lines say where it listens. */
export async function startProxyProcess(target: string, opts: { extraConfig?: string[] } = {}): Promise<ProxyProcess> {
  const dir = mkdtempSync(join(tmpdir(), "kseal-abuse-"));
  const config = join(dir, "kseal.yaml");
  const memFile = join(dir, "mem.json");
  writeFileSync(config, [
    "bootstrapPort: 0",
    `target: ${target}`,
    "admin: { port: 0 }",
    ...(opts.extraConfig ?? []),
    "encryption:",
    "  kms:",
    `    keyFile: ${join(dir, "local-kms.json")}`,
  ].join("\n") + "\n");
  let cli;
  try {
    cli = await spawnKsealCli({ config, nodeArgs: ["--import", REPORTER], env: { KSEAL_TEST_MEM_FILE: memFile }, startTimeoutMs: 90_000 });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const { child, bootstrap, admin } = cli;
  let stopped = false;
  return {
    child,
    pid: child.pid!,
    bootstrap,
    admin,
    sample: () => procSample(child.pid!, memFile),
    async openConnections() {
      const m = parseMetrics(await (await fetch(`http://${admin}/metrics`)).text());
      let n = 0;
      for (const [k, v] of m) if (k.startsWith("kseal_connections_active{")) n += v;
      return n;
    },
    async requestsOf(api: string) {
      const m = parseMetrics(await (await fetch(`http://${admin}/metrics`)).text());
      let n = 0;
      for (const [k, v] of m) if (k.startsWith("kseal_requests_total{") && k.includes(`api="${api}"`)) n += v;
      return n;
    },
    log: cli.output,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null) {
        child.kill("SIGKILL");
        await cli.exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
