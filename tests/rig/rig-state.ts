// Where the rig CLI keeps track of the clusters it started: <state root>/<name>.json holds the
// ClusterInfo (whose pid is the supervisor's), <name>.supervisor.log the supervisor's output.

import { existsSync, readFileSync, readdirSync } from "node:fs";
import { rm, writeFile, rename } from "node:fs/promises";
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
