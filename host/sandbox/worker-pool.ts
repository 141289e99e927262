/**
 * The sandbox: a pool of worker threads (one per core by default), each with its own instance
 * of the filter module, behind an async API that mirrors the binding's encrypt/decrypt calls.
 *
 * - One call runs on a worker at a time; queued calls go to the next idle worker.
 * - Watchdog: a call running past the time limit gets its worker terminated and replaced; the
 *   call fails closed with the retriable WASM_TIMEOUT. A worker that dies fails its call with
 *   WASM_WORKER_LOST and is replaced. Other calls are untouched.
 * - A trap inside the module fails only that call (WASM_TRAP); the binding replaces the instance.
 * - Hot swap: setModule() hands the new module to every worker. A worker busy with a call
 *   finishes it on the old module; the load message queues behind it, so each worker's next call
 *   runs on the new one. Calls dispatched after setModule() returns never see the old module.
 */
import { availableParallelism } from "node:os";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { KsealError, type ErrorCode, ERRORS } from "../errors.js";
import { LIMITS } from "../limits.js";
import type { RecordFailure } from "../wasm/filter.js";
import type { PolicyInfo } from "./policy-info.js";
import { forPost } from "./transfer.js";
import type { FetchPartOutcome } from "../filters/encryption-filter.js";
import type { CallRequest, FetchReply, FromWorker, KeyMaterial, ToWorker, WireError } from "./worker-protocol.js";

export type { KeyMaterial } from "./worker-protocol.js";

export interface PoolOptions {
  /** Workers to run; default the machine's available parallelism. */
  size?: number;
  /** Watchdog limit per call, ms. */
  callTimeoutMs?: number;
  maxQueued?: number;
  /** Limit for the workers' start-up (thread start, module load and self-test), ms. */
  startTimeoutMs?: number;
}

export interface PoolStats {
  size: number;
  busy: number;
  queued: number;
  calls: number;
  timeouts: number;
  workersLost: number;
  workersReplaced: number;
  moduleVersion: number;
}

interface Pending {
  id: number;
  call: CallRequest;
  /** Buffers made for this call only, moved to the worker with it. */
  transfer: ArrayBuffer[];
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

interface Slot {
  worker: Worker;
  /** Module version this worker was last told to load. */
  version: number;
  current?: Pending;
  timer?: NodeJS.Timeout;
  /** A fresh thread still starting up: no call (and no watchdog clock) until its module loads. */
  starting: boolean;
  /** Replaced: its exit is expected and no call goes to it. */
  retired?: boolean;
  ready: Promise<void>;
}

/** Newest modification time of the .ts files the worker is built from (source tree only). */
function newestSource(): number {
  let newest = 0;
  for (const dir of ["./", "../wasm/", "../filters/", "../compression/"]) {
    const d = fileURLToPath(new URL(dir, import.meta.url));
    for (const f of readdirSync(d)) if (f.endsWith(".ts")) newest = Math.max(newest, statSync(join(d, f)).mtimeMs);
  }
  return newest;
}

/** The worker's entry: a module URL, or (source tree without a fresh build) code to eval. */
type WorkerEntry = { url: URL } | { code: string };

let resolvedWorker: WorkerEntry | undefined;
function workerEntry(): WorkerEntry {
  if (resolvedWorker) return resolvedWorker;
  // Compiled, the worker is the .js next to this file. From the source tree (tests, tsx) every
  // worker would compile the TypeScript again at start-up, seconds on a busy machine: the build
  // of it (npm run build) is used instead while it is newer than the sources.
  const js = new URL("./worker-main.js", import.meta.url);
  if (existsSync(fileURLToPath(js))) return (resolvedWorker = { url: js });
  const built = new URL("../../build/host/sandbox/worker-main.js", import.meta.url);
  const builtPath = fileURLToPath(built);
  if (existsSync(builtPath) && statSync(builtPath).mtimeMs >= newestSource()) return (resolvedWorker = { url: built });
  // A worker thread does not inherit the parent's --import loaders: register tsx in it first.
  const ts = new URL("./worker-main.ts", import.meta.url).href;
  return (resolvedWorker = { code: `import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(ts)}); })` });
}

function toError(e: { code: string; message: string }): KsealError {
  const code = (e.code in ERRORS ? e.code : "WASM_TRAP") as ErrorCode;
  const err = new KsealError(code);
  // keep the worker's message (it already starts with the catalog summary)
  err.message = e.message;
  return err;
}

function keyForPost(k: KeyMaterial, t: ArrayBuffer[]): KeyMaterial {
  return { ...k, dek: forPost(k.dek, t), edek: forPost(k.edek, t), ivSeed: k.ivSeed && forPost(k.ivSeed, t) };
}

function toWire(e: unknown): WireError {
  if (e instanceof KsealError) return { code: e.code, message: e.message };
  return { code: "KMS_UNAVAILABLE", message: e instanceof Error ? e.message : String(e) };
}

const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

export class WorkerPool {
  readonly size: number;
  private readonly timeoutMs: number;
  private readonly maxQueued: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private moduleBytes: Uint8Array;
  private version = 1;
  private nextId = 1;
  private closed = false;
  /** Workers in a row that died or were replaced before their module loaded. */
  private startFailures = 0;
  private readonly stats = { calls: 0, timeouts: 0, workersLost: 0, workersReplaced: 0 };
  /** Fetched records a strict policy refused for lacking the encryption header. */
  refusedPlaintextRecords = 0;

  private constructor(bytes: Uint8Array, o: PoolOptions) {
    this.size = Math.max(1, o.size ?? availableParallelism());
    this.timeoutMs = o.callTimeoutMs ?? LIMITS.sandboxCallTimeoutMs;
    this.maxQueued = o.maxQueued ?? LIMITS.sandboxMaxQueued;
    this.moduleBytes = bytes;
  }

  /** Starts the workers and waits until each has loaded and self-tested the module. */
  static async start(moduleBytes: Uint8Array, o: PoolOptions = {}): Promise<WorkerPool> {
    const pool = new WorkerPool(moduleBytes, o);
    for (let i = 0; i < pool.size; i++) pool.slots.push(pool.spawn());
    let timer: NodeJS.Timeout | undefined;
    // a module whose start-up (instantiation, self-test) never ends must not hang the caller
    const limit = (o.startTimeoutMs ?? LIMITS.sandboxStartTimeoutMs);
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KsealError("WASM_TIMEOUT", `module start-up ran past ${limit} ms`)), limit);
    });
    try {
      await Promise.race([Promise.all(pool.slots.map((s) => s.ready)), deadline]);
      clearTimeout(timer);
    } catch (e) {
      clearTimeout(timer);
      await pool.close();
      throw e;
    }
    return pool;
  }

  // --- the binding's calls, async ---

  /** Encrypts each records field with one DEK lease (one key load for all of them). An entry is
   * the input itself when nothing in it needed encrypting. */
  async encryptRecords(records: Buffer[], key: KeyMaterial): Promise<Buffer[]> {
    const t: ArrayBuffer[] = [];
    const out = (await this.submit({ op: "encrypt", records: records.map((r) => forPost(r, t)), key: keyForPost(key, t) }, t)) as (Uint8Array | null)[];
    return out.map((b, i) => (b === null ? records[i]! : asBuffer(b)));
  }

  /**
   * Produce: encrypts each partition's records field (compressed batches are decompressed and
   * recompressed with their codec in the worker) with one DEK lease. Per field: the new records,
   * the input itself when unchanged, or the KsealError that failed that field alone. A failure of
   * the whole call (timeout, lost worker, key load) rejects.
   */
  async encryptProduce(records: Buffer[], key: KeyMaterial): Promise<(Buffer | KsealError)[]> {
    const t: ArrayBuffer[] = [];
    const out = (await this.submit({ op: "encryptProduce", records: records.map((r) => forPost(r, t)), key: keyForPost(key, t) }, t)) as (Uint8Array | null | { code: string; message: string })[];
    return out.map((r, i) => (r === null ? records[i]! : r instanceof Uint8Array ? asBuffer(r) : toError(r)));
  }

  async listRecordsEdeks(records: Buffer): Promise<Buffer[]> {
    const out = (await this.submit({ op: "listEdeks", records })) as Uint8Array[];
    return out.map(asBuffer);
  }

  /** Decrypts a records field with the given keys (loaded into the worker for this call only). */
  async decryptRecords(records: Buffer, keys: { dek: Buffer; edek: Buffer }[]): Promise<{
    records: Buffer | null;
    failures: (RecordFailure & { batch: number })[];
  }> {
    const t: ArrayBuffer[] = [];
    const r = (await this.submit({ op: "decrypt", records: forPost(records, t), keys: keys.map((k) => keyForPost({ ...k, budget: 0 }, t)) }, t)) as {
      records: Uint8Array | null; unchanged: boolean; failures: (RecordFailure & { batch: number })[];
    };
    return { records: r.unchanged ? records : r.records ? asBuffer(r.records) : null, failures: r.failures };
  }

  /**
   * Fetch: decrypts each partition's records field with the given DEKs (loaded for this call
   * only, wiped when it ends). A field whose next batch needs an EDEK not among `keys` comes
   * back with `missing` set and no records: resolve those and call again. `unresolved` lists
   * EDEKs the KMS failed on, so the batches needing them fail with that cause.
   */
  async decryptFetch(parts: Buffer[], keys: { edek: Buffer; dek: Buffer }[], unresolved: { edek: Buffer; error: unknown }[]): Promise<FetchPartOutcome[]> {
    const t: ArrayBuffer[] = [];
    const r = (await this.submit({
      op: "decryptFetch",
      parts: parts.map((p) => forPost(p, t)),
      keys: keys.map((k) => ({ edek: forPost(k.edek, t), dek: forPost(k.dek, t) })),
      unresolved: unresolved.map((u) => ({ edek: forPost(u.edek, t), error: toWire(u.error) })),
    }, t)) as FetchReply;
    this.refusedPlaintextRecords += r.refused;
    return r.parts.map((p) => ({
      records: p.records ? asBuffer(p.records) : undefined,
      error: p.error,
      problem: p.problem,
      missing: p.missing.map(asBuffer),
      seen: p.seen.map(asBuffer),
    }));
  }

  async crc32c(data: Buffer): Promise<number> {
    return (await this.submit({ op: "crc32c", data })) as number;
  }

  /** Live allocator bytes of the worker that runs this call (leak checks). */
  async liveBytes(): Promise<number> {
    return (await this.submit({ op: "liveBytes" })) as number;
  }

  /** Sums the audit counters over every worker (empty for policies that do not count). */
  async counters(): Promise<Record<string, bigint>> {
    const sum: Record<string, bigint> = {};
    for (let i = 0; i < this.size; i++) {
      const c = (await this.submit({ op: "counters" })) as Record<string, string>;
      for (const [k, v] of Object.entries(c)) sum[k] = (sum[k] ?? 0n) + BigInt(v);
    }
    return sum;
  }

  /** The running module's policy (asked inside a worker: module code never runs on the main thread). */
  async policyInfo(): Promise<PolicyInfo> {
    return (await this.submit({ op: "policyInfo" })) as PolicyInfo;
  }

  /** Test hook: a call that blocks its worker for `ms` (a module stuck in a loop). */
  spin(ms: number): Promise<unknown> {
    return this.submit({ op: "spin", ms });
  }

  // --- hot swap ---

  /**
   * Makes `bytes` (already validated by the caller) the module of every later call. Resolves
   * when every worker has loaded it; a worker that fails to is replaced with a fresh one.
   */
  async setModule(bytes: Uint8Array): Promise<void> {
    this.moduleBytes = bytes;
    const version = ++this.version;
    const loads = this.slots.map((s) => {
      s.version = version;
      s.ready = this.load(s, version, bytes);
      s.worker.postMessage({ type: "load", version, bytes } satisfies ToWorker);
      return s.ready.catch(() => this.replace(s, "load failed"));
    });
    await Promise.all(loads);
  }

  get moduleVersion(): number {
    return this.version;
  }

  getStats(): PoolStats {
    return {
      size: this.size,
      busy: this.slots.filter((s) => s.current).length,
      queued: this.queue.length,
      ...this.stats,
      moduleVersion: this.version,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new KsealError("WASM_SANDBOX_CLOSED"));
    await Promise.all(this.slots.map(async (s) => {
      if (s.timer) clearTimeout(s.timer);
      s.current?.reject(new KsealError("WASM_SANDBOX_CLOSED"));
      s.current = undefined;
      await s.worker.terminate();
    }));
  }

  // --- plumbing ---

  private submit(call: CallRequest, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.closed) return Promise.reject(new KsealError("WASM_SANDBOX_CLOSED"));
    if (this.queue.length >= this.maxQueued) return Promise.reject(new KsealError("WASM_SANDBOX_BUSY", `${this.maxQueued} calls queued`));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, call, transfer, resolve, reject });
      this.stats.calls++;
      this.pump();
    });
  }

  private pump(): void {
    for (const s of this.slots) {
      if (this.queue.length === 0) return;
      if (s.current || s.starting) continue;
      const p = this.queue.shift()!;
      s.current = p;
      s.timer = setTimeout(() => this.timeout(s), this.timeoutMs);
      s.worker.postMessage({ type: "call", id: p.id, call: p.call } satisfies ToWorker, p.transfer);
    }
  }

  private spawn(): Slot {
    const entry = workerEntry();
    const options = { resourceLimits: { maxOldGenerationSizeMb: 256 } };
    const worker = "url" in entry ? new Worker(entry.url, options) : new Worker(entry.code, { ...options, eval: true });
    worker.unref();
    const slot: Slot = { worker, version: this.version, ready: Promise.resolve(), starting: true };
    slot.ready = this.load(slot, this.version, this.moduleBytes);
    slot.ready.catch(() => { /* reported by start() or setModule() */ });
    worker.on("message", (m: FromWorker) => this.onMessage(slot, m));
    worker.on("error", () => { /* the exit handler replaces the worker */ });
    worker.on("exit", () => this.onExit(slot));
    worker.postMessage({ type: "load", version: this.version, bytes: this.moduleBytes } satisfies ToWorker);
    return slot;
  }

  private readonly loadWaiters = new Map<Slot, Map<number, { resolve(): void; reject(e: unknown): void }>>();

  private load(slot: Slot, version: number, _bytes: Uint8Array): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let m = this.loadWaiters.get(slot);
      if (!m) this.loadWaiters.set(slot, (m = new Map()));
      m.set(version, { resolve, reject });
    });
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    if (m.type === "loaded") {
      if (slot.starting && !m.error) {
        slot.starting = false;
        this.startFailures = 0;
        setImmediate(() => this.pump());
      }
      const w = this.loadWaiters.get(slot)?.get(m.version);
      this.loadWaiters.get(slot)?.delete(m.version);
      if (m.error) w?.reject(toError(m.error));
      else w?.resolve();
      // A fresh worker that cannot load the module (already accepted by every check) is broken.
      if (m.error && slot.starting) this.replace(slot, "start-up load failed");
      return;
    }
    const p = slot.current;
    if (!p || p.id !== m.id) return;
    if (slot.timer) clearTimeout(slot.timer);
    slot.current = undefined;
    slot.timer = undefined;
    if (m.ok) p.resolve(m.value);
    else p.reject(toError(m.error));
    this.pump();
  }

  private timeout(slot: Slot): void {
    const p = slot.current;
    if (!p) return;
    this.stats.timeouts++;
    slot.current = undefined;
    p.reject(new KsealError("WASM_TIMEOUT", `call ${p.call.op} ran past ${this.timeoutMs} ms`));
    this.replace(slot, "watchdog");
  }

  private onExit(slot: Slot): void {
    if (this.closed || slot.retired || !this.slots.includes(slot)) return;
    this.stats.workersLost++;
    const p = slot.current;
    slot.current = undefined;
    if (slot.timer) clearTimeout(slot.timer);
    p?.reject(new KsealError("WASM_WORKER_LOST", `during ${p.call.op}`));
    this.replace(slot, "exit");
  }

  /**
   * Terminates the slot's worker and puts a fresh one, with the current module, in its place.
   * Workers that keep dying before their module loads (a broken install) are respawned with a
   * growing delay instead of in a tight loop; calls wait in the queue meanwhile.
   */
  private replace(slot: Slot, _why: string): void {
    const i = this.slots.indexOf(slot);
    if (i < 0 || this.closed || slot.retired) return;
    if (slot.starting) this.startFailures++;
    slot.retired = true;
    slot.starting = true; // no call goes to it while it waits to be replaced
    if (slot.timer) clearTimeout(slot.timer);
    for (const w of this.loadWaiters.get(slot)?.values() ?? []) w.reject(new KsealError("WASM_WORKER_LOST", "replaced"));
    this.loadWaiters.delete(slot);
    void slot.worker.terminate();
    this.stats.workersReplaced++;
    const respawn = () => {
      if (this.closed || this.slots[i] !== slot) return;
      this.slots[i] = this.spawn();
      // a fresh worker's load is queued ahead of any call sent to it
      this.pump();
    };
    if (this.startFailures === 0) respawn();
    else setTimeout(respawn, Math.min(LIMITS.sandboxRespawnMaxDelayMs, 100 * 2 ** (this.startFailures - 1))).unref();
  }
}
