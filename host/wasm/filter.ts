/**
 * Host binding of the kseal WASM filter (ABI v1, docs/wasm-abi.md). Loads and checks a module
 * (imports only env.abort, ABI marker, exports, self-test), then encrypts and decrypts whole
 * record batches: each batch is copied into module memory once and the result copied out once.
 * Every pointer and length the module hands back is bounds-checked against its memory. A trap
 * fails the call closed (WASM_TRAP) and replaces the instance; its key slots are then empty and
 * `generation` increments so key owners know to reload.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { KsealError } from "../errors.js";
import { LIMITS } from "../limits.js";
import {
  ABI_MARKER, ABI_VERSION, BATCH_HEADER_BYTES, DEK_BYTES, IV_SEED_BYTES, MAX_EDEK_BYTES, REQUIRED_FUNCTIONS,
  REQUIRED_GLOBALS, STATUS, recordStatusName, type FilterExports, type RecordFailureReason,
} from "./abi.js";
import { statusError } from "./status-errors.js";
import { splitRecordBatches } from "./records-blob.js";
import { declaredMemoryLimits } from "./memory-limits.js";


/** build/kseal-standard.wasm, found from the source tree (tsx) or from build/host (compiled). */
export function defaultWasmPath(): string {
  const candidates = ["../../build/kseal-standard.wasm", "../../kseal-standard.wasm"]
    .map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

export interface RecordFailure {
  /** Index of the record within its batch. */
  index: number;
  reason: RecordFailureReason;
}

export interface DecryptResult {
  /** The decrypted batch, or null when records failed (the batch fails closed). */
  batch: Buffer | null;
  failures: RecordFailure[];
}

export interface SlotInfo {
  loaded: boolean;
  /** Records the slot may still encrypt. */
  remaining: number;
  /** Records encrypted since the key was loaded. */
  encrypted: number;
}

export interface LoadKeyOptions {
  /** Records this DEK may encrypt in this slot; 0 = decrypt only. */
  budget: number;
  /** Start of the 96-bit IV counter; default 12 bytes from the CSPRNG. Tests only. */
  ivSeed?: Buffer;
}

export class KsealFilter {
  private exports!: FilterExports;
  private io = 0;
  /** EDEK of each loaded slot (public data: lets decryptBatch check the host's mapping). */
  private readonly slotEdeks = new Map<number, Buffer>();
  /** Increments each time the instance is replaced after a trap. */
  generation = 0;
  slotCount = 0;

  private constructor(private readonly module: WebAssembly.Module) {}

  static async load(path: string = defaultWasmPath()): Promise<KsealFilter> {
    return KsealFilter.fromBytes(await readFile(path));
  }

  static async fromBytes(bytes: Buffer): Promise<KsealFilter> {
    let module: WebAssembly.Module;
    try {
      module = await WebAssembly.compile(bytes);
    } catch (cause) {
      throw new KsealError("WASM_ABI_MISMATCH", "not a WebAssembly module", { cause });
    }
    let limits: ReturnType<typeof declaredMemoryLimits>;
    try {
      limits = declaredMemoryLimits(bytes);
    } catch (cause) {
      throw new KsealError("WASM_ABI_MISMATCH", "unreadable memory section", { cause });
    }
    const maxPages = LIMITS.wasmMaxMemoryPages;
    if (!limits || limits.maxPages === undefined || limits.maxPages > maxPages) {
      throw new KsealError("WASM_ABI_MISMATCH", `module memory must declare a maximum of at most ${maxPages} pages`);
    }
    const filter = new KsealFilter(module);
    filter.instantiate();
    return filter;
  }

  private instantiate(): void {
    const imports = WebAssembly.Module.imports(this.module);
    const bad = imports.find((i) => !(i.module === "env" && i.name === "abort" && i.kind === "function"));
    if (bad) throw new KsealError("WASM_ABI_MISMATCH", `module imports ${bad.module}.${bad.name}`);
    const instance = new WebAssembly.Instance(this.module, {
      env: { abort: () => { throw new WebAssembly.RuntimeError("filter module aborted"); } },
    });
    const ex = instance.exports as Record<string, unknown>;
    if (!(ex.memory instanceof WebAssembly.Memory)) throw new KsealError("WASM_ABI_MISMATCH", "no exported memory");
    for (const g of REQUIRED_GLOBALS) {
      if (!(ex[g] instanceof WebAssembly.Global)) throw new KsealError("WASM_ABI_MISMATCH", `missing global ${g}`);
    }
    for (const f of REQUIRED_FUNCTIONS) {
      if (typeof ex[f] !== "function") throw new KsealError("WASM_ABI_MISMATCH", `missing function ${f}`);
    }
    const exports = ex as unknown as FilterExports;
    if (exports[ABI_MARKER].value !== ABI_VERSION) {
      throw new KsealError("WASM_ABI_MISMATCH", `${ABI_MARKER} is ${String(exports[ABI_MARKER].value)}`);
    }
    this.exports = exports;
    this.slotEdeks.clear();
    this.io = Number(exports.kseal_io.value);
    this.checkRegion(this.io, 64);
    this.slotCount = Number(exports.kseal_slot_count.value);
    if (!Number.isInteger(this.slotCount) || this.slotCount < 1 || this.slotCount > 4096) {
      throw new KsealError("WASM_ABI_MISMATCH", "implausible kseal_slot_count");
    }
    this.selfTest();
  }

  /** Runs the module's known-answer tests; throws WASM_SELF_TEST_FAILED. */
  selfTest(): void {
    const st = this.call(() => this.exports.self_test(this.io));
    if (st !== STATUS.OK) {
      throw new KsealError("WASM_SELF_TEST_FAILED", `test ${this.u32(this.io)} failed (status ${st})`);
    }
  }

  /**
   * Loads a DEK with its EDEK into an empty slot. The module copies the key into its context and
   * zeroes the copy it was handed; the host should wipe its own `dek` buffer when done with it.
   */
  loadKey(slot: number, dek: Buffer, edek: Buffer, options: LoadKeyOptions): void {
    if (dek.length !== DEK_BYTES) throw new KsealError("WASM_BAD_ARGUMENT", "DEK must be 32 bytes");
    if (edek.length > MAX_EDEK_BYTES) throw new KsealError("WASM_EDEK_INVALID", `EDEK of ${edek.length} bytes`);
    const ivSeed = options.ivSeed ?? randomBytes(IV_SEED_BYTES);
    if (ivSeed.length !== IV_SEED_BYTES) throw new KsealError("WASM_BAD_ARGUMENT", "IV seed must be 12 bytes");
    if (!Number.isInteger(options.budget) || options.budget < 0 || options.budget > 0xffffffff) {
      throw new KsealError("WASM_BAD_ARGUMENT", "budget must be a u32");
    }
    const gen = this.generation;
    const block = this.alloc(DEK_BYTES + IV_SEED_BYTES + edek.length);
    try {
      const mem = this.bytes();
      mem.set(dek, block);
      mem.set(ivSeed, block + DEK_BYTES);
      mem.set(edek, block + DEK_BYTES + IV_SEED_BYTES);
      const st = this.call(() => this.exports.slot_load(
        slot, block, block + DEK_BYTES + IV_SEED_BYTES, edek.length, block + DEK_BYTES, options.budget >>> 0 | 0));
      if (st !== STATUS.OK) throw statusError("slot_load", st);
      this.slotEdeks.set(slot, Buffer.from(edek));
    } finally {
      this.free(block, true, gen);
    }
  }

  /** Wipes the slot's key context, EDEK and IV counter. */
  releaseKey(slot: number): void {
    const st = this.call(() => this.exports.slot_release(slot));
    if (st !== STATUS.OK) throw statusError("slot_release", st);
    this.slotEdeks.delete(slot);
  }

  slotInfo(slot: number): SlotInfo {
    const st = this.call(() => this.exports.slot_info(slot, this.io));
    if (st !== STATUS.OK) throw statusError("slot_info", st);
    return { loaded: this.u32(this.io) === 1, remaining: this.u32(this.io + 4), encrypted: this.u32(this.io + 8) };
  }

  /**
   * Encrypts every record value of one uncompressed batch under the DEK in `slot`. Returns the
   * input Buffer itself when nothing needed encrypting (control/empty batch, only tombstones or
   * records already encrypted).
   */
  encryptBatch(batch: Buffer, slot: number): Buffer {
    this.checkInputSize(batch);
    const gen = this.generation;
    const input = this.copyIn(batch);
    try {
      const st = this.call(() => this.exports.encrypt_batch(slot, input, batch.length, this.io));
      if (st !== STATUS.OK) throw statusError("encrypt_batch", st);
      if (this.u32(this.io + 8) === 0) return batch;
      return this.takeOutput(this.u32(this.io), this.i32(this.io + 4), false);
    } finally {
      this.free(input, true, gen);
    }
  }

  /** The distinct EDEKs the batch's encrypted records need, in order of first appearance. */
  listEdeks(batch: Buffer): Buffer[] {
    this.checkInputSize(batch);
    const gen = this.generation;
    const input = this.copyIn(batch);
    try {
      const st = this.call(() => this.exports.list_edeks(input, batch.length, this.io));
      if (st !== STATUS.OK) throw statusError("list_edeks", st);
      const table = this.u32(this.io);
      const count = this.u32(this.io + 4);
      if (count === 0) { this.free(table, false); return []; }
      this.checkBound(count <= this.slotCount, "EDEK count");
      this.checkRegion(table, count * 8);
      const edeks: Buffer[] = [];
      for (let i = 0; i < count; i++) {
        const off = this.u32(table + i * 8);
        const len = this.u32(table + i * 8 + 4);
        this.checkBound(off + len <= batch.length && len <= MAX_EDEK_BYTES, "EDEK position");
        edeks.push(Buffer.from(batch.subarray(off, off + len)));
      }
      this.free(table, false);
      return edeks;
    } finally {
      this.free(input, false, gen);
    }
  }

  /**
   * Decrypts one uncompressed batch. `edekToSlot` tells which loaded slot serves which EDEK (as
   * listed by listEdeks); records whose EDEK has no slot fail with KEY_NOT_LOADED. When any
   * record fails, `batch` is null and `failures` says which and why: nothing is released.
   * Returns the input Buffer itself when no record was encrypted.
   */
  decryptBatch(batch: Buffer, edekToSlot: Iterable<[Buffer, number]>): DecryptResult {
    this.checkInputSize(batch);
    const slots: number[] = [];
    for (const [edek, slot] of edekToSlot) {
      const held = this.slotEdeks.get(slot);
      if (!held) throw new KsealError("WASM_KEY_SLOT_EMPTY", `slot ${slot}`);
      if (!held.equals(edek)) throw new KsealError("WASM_EDEK_INVALID", `slot ${slot} holds another EDEK`);
      if (!slots.includes(slot)) slots.push(slot);
    }
    if (slots.length > this.slotCount) throw new KsealError("WASM_BAD_ARGUMENT", "more slots than the module has");
    const gen = this.generation;
    const input = this.copyIn(batch);
    let slotArray = 0;
    try {
      slotArray = this.alloc(slots.length * 4);
      const view = this.view();
      slots.forEach((s, i) => view.setInt32(slotArray + i * 4, s, true));
      const st = this.call(() => this.exports.decrypt_batch(input, batch.length, slotArray, slots.length, this.io));
      const outPtr = this.u32(this.io);
      const outLen = this.i32(this.io + 4);
      const changed = this.u32(this.io + 8);
      const failures = this.readFailures(this.u32(this.io + 12), this.u32(this.io + 16), batch);
      if (st === STATUS.RECORD_FAILURES) return { batch: null, failures };
      if (st !== STATUS.OK) throw statusError("decrypt_batch", st);
      if (changed === 0) return { batch, failures };
      return { batch: this.takeOutput(outPtr, outLen, true), failures };
    } finally {
      this.free(slotArray, false, gen);
      this.free(input, false, gen);
    }
  }

  /**
   * Encrypts every whole batch of a records field (Produce) with the DEK in `slot`. A truncated
   * trailing batch is appended unchanged.
   */
  encryptRecords(records: Buffer, slot: number): Buffer {
    const { batches, trailing } = splitRecordBatches(records);
    const out = batches.map((b) => this.encryptBatch(b, slot));
    if (out.every((b, i) => b === batches[i])) return records;
    return Buffer.concat([...out, trailing]);
  }

  /** The distinct EDEKs of every whole batch of a records field (Fetch), in order of appearance. */
  listRecordsEdeks(records: Buffer): Buffer[] {
    const out: Buffer[] = [];
    for (const batch of splitRecordBatches(records).batches) {
      for (const edek of this.listEdeks(batch)) {
        if (!out.some((e) => e.equals(edek))) out.push(edek);
      }
    }
    return out;
  }

  /**
   * Decrypts every whole batch of a records field (Fetch). A truncated trailing batch is
   * appended untouched. When any record fails, `records` is null and `failures` names each
   * failed record by batch and index.
   */
  decryptRecords(records: Buffer, edekToSlot: Iterable<[Buffer, number]>): {
    records: Buffer | null;
    failures: (RecordFailure & { batch: number })[];
  } {
    const mapping = [...edekToSlot];
    const { batches, trailing } = splitRecordBatches(records);
    const out: Buffer[] = [];
    const failures: (RecordFailure & { batch: number })[] = [];
    batches.forEach((b, i) => {
      const r = this.decryptBatch(b, mapping);
      failures.push(...r.failures.map((f) => ({ batch: i, ...f })));
      if (r.batch) out.push(r.batch);
    });
    if (failures.length > 0) return { records: null, failures };
    if (out.every((b, i) => b === batches[i])) return { records, failures };
    return { records: Buffer.concat([...out, trailing]), failures };
  }

  /** CRC-32C (Castagnoli) of data, as record batches v2 use it. */
  crc32c(data: Buffer): number {
    this.checkInputSize(data);
    const gen = this.generation;
    const input = this.copyIn(data);
    try {
      const st = this.call(() => this.exports.crc32c(input, data.length, this.io));
      if (st !== STATUS.OK) throw statusError("crc32c", st);
      return this.u32(this.io);
    } finally {
      this.free(input, false, gen);
    }
  }

  /** Bytes the module's allocator has handed out and not got back (leak checks). */
  liveBytes(): number {
    const st = this.call(() => this.exports.live_bytes(this.io));
    if (st !== STATUS.OK) throw statusError("live_bytes", st);
    return this.u32(this.io);
  }

  /** The audit policy's decision counters (policy_counters export, docs/policies.md), or
   * undefined for a module without the export. At most 8 counters (they fit kseal_io). */
  policyCounters(count: number): bigint[] | undefined {
    const fn = (this.exports as unknown as Record<string, unknown>).policy_counters;
    if (typeof fn !== "function" || count < 0 || count > 8) return undefined;
    const st = this.call(() => (fn as (out: number, n: number) => number)(this.io, count));
    if (st !== STATUS.OK) throw statusError("policy_counters", st);
    const view = this.view();
    return Array.from({ length: count }, (_, i) => view.getBigUint64(this.io + i * 8, true));
  }

  // --- memory plumbing ---

  private call<T>(fn: () => T): T {
    try {
      return fn();
    } catch (cause) {
      if (cause instanceof KsealError) throw cause;
      this.replace();
      throw new KsealError("WASM_TRAP", cause instanceof Error ? cause.message : "trap", { cause });
    }
  }

  private replace(): void {
    this.generation++;
    this.instantiate();
  }

  private bytes(): Uint8Array {
    return new Uint8Array(this.exports.memory.buffer);
  }

  private view(): DataView {
    return new DataView(this.exports.memory.buffer);
  }

  private u32(p: number): number {
    return this.view().getUint32(p, true);
  }

  private i32(p: number): number {
    return this.view().getInt32(p, true);
  }

  private checkBound(ok: boolean, what: string): void {
    if (!ok) {
      this.replace();
      throw new KsealError("WASM_OUT_OF_BOUNDS", what);
    }
  }

  private checkRegion(ptr: number, len: number): void {
    const size = this.exports.memory.buffer.byteLength;
    this.checkBound(Number.isInteger(ptr) && Number.isInteger(len) && ptr > 0 && len >= 0 && ptr + len <= size, "region");
  }

  private checkInputSize(data: Buffer): void {
    if (data.length > LIMITS.wasmMaxBatchBytes) {
      throw new KsealError("WASM_BATCH_TOO_LARGE", `${data.length} bytes`);
    }
  }

  private alloc(size: number): number {
    const st = this.call(() => this.exports.alloc(size, this.io));
    if (st !== STATUS.OK) throw statusError("alloc", st);
    const p = this.u32(this.io);
    this.checkRegion(p, size);
    return p;
  }

  /** Frees p unless the instance it came from was replaced meanwhile (gen: its generation). */
  private free(p: number, wipe: boolean, gen = this.generation): void {
    if (p === 0 || gen !== this.generation) return;
    const st = this.call(() => this.exports.free(p, wipe ? 1 : 0));
    if (st !== STATUS.OK) throw statusError("free", st);
  }

  private copyIn(data: Buffer): number {
    const p = this.alloc(data.length);
    this.bytes().set(data, p);
    return p;
  }

  /** Copies a batch the module produced out of its memory and frees it there. */
  private takeOutput(ptr: number, len: number, wipe: boolean): Buffer {
    this.checkBound(len >= BATCH_HEADER_BYTES && len <= LIMITS.wasmMaxBatchBytes, "output length");
    this.checkRegion(ptr, len);
    const out = Buffer.allocUnsafe(len);
    out.set(this.bytes().subarray(ptr, ptr + len));
    this.free(ptr, wipe);
    return out;
  }

  private readFailures(table: number, count: number, batch: Buffer): RecordFailure[] {
    if (count === 0) return [];
    const records = batch.length >= BATCH_HEADER_BYTES ? batch.readInt32BE(57) : 0;
    this.checkBound(count <= records, "failure count");
    this.checkRegion(table, count * 8);
    const failures: RecordFailure[] = [];
    for (let i = 0; i < count; i++) {
      const index = this.u32(table + i * 8);
      const reason = recordStatusName(this.i32(table + i * 8 + 4));
      this.checkBound(index < records && reason !== undefined, "failure entry");
      failures.push({ index, reason: reason! });
    }
    this.free(table, false);
    return failures;
  }
}
