/**
 * Runs the filter module named in the config and swaps it without dropping a connection: when
 * the file changes, on SIGHUP and on an admin request (reload()). A candidate must pass
 * checkCandidate first; a rejected one is logged with its reason and the running module keeps
 * serving (no partial swap). Swaps are serialized. Calls already inside a worker finish on the
 * old module; every later call runs on the new one (WorkerPool.setModule).
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { unwatchFile, watchFile, type Stats } from "node:fs";
import type { Logger } from "pino";
import { KsealError } from "../errors.js";
import { LIMITS } from "../limits.js";
import { log as rootLog } from "../log.js";
import { checkCandidate, sha256Hex, type AcceptedModule, type LiveKey } from "./module-candidate.js";
import type { PolicyInfo } from "./policy-info.js";
import { WorkerPool, type PoolOptions, type PoolStats } from "./worker-pool.js";
import { HotSwapFilter } from "./hot-swap-filter.js";
import { KsealFilter } from "../wasm/filter.js";

export interface ModuleManagerOptions {
  /** The module file named in the config. */
  path: string;
  /** Allowed sha256 digests of modules (hex); empty = any module that passes the checks. */
  pins?: readonly string[];
  /** A live DEK/EDEK for the candidate's round trip (default: a fresh random key). */
  liveKey?: () => Promise<LiveKey> | LiveKey;
  pool?: PoolOptions;
  /** Swap when the file changes (polling, so an atomic rename is seen too). Default true. */
  watch?: boolean;
  /** Swap on SIGHUP. Default false (a process has one SIGHUP; the CLI turns it on). */
  sighup?: boolean;
  /** Also keep a main-thread instance behind a stable handle (`filter`) for the encryption
   * filter, which calls the binding synchronously; swapped atomically with the pool. */
  inline?: boolean;
  logger?: Logger;
}

export type SwapTrigger = "file" | "sighup" | "admin" | "api";

export interface SwapResult {
  swapped: boolean;
  /** Why a candidate was rejected, or why nothing changed. */
  reason?: string;
  durationMs: number;
  /** Of durationMs: the candidate checks (worker start, self-test, round trips). */
  checkMs?: number;
  /** Of durationMs: instantiating on the main thread and switching every later call over. */
  switchMs?: number;
  module: ModuleMetrics["module"];
}

/** What the metrics endpoint and GET /module show. */
export interface ModuleMetrics {
  module: { path: string; name: string; version: number; buildHash: string; sha256: string; flags: number; loadedAt: string };
  swaps: number;
  failedSwaps: number;
  refusedPlaintextRecords: number;
  lastSwapMs: number | undefined;
  lastFailure: { at: string; trigger: SwapTrigger; reason: string } | undefined;
  pool: PoolStats;
}

/** Without a live key source: a fresh random DEK and EDEK-shaped bytes per check. */
function randomLiveKey(): LiveKey {
  return { dek: randomBytes(32), edek: randomBytes(64) };
}

export class ModuleManager {
  private current!: AcceptedModule;
  private hot: HotSwapFilter | undefined;
  private loadedAt = new Date();
  private swaps = 0;
  private failedSwaps = 0;
  private lastSwapMs: number | undefined;
  private lastFailure: ModuleMetrics["lastFailure"];
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly log: Logger;
  private readonly onSighup = () => { void this.reload("sighup"); };
  private readonly onFileChange = (cur: Stats, prev: Stats) => {
    if (cur.mtimeMs === prev.mtimeMs && cur.size === prev.size && cur.ino === prev.ino) return;
    if (cur.nlink === 0) return; // removed: keep serving, wait for the next file
    void this.reload("file");
  };

  private constructor(readonly pool: WorkerPool, private readonly o: ModuleManagerOptions) {
    this.log = (o.logger ?? rootLog).child({ component: "module-manager" });
  }

  /** Loads and checks the configured module, then starts the pool on it. */
  static async start(o: ModuleManagerOptions): Promise<ModuleManager> {
    const bytes = await readFile(o.path);
    const accepted = await checkCandidate(bytes, { pins: o.pins, liveKey: o.liveKey ?? randomLiveKey, callTimeoutMs: o.pool?.callTimeoutMs });
    const pool = await WorkerPool.start(accepted.bytes, o.pool);
    const m = new ModuleManager(pool, o);
    m.current = accepted;
    // the candidate's code already ran (and passed) in a worker before it runs on this thread
    if (o.inline) m.hot = new HotSwapFilter(await KsealFilter.fromBytes(accepted.bytes), accepted.policy);
    m.log.info({ module: m.describe() }, "filter module loaded");
    if (o.watch !== false) watchFile(o.path, { interval: LIMITS.moduleWatchIntervalMs, persistent: false }, m.onFileChange);
    if (o.sighup) process.on("SIGHUP", m.onSighup);
    return m;
  }

  get policy(): PolicyInfo {
    return this.current.policy;
  }

  /** The main-thread filter handle (inline mode): stable across swaps. */
  get filter(): KsealFilter {
    if (!this.hot) throw new KsealError("CONFIG_INVALID", "module manager started without inline: true");
    return this.hot.handle;
  }

  /** Plaintext records the strict policy refused on fetch (main-thread instance and workers). */
  get refusedPlaintextRecords(): number {
    return (this.hot?.refusedPlaintextRecords ?? 0) + this.pool.refusedPlaintextRecords;
  }

  /** Re-reads the configured file (or `path`) and swaps to it if it passes. Never throws. */
  reload(trigger: SwapTrigger, path = this.o.path): Promise<SwapResult> {
    const next = this.chain.then(() => this.swap(trigger, path));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async swap(trigger: SwapTrigger, path: string): Promise<SwapResult> {
    const started = performance.now();
    const done = (swapped: boolean, reason?: string): SwapResult =>
      ({ swapped, reason, durationMs: performance.now() - started, module: this.describe() });
    if (this.closed) return done(false, "closed");
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (e) {
      return this.failed(trigger, `cannot read ${path}: ${(e as Error).message}`, done);
    }
    if (sha256Hex(bytes) === this.current.sha256 && trigger === "file") return done(false, "unchanged");
    let accepted: AcceptedModule;
    try {
      accepted = await checkCandidate(bytes, {
        pins: this.o.pins, liveKey: this.o.liveKey ?? randomLiveKey, running: this.pool, callTimeoutMs: this.o.pool?.callTimeoutMs,
      });
    } catch (e) {
      return this.failed(trigger, e instanceof KsealError ? e.message : String(e), done);
    }
    if (this.closed) return done(false, "closed");
    const checked = performance.now();
    if (this.hot) {
      let inline: KsealFilter;
      try {
        inline = await KsealFilter.fromBytes(accepted.bytes);
      } catch (e) {
        return this.failed(trigger, `main-thread instance: ${(e as Error).message}`, done);
      }
      this.hot.swap(inline, accepted.policy);
    }
    await this.pool.setModule(accepted.bytes);
    const from = this.describe();
    this.current = accepted;
    this.loadedAt = new Date();
    this.swaps++;
    const r = { ...done(true), checkMs: checked - started, switchMs: performance.now() - checked };
    this.lastSwapMs = r.durationMs;
    this.log.info({ trigger, from: { name: from.name, sha256: from.sha256 }, to: r.module, ms: Math.round(r.durationMs) }, "filter module swapped");
    return r;
  }

  private failed(trigger: SwapTrigger, reason: string, done: (s: boolean, r?: string) => SwapResult): SwapResult {
    this.failedSwaps++;
    this.lastFailure = { at: new Date().toISOString(), trigger, reason };
    this.log.warn({ trigger, reason, running: this.describe().sha256 }, "filter module candidate rejected; the running module keeps serving");
    return done(false, reason);
  }

  describe(): ModuleMetrics["module"] {
    const c = this.current;
    return {
      path: this.o.path, name: c.policy.name, version: c.policy.version, buildHash: c.policy.buildHash,
      sha256: c.sha256, flags: c.policy.flags, loadedAt: this.loadedAt.toISOString(),
    };
  }

  /** Counters for the metrics endpoint. */
  metrics(): ModuleMetrics {
    return {
      module: this.describe(), swaps: this.swaps, failedSwaps: this.failedSwaps, refusedPlaintextRecords: this.refusedPlaintextRecords,
      lastSwapMs: this.lastSwapMs, lastFailure: this.lastFailure, pool: this.pool.getStats(),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    unwatchFile(this.o.path, this.onFileChange);
    process.off("SIGHUP", this.onSighup);
    await this.chain;
    await this.pool.close();
  }
}
