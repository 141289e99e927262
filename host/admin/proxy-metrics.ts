/**
 * The proxy's traffic metrics: a ProxyObserver that counts into a MetricsRegistry, and a
 * collector that copies the encryption filter's and key caches' own counters at scrape time.
 */
import { apiKeyName } from "../protocol/api-keys.js";
import type { ByteDirection, ProxyObserver } from "../proxy/observer.js";
import type { MetricsRegistry } from "./metrics.js";

export function proxyObserver(reg: MetricsRegistry, cluster = "default"): ProxyObserver {
  const opened = reg.counter("kseal_connections_total", "Client connections accepted", ["cluster", "listener"]);
  const active = reg.gauge("kseal_connections_active", "Client connections open now", ["cluster", "listener"]);
  const requests = reg.counter("kseal_requests_total", "Client requests by Kafka API (raw SASL tokens: api=\"SaslRawToken\")", ["cluster", "api"]);
  const bytes = reg.counter("kseal_bytes_total", "Bytes by direction: client_in/client_out (clients), upstream_in/upstream_out (brokers)", ["cluster", "direction"]);
  const latency = reg.histogram("kseal_request_duration_seconds", "Time from reading a request to its response being ready for the client (broker, filters and KMS included)", ["cluster", "api"], [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);
  const errors = reg.counter("kseal_connection_errors_total", "Connections closed because of an error, by error code", ["cluster", "code"]);
  // Bytes arrive in many small chunks: keep plain numbers and publish them at scrape time.
  const byteCounts: Record<ByteDirection, number> = { client_in: 0, client_out: 0, upstream_in: 0, upstream_out: 0 };
  reg.onCollect(() => {
    for (const [d, n] of Object.entries(byteCounts)) bytes.set({ cluster, direction: d }, n);
  });
  const names = new Map<number, string>();
  const nameOf = (k: number): string => {
    let n = names.get(k);
    if (n === undefined) {
      n = k === -1 ? "SaslRawToken" : apiKeyName(k);
      names.set(k, n);
    }
    return n;
  };
  return {
    connectionOpened(listener) {
      opened.inc({ cluster, listener });
      active.inc({ cluster, listener });
    },
    connectionClosed(listener) {
      active.dec({ cluster, listener });
    },
    request(apiKey) {
      requests.inc({ cluster, api: nameOf(apiKey) });
    },
    bytes(direction, n) {
      byteCounts[direction] += n;
    },
    response(apiKey, ms) {
      latency.observe({ cluster, api: nameOf(apiKey) }, ms / 1000);
    },
    connectionError(code) {
      errors.inc({ cluster, code });
    },
  };
}

/** What the encryption runtime offers to metrics; every part optional. */
export interface EncryptionMetricsSource {
  filterStats?: () => object;
  dekStats?: () => object;
  edekStats?: () => object;
  edekCacheSize?: () => number;
  /** Age in ms of the oldest DEK in use for encryption. */
  dekOldestAgeMs?: () => number;
  /** A remote KMS's per-operation counters (ResilientKms.metrics.snapshot()). */
  kmsStats?: () => KmsSnapshot | undefined;
}

/** The shape of KmsMetrics.snapshot() (host/kms/resilient-metrics.ts), kept structural so that
 * admin does not depend on kms. Latency buckets are cumulative-free counts per upper bound (ms). */
export interface KmsSnapshot {
  [op: string]: unknown;
  breakerOpens: number;
}

interface KmsOpStats {
  calls: number;
  attempts: number;
  retries: number;
  outcomes: Record<string, number>;
  latency: { count: number; sumMs: number };
}

/** Publishes every numeric field of the runtime's stats objects as kseal_encryption_<name>. */
export function encryptionCollector(reg: MetricsRegistry, src: EncryptionMetricsSource, cluster = "default"): () => void {
  const filter = reg.counter("kseal_encryption_partitions_total", "Partitions handled by the encryption filter, by outcome", ["cluster", "outcome"]);
  const deks = reg.counter("kseal_dek_events_total", "DEK manager events (generated, failures, leases)", ["cluster", "event"]);
  const edeks = reg.counter("kseal_edek_cache_events_total", "EDEK cache events (hits, misses, kmsCalls, evictions)", ["cluster", "event"]);
  const edekSize = reg.gauge("kseal_edek_cache_entries", "Unwrapped DEKs cached for decryption", ["cluster"]);
  const dekAge = reg.gauge("kseal_dek_oldest_age_seconds", "Age of the oldest DEK in use for encryption", ["cluster"]);
  const copy = (c: { set(l: Record<string, string>, v: number): void }, label: string, o: object | undefined) => {
    if (!o) return;
    for (const [k, v] of Object.entries(o)) if (typeof v === "number") c.set({ cluster, [label]: k }, v);
  };
  const kmsCalls = reg.counter("kseal_kms_calls_total", "KMS operations asked of kseal's KMS layer, by operation and outcome", ["cluster", "op", "outcome"]);
  const kmsAttempts = reg.counter("kseal_kms_attempts_total", "KMS calls that reached the provider (retries included)", ["cluster", "op"]);
  const kmsLatencySum = reg.counter("kseal_kms_latency_seconds_sum", "Total time of completed KMS operations", ["cluster", "op"]);
  const kmsLatencyCount = reg.counter("kseal_kms_latency_seconds_count", "Completed KMS operations timed", ["cluster", "op"]);
  const breaker = reg.counter("kseal_kms_breaker_opens_total", "Times the KMS circuit breaker opened", ["cluster"]);
  return reg.onCollect(() => {
    const kms = src.kmsStats?.();
    if (kms) {
      for (const [op, raw] of Object.entries(kms)) {
        if (op === "breakerOpens" || typeof raw !== "object" || raw === null) continue;
        const s = raw as KmsOpStats;
        for (const [outcome, n] of Object.entries(s.outcomes)) kmsCalls.set({ cluster, op, outcome }, n);
        kmsAttempts.set({ cluster, op }, s.attempts);
        kmsLatencySum.set({ cluster, op }, s.latency.sumMs / 1000);
        kmsLatencyCount.set({ cluster, op }, s.latency.count);
      }
      breaker.set({ cluster }, kms.breakerOpens);
    }
    copy(filter, "outcome", src.filterStats?.());
    copy(deks, "event", src.dekStats?.());
    copy(edeks, "event", src.edekStats?.());
    if (src.edekCacheSize) edekSize.set({ cluster }, src.edekCacheSize());
    if (src.dekOldestAgeMs) dekAge.set({ cluster }, src.dekOldestAgeMs() / 1000);
  });
}
