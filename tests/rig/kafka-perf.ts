// Kafka's own load generators (ProducerPerformance, ConsumerPerformance) with their summaries
// parsed, so benchmarks can compare a direct connection with one through the proxy.

import { kafkaTool } from "./kafka-tools.js";
import type { ClientTarget } from "./client-matrix.js";

export interface ProducerPerfResult {
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

export interface ConsumerPerfResult {
  mb: number;
  mbPerSec: number;
  records: number;
  recordsPerSec: number;
  rebalanceMs: number;
  fetchMs: number;
}

/** Parses ProducerPerformance's last line:
 * "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, P50 ms 50th, P95 ms 95th, P99 ms 99th, ..." */
export function parseProducerPerf(stdout: string): ProducerPerfResult {
  const line = stdout.split("\n").reverse().find((l) => /records sent, .* records\/sec/.test(l));
  const m = line && /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th/.exec(line);
  if (!m) throw new Error(`no ProducerPerformance summary in: ${stdout.slice(-500)}`);
  const n = m.slice(1).map(Number) as number[];
  return { records: n[0]!, recordsPerSec: n[1]!, mbPerSec: n[2]!, avgLatencyMs: n[3]!, maxLatencyMs: n[4]!, p50Ms: n[5]!, p95Ms: n[6]!, p99Ms: n[7]! };
}

/** Parses ConsumerPerformance's CSV (header line, then one data line). */
export function parseConsumerPerf(stdout: string): ConsumerPerfResult {
  const lines = stdout.split("\n").map((l) => l.trim());
  const h = lines.findIndex((l) => l.startsWith("start.time"));
  const data = h >= 0 ? lines[h + 1] : undefined;
  if (!data) throw new Error(`no ConsumerPerformance summary in: ${stdout.slice(-500)}`);
  const header = lines[h]!.split(/,\s*/);
  const values = data.split(/,\s*/);
  const get = (k: string) => Number(values[header.indexOf(k)]);
  return {
    mb: get("data.consumed.in.MB"),
    mbPerSec: get("MB.sec"),
    records: get("data.consumed.in.nMsg"),
    recordsPerSec: get("nMsg.sec"),
    rebalanceMs: get("rebalance.time.ms"),
    fetchMs: get("fetch.time.ms"),
  };
}

export interface ProducerPerfOptions {
  records: number;
  recordSize: number;
  /** Records per second to aim for; -1 (default) is as fast as possible. */
  throughput?: number;
  /** Producer properties, e.g. { acks: "all", "compression.type": "lz4" }. */
  props?: Record<string, string>;
  timeoutMs?: number;
  /** Tool JVM options; default lets the JIT reach C2, since throughput is the point. */
  jvmOpts?: string[];
}

const PERF_JVM = ["-Xmx512m", "-XX:+UseSerialGC"];

export async function producerPerf(target: ClientTarget, topic: string, o: ProducerPerfOptions): Promise<ProducerPerfResult> {
  const props = { acks: "all", ...o.props, "bootstrap.servers": target.bootstrap };
  const res = await kafkaTool(target.info, "producer-perf", [
    "--topic", topic, "--num-records", String(o.records), "--record-size", String(o.recordSize),
    "--throughput", String(o.throughput ?? -1),
    "--producer-props", ...Object.entries(props).map(([k, v]) => `${k}=${v}`),
  ], { timeoutMs: o.timeoutMs ?? 300_000, jvmOpts: o.jvmOpts ?? PERF_JVM });
  return parseProducerPerf(res.stdout);
}

export async function consumerPerf(
  target: ClientTarget,
  topic: string,
  o: { records: number; timeoutMs?: number; jvmOpts?: string[] },
): Promise<ConsumerPerfResult> {
  const timeout = o.timeoutMs ?? 300_000;
  const res = await kafkaTool(target.info, "consumer-perf", [
    "--bootstrap-server", target.bootstrap, "--topic", topic, "--num-records", String(o.records), "--timeout", String(timeout),
  ], { timeoutMs: timeout + 30_000, jvmOpts: o.jvmOpts ?? PERF_JVM });
  return parseConsumerPerf(res.stdout);
}
