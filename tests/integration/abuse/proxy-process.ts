/**
 * The real `kseal start` CLI as a child process with encryption on (local KMS in a temporary
 * directory, ephemeral ports), for tests that measure what the process holds: RSS and peak RSS
 * and open fds from /proc/<pid>, V8 heap from a preloaded reporter (memory-reporter.mjs).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseMetrics } from "../gateway/kseal-process.js";

const MAIN = fileURLToPath(new URL("../../../host/cli/main.ts", import.meta.url));
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
  const child = spawn(process.execPath, ["--import", "tsx", "--import", REPORTER, MAIN, "start", "--config", config], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, KSEAL_LOG_LEVEL: "info", KSEAL_TEST_MEM_FILE: memFile },
  });
  let out = "";
  const keep = (d: Buffer) => {
    out += d.toString();
    // Keep the last 1 MB: a long run must not grow the test process with the proxy's log.
    if (out.length > 2 * MB) out = out.slice(-MB);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const lines = () =>
    out.split("\n").filter((l) => l.startsWith("{")).map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
  const deadline = Date.now() + 90_000;
  while (!lines().some((l) => l.msg === "admin HTTP listening")) {
    if (child.exitCode !== null) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`kseal exited ${child.exitCode}: ${out.slice(-2000)}`);
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`kseal did not start: ${out.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const l = lines();
  const bootstrap = String(l.find((x) => x.msg === "kseal proxy listening")!.listen);
  const admin = String(l.find((x) => x.msg === "admin HTTP listening")!.listen);
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
    log: () => out,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
