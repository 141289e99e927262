// Runs LoadGen.java (the benchmark's Kafka client: max-throughput produce and consume, and a
// fixed-rate producer that measures latency from the intended send time) on the rig's Kafka
// client jars. The class is compiled once per source and classpath into build/bench/.

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ClusterInfo } from "../rig/index.js";
import { compiledJava, runJava } from "../rig/java-process.js";

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), "LoadGen.java");
const OUT_ROOT = fileURLToPath(new URL("../../build/bench/", import.meta.url));
/** The full JIT (C2), since the client's speed is part of what is measured; a small heap. */
const JVM = ["-Xms256m", "-Xmx512m", "-XX:+UseSerialGC"];

export interface Throughput {
  records: number;
  bytes: number;
  seconds: number;
  recordsPerSec: number;
  mbPerSec: number;
}

export interface Percentiles {
  n: number;
  missing: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

export interface FixedRateResult {
  records: number;
  rate: number;
  warmup: number;
  /** How far the sending loop fell behind its schedule at worst (client or machine stalls). */
  maxSendBehindMs: number;
  /** Intended send time to acknowledgement (acks=all). */
  produce: Percentiles;
  /** Intended send time to the consumer's poll returning the record. */
  e2e: Percentiles;
}

function classDir(info: ClusterInfo): string {
  return compiledJava(SOURCE, readFileSync(info.classpathFile, "utf8").trim(), OUT_ROOT, "loadgen");
}

async function run<T>(info: ClusterInfo, args: string[], timeoutMs: number): Promise<T> {
  const cp = `${readFileSync(info.classpathFile, "utf8").trim()}:${classDir(info)}`;
  const res = await runJava({ classpath: cp, mainClass: "LoadGen", args, jvmOpts: JVM, log4jFile: info.toolLog4jFile }, { timeoutMs });
  const line = res.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (res.code !== 0 || !line) throw new Error(`LoadGen ${args[0]} exited ${res.code}: ${(res.stderr + res.stdout).trim().slice(-3000)}`);
  return JSON.parse(line.slice(7)) as T;
}

const propArgs = (props: Record<string, string>) => Object.entries(props).map(([k, v]) => `${k}=${v}`);

export interface LoadTarget {
  info: ClusterInfo;
  bootstrap: string;
  topics: string[];
}

export function produceMax(t: LoadTarget, records: number, size: number, props: Record<string, string> = {}): Promise<Throughput> {
  return run(t.info, ["produce", t.bootstrap, t.topics.join(","), String(records), String(size), ...propArgs(props)], 900_000);
}

export function consumeMax(t: LoadTarget, records: number, size: number, props: Record<string, string> = {}): Promise<Throughput> {
  return run(t.info, ["consume", t.bootstrap, t.topics.join(","), String(records), String(size), ...propArgs(props)], 900_000);
}

export function produceFixed(
  t: LoadTarget, records: number, size: number, rate: number, warmup: number, props: Record<string, string> = {},
): Promise<FixedRateResult> {
  const timeoutMs = 300_000 + (records / rate) * 4000;
  return run(t.info, ["fixed", t.bootstrap, t.topics.join(","), String(records), String(size), String(rate), String(warmup), ...propArgs(props)], timeoutMs);
}
