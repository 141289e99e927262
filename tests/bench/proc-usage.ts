// CPU time and resident memory of a process (the proxy) from /proc, for CPU cost per MB/s and
// peak RSS per run. utime+stime cover every thread of the process, worker threads included.

import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU seconds the process has used so far (/proc/<pid>/stat fields 14 and 15). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may itself hold spaces.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(rest[11]) + Number(rest[12])) / ticksPerSecond();
}

function statusKb(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

export const rssKb = (pid: number) => statusKb(pid, "VmRSS");
export const peakRssKb = (pid: number) => statusKb(pid, "VmHWM");

/** Resets the kernel's peak-RSS mark (VmHWM) to the current RSS; false where that is not allowed. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

export interface Usage {
  cpuSeconds: number;
  wallSeconds: number;
  /** Peak RSS during the window (MiB); the lifetime peak if the mark could not be reset. */
  peakRssMb: number;
}

/** Measures one window of a process's life: call start() before the load and stop() after. */
export class UsageWindow {
  private cpu0 = 0;
  private t0 = 0;

  constructor(private readonly pid: number) {}

  start(): void {
    resetPeakRss(this.pid);
    this.cpu0 = cpuSeconds(this.pid);
    this.t0 = performance.now();
  }

  stop(): Usage {
    return {
      cpuSeconds: cpuSeconds(this.pid) - this.cpu0,
      wallSeconds: (performance.now() - this.t0) / 1000,
      peakRssMb: peakRssKb(this.pid) / 1024,
    };
  }
}
