/**
 * A decorator that puts any Kms behind kseal's KMS resilience:
 * - a deadline per attempt (a late DEK is wiped when it arrives),
 * - retries of retriable failures (KMS_UNAVAILABLE) with exponential backoff and full jitter
 *   (delay = random * min(maxDelay, base * 2^n)), within an overall budget so that retries end
 *   before the caller's own deadline; not-found, denied and integrity failures are never retried,
 * - a circuit breaker: after `failureThreshold` consecutive retriable failures every call fails
 *   fast for `openMs`, then one probe call decides whether it closes again; a KMS that is down is
 *   not hammered by every produce and fetch,
 * - metrics per operation and outcome (resilient-metrics.ts).
 * Concurrent requests for one DEK or EDEK are already merged above this layer (DekManager,
 * EdekCache), so each call here is one KMS operation.
 */
import { KsealError, isKsealError } from "../errors.js";
import { callKms } from "../keys/kms-call.js";
import type { DekPair, Kms } from "./kms.js";
import { KmsMetrics, type KmsOp } from "./resilient-metrics.js";

export interface ResilienceOptions {
  /** Longest wait for one attempt. */
  attemptTimeoutMs: number;
  /** All attempts and backoff of one call end within this (keep it under kms.timeoutMs). */
  budgetMs: number;
  /** Attempts per call, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  failureThreshold: number;
  openMs: number;
  random?: () => number;
  now?: () => number;
}

export const DEFAULT_RESILIENCE: Readonly<ResilienceOptions> = Object.freeze({
  attemptTimeoutMs: 4_000,
  budgetMs: 9_000,
  maxAttempts: 4,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
  failureThreshold: 5,
  openMs: 5_000,
});

type BreakerState = "closed" | "open" | "half-open";

export class ResilientKms implements Kms {
  readonly name: string;
  readonly metrics: KmsMetrics;
  private readonly o: ResilienceOptions;
  private readonly random: () => number;
  private readonly now: () => number;
  private failures = 0;
  private state: BreakerState = "closed";
  private openUntil = 0;
  private probing = false;

  constructor(readonly inner: Kms, options: Partial<ResilienceOptions> = {}, metrics = new KmsMetrics()) {
    this.name = inner.name;
    this.o = { ...DEFAULT_RESILIENCE, ...options };
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.metrics = metrics;
    if (this.o.maxAttempts < 1 || this.o.attemptTimeoutMs < 1 || this.o.budgetMs < 1) throw new RangeError("resilience options must be positive");
  }

  get breaker(): BreakerState {
    if (this.state === "open" && this.now() >= this.openUntil) return "half-open";
    return this.state;
  }

  resolveAlias(alias: string): Promise<string> {
    return this.run("resolveAlias", () => this.inner.resolveAlias(alias));
  }

  generateDek(kekId: string): Promise<DekPair> {
    return this.run("generateDek", () => this.inner.generateDek(kekId), (late) => late.dek.fill(0));
  }

  decryptEdek(edek: Buffer): Promise<Buffer> {
    return this.run("decryptEdek", () => this.inner.decryptEdek(edek), (late) => late.fill(0));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async run<T>(op: KmsOp, call: () => Promise<T>, discard?: (late: T) => void): Promise<T> {
    this.metrics.call(op);
    const deadline = this.now() + this.o.budgetMs;
    let last: KsealError | undefined;
    for (let attempt = 0; attempt < this.o.maxAttempts; attempt++) {
      if (attempt > 0) {
        const delay = this.random() * Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** (attempt - 1));
        if (this.now() + delay + 1 >= deadline) break;
        await new Promise((r) => setTimeout(r, delay));
      }
      const probe = this.admit();
      if (probe === undefined) {
        this.metrics.outcome(op, "rejected");
        throw last ?? new KsealError("KMS_UNAVAILABLE", `${this.name} KMS circuit is open after repeated failures; calls resume after ${this.o.openMs} ms`);
      }
      const timeout = Math.max(1, Math.min(this.o.attemptTimeoutMs, deadline - this.now()));
      this.metrics.attempt(op, attempt > 0);
      const started = this.now();
      try {
        const v = await callKms(`${this.name} KMS ${op}`, timeout, call, discard);
        this.metrics.outcome(op, "success", this.now() - started);
        this.onSuccess();
        return v;
      } catch (e) {
        const err = isKsealError(e) ? e : new KsealError("KMS_UNAVAILABLE", `${this.name} KMS ${op} failed`, { cause: e });
        const elapsed = this.now() - started;
        if (!err.retriable) {
          const notFound = err.code === "KMS_UNKNOWN_ALIAS" || err.code === "KMS_UNKNOWN_KEY";
          this.metrics.outcome(op, notFound ? "not_found" : "error", elapsed);
          // The KMS answered: as far as the breaker is concerned it is up.
          this.onSuccess();
          throw err;
        }
        this.metrics.outcome(op, "unavailable", elapsed);
        this.onFailure(probe);
        last = err;
      } finally {
        if (probe) this.probing = false;
      }
    }
    throw last ?? new KsealError("KMS_UNAVAILABLE", `${this.name} KMS ${op}: no attempt fitted the budget`);
  }

  /** undefined = rejected (open, or a probe is already out); true = this call is the probe. */
  private admit(): boolean | undefined {
    if (this.state === "closed") return false;
    if (this.now() < this.openUntil || this.probing) return undefined;
    this.state = "half-open";
    this.probing = true;
    return true;
  }

  private onSuccess(): void {
    this.failures = 0;
    this.state = "closed";
  }

  private onFailure(probe: boolean): void {
    this.failures++;
    if (probe || (this.state === "closed" && this.failures >= this.o.failureThreshold)) {
      if (this.state !== "open") this.metrics.breakerOpens++;
      this.state = "open";
      this.openUntil = this.now() + this.o.openMs;
    }
  }
}
