// Where the rig CLI keeps track of the clusters it started: <state root>/<name>.json holds the
// ClusterInfo (whose pid is the supervisor's), <name>.users.json the processes that asked for it
// with `up` and have not called `down` yet, <name>.supervisor.log the supervisor's output, and
// <name>.lock serialises up and down on one name.

import { existsSync, readFileSync, readdirSync } from "node:fs";
import { open, rm, writeFile, rename } from "node:fs/promises";
import { join } from "node:path";
import type { ClusterInfo } from "./cluster-info.js";
import { rigStateRoot } from "./kafka-cluster.js";

export function stateFile(name: string): string {
  return join(rigStateRoot(), `${name}.json`);
}

export function supervisorLog(name: string): string {
  return join(rigStateRoot(), `${name}.supervisor.log`);
}

export function readState(name: string): ClusterInfo | undefined {
  const f = stateFile(name);
  if (!existsSync(f)) return undefined;
  try {
    return JSON.parse(readFileSync(f, "utf8")) as ClusterInfo;
  } catch {
    return undefined;
  }
}

export async function writeState(info: ClusterInfo): Promise<void> {
  const f = stateFile(info.name);
  await writeFile(`${f}.tmp`, JSON.stringify(info) + "\n");
  await rename(`${f}.tmp`, f);
}

export async function removeState(name: string): Promise<void> {
  await rm(stateFile(name), { force: true });
  await rm(usersFile(name), { force: true });
}

function usersFile(name: string): string {
  return join(rigStateRoot(), `${name}.users.json`);
}

/**
 * Live processes that called `up` for the cluster and not yet `down` (dead ones are dropped);
 * `whenMissing` stands in while the users file does not exist yet.
 */
export function readUsers(name: string, whenMissing: number[] = []): number[] {
  let pids = whenMissing;
  try {
    pids = JSON.parse(readFileSync(usersFile(name), "utf8")) as number[];
  } catch {
    // no file yet (or a torn one): use the stand-in
  }
  return pids.filter((p) => Number.isInteger(p) && processAlive(p));
}

export async function writeUsers(name: string, pids: number[]): Promise<void> {
  const f = usersFile(name);
  await writeFile(`${f}.tmp`, JSON.stringify([...new Set(pids)]) + "\n");
  await rename(`${f}.tmp`, f);
}

/**
 * Runs `fn` holding <name>.lock, so two CLIs never start the same cluster twice or stop it while
 * another is reusing it. A lock left by a dead process is taken over.
 */
export async function withLock<T>(name: string, fn: () => Promise<T>, timeoutMs = 15 * 60_000): Promise<T> {
  const lock = join(rigStateRoot(), `${name}.lock`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fh = await open(lock, "wx");
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const holder = Number(readFileSync(lock, "utf8").trim() || "0");
      if (holder > 0 && !processAlive(holder)) {
        await rm(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`${lock} is held by process ${holder}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

export function stateNames(): string[] {
  const root = rigStateRoot();
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -5));
}

/** True when `pid` is alive and is a rig supervisor (guards against a recycled PID). */
export function supervisorAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("supervisor");
  } catch {
    return true; // no procfs: trust the signal probe
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
