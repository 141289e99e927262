/**
 * EDEK -> DEK cache for decryption. Bounded by entry count (least recently used evicted first)
 * and by age (an entry expires `ttlMs` after the KMS unwrapped it, so a revoked KEK stops working
 * within that time). Concurrent lookups of one EDEK share one KMS call; failures are not cached.
 * A lookup hands out a reference: an evicted or expired DEK is wiped only when no reference to it
 * is left, so a batch never decrypts with a zeroed key.
 */
import { KsealError } from "../errors.js";
import { LIMITS } from "../limits.js";
import type { Kms } from "../kms/kms.js";
import { systemClock, type Clock } from "./clock.js";
import { callKms } from "./kms-call.js";
import { SharedKey } from "./shared-key.js";

export interface EdekCacheOptions {
  kms: Kms;
  clock?: Clock;
  /** Most cached DEKs (default LIMITS.edekCacheMaxEntries). */
  maxEntries?: number;
  /** Time a DEK stays cached after the KMS unwrapped it (default LIMITS.edekCacheTtlMs). */
  ttlMs?: number;
  kmsTimeoutMs?: number;
  /** Period of the timer that wipes expired entries nobody looks up (default
   * LIMITS.dekSweepIntervalMs); 0 = no timer (call sweep() yourself). */
  sweepIntervalMs?: number;
}

/** A DEK held for one use (e.g. one batch): valid until release(). */
export interface DekRef {
  readonly dek: Buffer;
  readonly edek: Buffer;
  release(): void;
}

interface Entry {
  key: SharedKey;
  edek: Buffer;
  expiresAt: number;
}

interface Waiter {
  resolve(ref: DekRef): void;
  reject(e: unknown): void;
}

class Ref implements DekRef {
  private released = false;
  readonly dek: Buffer;
  readonly edek: Buffer;
  constructor(private readonly entry: Entry) {
    entry.key.acquire();
    this.dek = entry.key.key;
    this.edek = entry.edek;
  }
  release(): void {
    if (this.released) return;
    this.released = true;
    this.entry.key.release();
  }
}

export interface EdekCacheStats {
  hits: number;
  misses: number;
  /** KMS decrypt calls made. */
  kmsCalls: number;
  evictions: number;
}

export class EdekCache {
  private readonly kms: Kms;
  private readonly clock: Clock;
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly kmsTimeoutMs: number;
  /** Insertion order = recency order: a hit moves its entry to the end. */
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Waiter[]>();
  private closed = false;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly counters: EdekCacheStats = { hits: 0, misses: 0, kmsCalls: 0, evictions: 0 };

  constructor(options: EdekCacheOptions) {
    this.kms = options.kms;
    this.clock = options.clock ?? systemClock;
    this.maxEntries = options.maxEntries ?? LIMITS.edekCacheMaxEntries;
    this.ttlMs = options.ttlMs ?? LIMITS.edekCacheTtlMs;
    this.kmsTimeoutMs = options.kmsTimeoutMs ?? LIMITS.kmsCallTimeoutMs;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) throw new KsealError("CONFIG_INVALID", "EDEK cache size must be a positive integer");
    if (!(this.ttlMs > 0)) throw new KsealError("CONFIG_INVALID", "EDEK cache TTL must be positive");
    const sweepMs = options.sweepIntervalMs ?? LIMITS.dekSweepIntervalMs;
    if (sweepMs > 0) {
      this.timer = setInterval(() => this.sweep(), sweepMs);
      this.timer.unref();
    }
  }

  get size(): number {
    return this.entries.size;
  }

  stats(): EdekCacheStats {
    return { ...this.counters };
  }

  /** The DEK of one EDEK, from the cache or the KMS. Errors are the KMS's (KMS_UNKNOWN_KEY,
   * KMS_INTEGRITY, KMS_EDEK_INVALID, KMS_UNAVAILABLE, ...). */
  resolve(edek: Buffer): Promise<DekRef> {
    if (this.closed) return Promise.reject(new KsealError("KEYS_CLOSED"));
    const id = edek.toString("latin1");
    const hit = this.lookup(id);
    if (hit) {
      this.counters.hits++;
      return Promise.resolve(new Ref(hit));
    }
    this.counters.misses++;
    return new Promise<DekRef>((resolve, reject) => {
      const waiting = this.inflight.get(id);
      if (waiting) {
        waiting.push({ resolve, reject });
        return;
      }
      const waiters: Waiter[] = [{ resolve, reject }];
      this.inflight.set(id, waiters);
      this.counters.kmsCalls++;
      const copy = Buffer.from(edek);
      callKms("KMS decryptEdek", this.kmsTimeoutMs, () => this.kms.decryptEdek(copy), (late) => late.fill(0)).then(
        (dek) => {
          this.inflight.delete(id);
          const entry = this.store(id, copy, dek);
          // References are taken here, synchronously, so that no eviction can wipe the DEK
          // before the waiters run.
          for (const w of waiters) w.resolve(new Ref(entry));
          if (this.closed) this.drop(id, entry);
        },
        (e: unknown) => {
          this.inflight.delete(id);
          for (const w of waiters) w.reject(e);
        },
      );
    });
  }

  /** The DEK of one EDEK if the cache holds it; never calls the KMS (key hints). */
  cached(edek: Buffer): DekRef | undefined {
    if (this.closed) return undefined;
    const hit = this.lookup(edek.toString("latin1"));
    return hit ? new Ref(hit) : undefined;
  }

  /**
   * The DEKs of several EDEKs (one batch's), fetched in parallel; refs in the order of `edeks`.
   * All or nothing: on a failure the refs already obtained are released and the first error in
   * `edeks` order is thrown.
   */
  async resolveMany(edeks: readonly Buffer[]): Promise<DekRef[]> {
    const settled = await Promise.allSettled(edeks.map((e) => this.resolve(e)));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (!failed) return settled.map((s) => (s as PromiseFulfilledResult<DekRef>).value);
    for (const s of settled) if (s.status === "fulfilled") s.value.release();
    throw failed.reason;
  }

  /** Caches a DEK known from elsewhere (one just generated for encryption); copies it. */
  insert(edek: Buffer, dek: Buffer): void {
    if (this.closed) return;
    const id = edek.toString("latin1");
    if (this.lookup(id)) return;
    this.store(id, Buffer.from(edek), Buffer.from(dek));
  }

  /** Drops expired entries (lookups also drop the ones they meet). */
  sweep(): void {
    const now = this.clock.now();
    for (const [id, e] of this.entries) {
      if (now >= e.expiresAt) this.drop(id, e);
    }
  }

  /** Drops every entry; DEKs still referenced are wiped on their release. */
  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const [id, e] of this.entries) this.drop(id, e);
  }

  private lookup(id: string): Entry | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    if (this.clock.now() >= e.expiresAt) {
      this.drop(id, e);
      return undefined;
    }
    this.entries.delete(id);
    this.entries.set(id, e);
    return e;
  }

  private store(id: string, edek: Buffer, dek: Buffer): Entry {
    const old = this.entries.get(id);
    if (old) this.drop(id, old);
    const entry: Entry = { key: new SharedKey(dek), edek, expiresAt: this.clock.now() + this.ttlMs };
    this.entries.set(id, entry);
    while (this.entries.size > this.maxEntries) {
      const [oldestId, oldest] = this.entries.entries().next().value as [string, Entry];
      this.drop(oldestId, oldest);
      this.counters.evictions++;
    }
    return entry;
  }

  private drop(id: string, e: Entry): void {
    this.entries.delete(id);
    e.key.retire();
  }
}
