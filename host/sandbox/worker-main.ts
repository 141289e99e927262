/**
 * Body of one sandbox worker thread: one instance of the filter module (host/wasm binding, with
 * its ABI checks, self-test, bounds checks and instance replacement after a trap), driven by
 * messages from the pool. Replies carry results or the error's catalog code; key buffers are
 * zeroed as soon as the module holds them.
 */
import { parentPort } from "node:worker_threads";
import { ERRORS, KsealError, type ErrorCode } from "../errors.js";
import { KsealFilter } from "../wasm/filter.js";
import type { CallRequest, FetchPartReply, FetchReply, FromWorker, KeyMaterial, ToWorker, WireError } from "./worker-protocol.js";
import { readCounters, readPolicyInfo } from "./policy-info.js";
import { transferables } from "./transfer.js";

let filter: KsealFilter | undefined;
let moduleBytes: Uint8Array | undefined;
const port = parentPort!;

function wire(e: unknown): WireError {
  if (e instanceof KsealError) return { code: e.code, message: e.message };
  return { code: "WASM_TRAP", message: e instanceof Error ? e.message : String(e) };
}

function load(f: KsealFilter, slot: number, k: KeyMaterial): void {
  const dek = Buffer.from(k.dek.buffer, k.dek.byteOffset, k.dek.byteLength);
  try {
    f.loadKey(slot, dek, Buffer.from(k.edek), { budget: k.budget, ivSeed: k.ivSeed ? Buffer.from(k.ivSeed) : undefined });
  } finally {
    dek.fill(0);
  }
}

function releaseAll(f: KsealFilter, slots: number[]): void {
  for (const s of slots) {
    try { f.releaseKey(s); } catch { /* instance replaced after a trap: its slots are empty */ }
  }
}

// Loaded on the first produce or fetch call only: compression codecs are not needed to start a worker.
let produceRecords: typeof import("../filters/record-batches.js").encryptRecords | undefined;
let fetchDecrypt: typeof import("../filters/fetch-decrypt.js") | undefined;

function asBuffer(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

function fromWire(e: WireError): KsealError {
  const err = new KsealError(e.code in ERRORS ? (e.code as ErrorCode) : "WASM_TRAP");
  err.message = e.message;
  return err;
}

function decryptFetch(f: KsealFilter, c: Extract<CallRequest, { op: "decryptFetch" }>): FetchReply {
  const fd = fetchDecrypt!;
  const k = fd.decryptKeys(f);
  for (const key of c.keys) k.deks.set(asBuffer(key.edek).toString("latin1"), asBuffer(key.dek));
  for (const u of c.unresolved) k.unresolved.set(asBuffer(u.edek).toString("latin1"), fromWire(u.error));
  try {
    const parts = c.parts.map((r): FetchPartReply => {
      const w = fd.startPartition(asBuffer(r));
      const missing = new Map<string, Buffer>();
      fd.advancePartition(f, w, k, missing);
      const seen = [...w.seen].map((e) => Buffer.from(e, "latin1"));
      if (w.waiting) return { records: null, missing: [...missing.values()], seen };
      const out = fd.finishPartition(w);
      return { records: out && out.length > 0 ? out : null, error: w.error, problem: w.problem, missing: [], seen };
    });
    return { parts, refused: k.refused };
  } finally {
    k.slots.release();
    for (const d of k.deks.values()) d.fill(0);
  }
}

function run(f: KsealFilter, c: CallRequest): unknown {
  switch (c.op) {
    case "encrypt": {
      releaseAll(f, [0]);
      load(f, 0, c.key);
      try {
        return c.records.map((r) => {
          const b = Buffer.from(r.buffer, r.byteOffset, r.byteLength);
          const out = f.encryptRecords(b, 0);
          return out === b ? null : out;
        });
      } finally {
        releaseAll(f, [0]);
      }
    }
    case "encryptProduce": {
      releaseAll(f, [0]);
      load(f, 0, c.key);
      try {
        // per field: null = unchanged, bytes = encrypted, {code,message} = this field failed
        return c.records.map((r) => {
          const b = Buffer.from(r.buffer, r.byteOffset, r.byteLength);
          try {
            const out = produceRecords!(f, b, 0);
            return out === b ? null : out;
          } catch (e) {
            return wire(e);
          }
        });
      } finally {
        releaseAll(f, [0]);
      }
    }
    case "listEdeks":
      return f.listRecordsEdeks(Buffer.from(c.records.buffer, c.records.byteOffset, c.records.byteLength));
    case "decrypt": {
      if (c.keys.length > f.slotCount) throw new KsealError("WASM_TOO_MANY_EDEKS", `${c.keys.length} keys`);
      const slots = c.keys.map((_, i) => i);
      releaseAll(f, slots);
      try {
        c.keys.forEach((k, i) => load(f, i, { ...k, budget: 0 }));
        const input = Buffer.from(c.records.buffer, c.records.byteOffset, c.records.byteLength);
        const r = f.decryptRecords(input, c.keys.map((k, i) => [Buffer.from(k.edek), i] as [Buffer, number]));
        return { records: r.records === input ? null : r.records, unchanged: r.records === input, failures: r.failures };
      } finally {
        releaseAll(f, slots);
      }
    }
    case "decryptFetch":
      return decryptFetch(f, c);
    case "crc32c":
      return f.crc32c(Buffer.from(c.data));
    case "liveBytes":
      return f.liveBytes();
    case "counters":
      return moduleBytes ? readCounters(f) : [];
    case "policyInfo":
      return readPolicyInfo(new WebAssembly.Module(moduleBytes!));
    case "spin": {
      const end = Date.now() + c.ms;
      while (Date.now() < end) { /* stands in for a module stuck in a loop */ }
      return null;
    }
  }
}

// Messages are handled strictly in order: a call sent after a load runs on the loaded module.
let queue: Promise<void> = Promise.resolve();
port.on("message", (msg: ToWorker) => {
  queue = queue.then(() => handle(msg));
});

async function handle(msg: ToWorker): Promise<void> {
  if (msg.type === "load") {
    try {
      filter = await KsealFilter.fromBytes(Buffer.from(msg.bytes));
      moduleBytes = msg.bytes;
      port.postMessage({ type: "loaded", version: msg.version } satisfies FromWorker);
    } catch (e) {
      port.postMessage({ type: "loaded", version: msg.version, error: wire(e) } satisfies FromWorker);
    }
    return;
  }
  if (msg.call.op === "encryptProduce" && !produceRecords) {
    produceRecords = (await import("../filters/record-batches.js")).encryptRecords;
  }
  if (msg.call.op === "decryptFetch" && !fetchDecrypt) fetchDecrypt = await import("../filters/fetch-decrypt.js");
  let reply: FromWorker;
  try {
    if (!filter) throw new KsealError("WASM_SANDBOX_CLOSED", "worker has no module");
    reply = { type: "result", id: msg.id, ok: true, value: run(filter, msg.call) };
  } catch (e) {
    reply = { type: "result", id: msg.id, ok: false, error: wire(e) };
  }
  // Results were made for this reply: moved, not copied, to the main thread.
  port.postMessage(reply, reply.ok ? transferables(reply.value) : []);
}
