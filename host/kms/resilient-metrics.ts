/**
 * Counters and latency per KMS operation and outcome, kept in memory for `stats()` and logs.
 * Outcomes: success, not_found (unknown alias/key), unavailable (retriable failure of one
 * attempt), error (any other non-retriable failure), rejected (circuit open, no call made).
 * `attempts` counts calls that reached the provider; `calls` the operations asked of kseal's KMS.
 */
export type KmsOp = "resolveAlias" | "generateDek" | "decryptEdek";
export type KmsOutcome = "success" | "not_found" | "unavailable" | "error" | "rejected";

/** Upper bounds (ms) of the latency histogram's buckets; the last bucket is everything above. */
export const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

export interface OpStats {
  calls: number;
  attempts: number;
  retries: number;
  outcomes: Record<KmsOutcome, number>;
  latency: { count: number; sumMs: number; maxMs: number; buckets: number[] };
}

function emptyOp(): OpStats {
  return {
    calls: 0, attempts: 0, retries: 0,
    outcomes: { success: 0, not_found: 0, unavailable: 0, error: 0, rejected: 0 },
    latency: { count: 0, sumMs: 0, maxMs: 0, buckets: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0) },
  };
}

export class KmsMetrics {
  private readonly ops: Record<KmsOp, OpStats> = { resolveAlias: emptyOp(), generateDek: emptyOp(), decryptEdek: emptyOp() };
  breakerOpens = 0;

  call(op: KmsOp): void {
    this.ops[op].calls++;
  }

  attempt(op: KmsOp, retry: boolean): void {
    this.ops[op].attempts++;
    if (retry) this.ops[op].retries++;
  }

  /** One attempt's outcome; latency is recorded for attempts that reached the provider. */
  outcome(op: KmsOp, outcome: KmsOutcome, latencyMs?: number): void {
    const s = this.ops[op];
    s.outcomes[outcome]++;
    if (latencyMs === undefined) return;
    s.latency.count++;
    s.latency.sumMs += latencyMs;
    if (latencyMs > s.latency.maxMs) s.latency.maxMs = latencyMs;
    let i = LATENCY_BUCKETS_MS.findIndex((b) => latencyMs <= b);
    if (i < 0) i = LATENCY_BUCKETS_MS.length;
    s.latency.buckets[i]!++;
  }

  snapshot(): Record<KmsOp, OpStats> & { breakerOpens: number } {
    return { ...structuredClone(this.ops), breakerOpens: this.breakerOpens };
  }
}
