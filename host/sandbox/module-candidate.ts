/**
 * Checks a candidate filter module before it may serve. No code of the candidate runs on the
 * main thread: the static checks read the binary, everything else runs in a throwaway worker
 * under the watchdog (a module that hangs in its self-test is stopped and rejected).
 *
 * 1. sha256 pin (when pins are configured);
 * 2. static: a valid module, imports nothing but env.abort, memory with a declared maximum within
 *    LIMITS.wasmMaxMemoryPages, every ABI v1 export present;
 * 3. in a worker: ABI marker value, slot count, known-answer self-test (host/wasm binding);
 * 4. its policy (name, version, build hash, flags);
 * 5. a sample batch encrypted with a live key round-trips byte-identical through the candidate,
 *    and through the running module in both directions (old reads new, new reads old);
 * 6. no allocator leak after the round trip.
 */
import { createHash } from "node:crypto";
import { KsealError, isKsealError } from "../errors.js";
import { LIMITS } from "../limits.js";
import { REQUIRED_FUNCTIONS, REQUIRED_GLOBALS } from "../wasm/abi.js";
import { declaredMemoryLimits } from "../wasm/memory-limits.js";
import type { PolicyInfo } from "./policy-info.js";
import { sampleBatch } from "./sample-batch.js";
import { WorkerPool } from "./worker-pool.js";

export interface LiveKey {
  dek: Buffer;
  edek: Buffer;
}

export interface CandidateOptions {
  /** Allowed sha256 digests (hex); empty or absent = any module. */
  pins?: readonly string[];
  /** A live DEK/EDEK pair for the round trip (a copy: the caller's buffer is not wiped). */
  liveKey: () => Promise<LiveKey> | LiveKey;
  /** The running module's pool, for the cross-module round trip. */
  running?: WorkerPool;
  callTimeoutMs?: number;
  startTimeoutMs?: number;
}

export interface AcceptedModule {
  bytes: Buffer;
  sha256: string;
  policy: PolicyInfo;
}

const reject = (reason: string, cause?: unknown): KsealError =>
  new KsealError("WASM_MODULE_REJECTED", reason, cause === undefined ? undefined : { cause });

export const sha256Hex = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

function staticChecks(bytes: Buffer): void {
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(bytes);
  } catch (e) {
    throw reject("not a valid WebAssembly module", e);
  }
  const bad = WebAssembly.Module.imports(module).find((i) => !(i.module === "env" && i.name === "abort" && i.kind === "function"));
  if (bad) throw reject(`imports ${bad.module}.${bad.name} (only env.abort is allowed)`);
  let limits: ReturnType<typeof declaredMemoryLimits>;
  try {
    limits = declaredMemoryLimits(bytes);
  } catch (e) {
    throw reject("unreadable memory section", e);
  }
  if (!limits || limits.maxPages === undefined || limits.maxPages > LIMITS.wasmMaxMemoryPages) {
    throw reject(`memory must declare a maximum of at most ${LIMITS.wasmMaxMemoryPages} pages`);
  }
  const exports = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
  if (exports.get("memory") !== "memory") throw reject("no exported memory");
  for (const f of REQUIRED_FUNCTIONS) if (exports.get(f) !== "function") throw reject(`missing function ${f}`);
  for (const g of REQUIRED_GLOBALS) if (exports.get(g) !== "global") throw reject(`missing global ${g}`);
}

async function roundTrip(pool: WorkerPool, o: CandidateOptions): Promise<void> {
  const sample = sampleBatch();
  const live = await o.liveKey();
  const key = { dek: Buffer.from(live.dek), edek: Buffer.from(live.edek) };
  try {
    const [enc] = await pool.encryptRecords([sample], { ...key, budget: 16 });
    if (!enc || enc.equals(sample)) throw reject("sample batch came back unencrypted");
    const edeks = await pool.listRecordsEdeks(enc);
    if (edeks.length !== 1 || !edeks[0]!.equals(key.edek)) throw reject("sample batch lists the wrong EDEKs");
    const own = await pool.decryptRecords(enc, [key]);
    if (!own.records?.equals(sample)) throw reject(`sample batch does not round-trip (${own.failures.length} record failures)`);
    if (o.running) {
      const old = await o.running.decryptRecords(enc, [key]);
      if (!old.records?.equals(sample)) throw reject("the running module cannot read the candidate's records");
      const [fromOld] = await o.running.encryptRecords([sample], { ...key, budget: 16 });
      const back = await pool.decryptRecords(fromOld!, [key]);
      if (!back.records?.equals(sample)) throw reject("the candidate cannot read the running module's records");
    }
    const live = await pool.liveBytes();
    if (live !== 0) throw reject(`allocator leaks ${live} bytes after the round trip`);
  } finally {
    key.dek.fill(0);
  }
}

/** Accepts the candidate or throws WASM_MODULE_REJECTED with the reason. */
export async function checkCandidate(bytes: Buffer, o: CandidateOptions): Promise<AcceptedModule> {
  const sha256 = sha256Hex(bytes);
  if (o.pins && o.pins.length > 0 && !o.pins.includes(sha256)) throw reject(`sha256 ${sha256} is not pinned`);
  staticChecks(bytes);
  let pool: WorkerPool | undefined;
  try {
    pool = await WorkerPool.start(bytes, { size: 1, callTimeoutMs: o.callTimeoutMs, startTimeoutMs: o.startTimeoutMs });
    const policy = await pool.policyInfo();
    await roundTrip(pool, o);
    return { bytes, sha256, policy };
  } catch (e) {
    if (isKsealError(e, "WASM_MODULE_REJECTED")) throw e;
    const why = isKsealError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
    throw reject(why, e);
  } finally {
    await pool?.close();
  }
}
