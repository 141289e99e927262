// kcat (librdkafka, from Debian's package) as a second independent client: its own protocol code,
// its own compression codecs, its own idea of the API versions to use.

import { spawnSync } from "node:child_process";
import { runProcess, type RunOptions, type RunResult } from "./run-process.js";

let cached: string | null | undefined;

/** Path of kcat (or kafkacat, its old name), or null when neither is installed. */
export function kcatPath(): string | null {
  if (cached !== undefined) return cached;
  for (const name of ["kcat", "kafkacat"]) {
    const r = spawnSync(name, ["-V"], { encoding: "utf8" });
    if (r.status === 0) return (cached = name);
  }
  return (cached = null);
}

/** librdkafka version kcat is built with, e.g. "2.0.2". */
export function kcatLibrdkafkaVersion(): string | null {
  const bin = kcatPath();
  if (!bin) return null;
  const out = spawnSync(bin, ["-V"], { encoding: "utf8" }).stdout;
  return /librdkafka (\d+\.\d+\.\d+)/.exec(out)?.[1] ?? null;
}

/**
 * librdkafka before 2.6.1 sends a SCRAM client-final-message that Kafka 4.x rejects as invalid
 * credentials (confluentinc/librdkafka#4895, edenhill/kcat#462); Debian 12's kcat has 2.0.2.
 */
export function kcatSupportsScram(): boolean {
  const v = kcatLibrdkafkaVersion();
  if (!v) return false;
  const [a, b, c] = v.split(".").map(Number) as [number, number, number];
  return a > 2 || (a === 2 && (b > 6 || (b === 6 && c >= 1)));
}

/** Runs kcat to completion; stdoutBytes keeps its output as bytes for exact comparisons. */
export function runKcat(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const bin = kcatPath();
  if (!bin) return Promise.reject(new Error("kcat is not installed (apt-get install kcat)"));
  return runProcess(bin, args, { timeoutMs: 60_000, ...opts });
}
