// Loading a filter module: ABI marker, exports and imports are checked, the self-test must pass,
// a trap fails the call closed and replaces the instance, and pointers the module hands back
// are bounds-checked. Misbehaving modules are built here as fixtures.
import t from "tap";
import { readFileSync } from "node:fs";
import { KsealFilter, defaultWasmPath } from "../../../host/wasm/filter.js";
import { declaredMemoryLimits } from "../../../host/wasm/memory-limits.js";
import { buildBatch } from "./support/kafka-batch.js";
import { DEK, EDEK, copy, filterWithKey, u8 } from "./support/fixtures.js";

async function loadCode(bytes: Buffer): Promise<string> {
  try {
    await KsealFilter.fromBytes(bytes);
    return "loaded";
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

t.test("the standard build loads, declares ABI v1 and imports only env.abort", async (t) => {
  const bytes = readFileSync(defaultWasmPath());
  const mod = await WebAssembly.compile(u8(bytes));
  t.same(WebAssembly.Module.imports(mod), [{ module: "env", name: "abort", kind: "function" }]);
  const f = await KsealFilter.fromBytes(bytes);
  t.equal(f.slotCount, 64);
  t.same(declaredMemoryLimits(u8(bytes)), { minPages: 2, maxPages: 2048 }, "memory capped at 128 MiB");
  t.equal(f.liveBytes(), 0, "self-test left nothing allocated");
});

t.test("modules that are not ABI v1 are refused", async (t) => {
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  t.equal(await loadCode(Buffer.from("not wasm")), "WASM_ABI_MISMATCH");
  t.equal(await loadCode(Buffer.from(header)), "WASM_ABI_MISMATCH", "empty module");
  const wasiImport = [
    ...header,
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
    0x02, 0x11, 0x01, 0x04, ...Buffer.from("wasi"), 0x08, ...Buffer.from("fd_write"), 0x00, 0x00,
  ];
  t.equal(await loadCode(Buffer.from(wasiImport)), "WASM_ABI_MISMATCH", "imports beyond env.abort");
  const unbounded = [...header, 0x05, 0x03, 0x01, 0x00, 0x02];
  t.equal(await loadCode(Buffer.from(unbounded)), "WASM_ABI_MISMATCH", "memory without a declared maximum");
  const tooBig = [...header, 0x05, 0x05, 0x01, 0x01, 0x02, 0x81, 0x20];
  t.equal(await loadCode(Buffer.from(tooBig)), "WASM_ABI_MISMATCH", "memory maximum over 128 MiB");
});

t.test("a module whose known answers are wrong fails its self-test", async (t) => {
  const bytes = copy(readFileSync(defaultWasmPath()));
  // GCM spec test case 16's ciphertext, as stored in the data segment.
  const needle = Buffer.from("522dc1f099567d07f47f37a32a84427d", "hex");
  const at = bytes.indexOf(u8(needle));
  t.ok(at > 0, "vector found in the data segment");
  bytes[at + 5]! ^= 1;
  t.equal(await loadCode(bytes), "WASM_SELF_TEST_FAILED");
});

t.test("a trap fails the call closed and replaces the instance with empty slots", async (t) => {
  const f = await filterWithKey();
  const internals = f as unknown as { exports: { free(p: number, w: number): number }; call<T>(fn: () => T): T };
  let code = "";
  try {
    // freeing a pointer the allocator never handed out: TLSF's checks abort
    internals.call(() => internals.exports.free(0x20000 - 16, 0));
  } catch (e) {
    code = (e as { code: string }).code;
  }
  t.equal(code, "WASM_TRAP");
  t.equal(f.generation, 1);
  t.same(f.slotInfo(0).loaded, false, "slots are empty after replacement");
  f.loadKey(0, copy(DEK), EDEK, { budget: 10 });
  const batch = buildBatch({ records: [{ key: null, value: Buffer.from("x") }] });
  t.ok(f.encryptBatch(batch, 0).length > batch.length, "the new instance works");
});

t.test("pointers and lengths returned by the module are bounds-checked", async (t) => {
  const f = await filterWithKey();
  const inner = f as unknown as { exports: Record<string, unknown> & { memory: WebAssembly.Memory; kseal_io: WebAssembly.Global } };
  const real = inner.exports;
  const io = Number(real.kseal_io.value);
  const lying = (ptr: number, len: number) => ({
    ...real,
    encrypt_batch: () => {
      const v = new DataView(real.memory.buffer);
      v.setUint32(io, ptr, true);
      v.setInt32(io + 4, len, true);
      v.setUint32(io + 8, 1, true);
      return 0;
    },
  });
  const batch = buildBatch({ records: [{ key: null, value: Buffer.from("x") }] });
  for (const [ptr, len] of [[0xfffffff0, 100], [real.memory.buffer.byteLength - 50, 100], [1024, -1], [1024, 10]] as const) {
    inner.exports = lying(ptr, len);
    let code = "";
    try { f.encryptBatch(batch, 0); } catch (e) { code = (e as { code: string }).code; }
    t.equal(code, "WASM_OUT_OF_BOUNDS", `ptr ${ptr} len ${len}`);
  }
});

t.test("EDEK tables and failure tables that point outside the batch are refused", async (t) => {
  const f = await filterWithKey();
  type Exports = Record<string, unknown> & { memory: WebAssembly.Memory; kseal_io: WebAssembly.Global };
  const inner = f as unknown as { exports: Exports };
  const enc = f.encryptBatch(buildBatch({ records: [{ key: null, value: Buffer.from("x") }] }), 0);
  const table = 1024; // inside memory; what it says is what matters
  const codeOfCall = (fn: () => unknown): string => { try { fn(); return "no error"; } catch (e) { return (e as { code: string }).code; } };
  // each violation replaces the instance, so every lie is written into the current one
  const lie = (name: string, io: number[], entries: number[], status: number) => {
    const real = inner.exports;
    const at = Number(real.kseal_io.value);
    inner.exports = {
      ...real,
      [name]: () => {
        const v = new DataView(real.memory.buffer);
        io.forEach((w, i) => v.setUint32(at + i * 4, w, true));
        entries.forEach((w, i) => v.setUint32(table + i * 4, w, true));
        return status;
      },
    };
  };
  lie("list_edeks", [table, 1], [enc.length - 2, 10], 0);
  t.equal(codeOfCall(() => f.listEdeks(enc)), "WASM_OUT_OF_BOUNDS", "EDEK running past the batch");
  lie("list_edeks", [table, 65], [], 0);
  t.equal(codeOfCall(() => f.listEdeks(enc)), "WASM_OUT_OF_BOUNDS", "more EDEKs than slots");
  lie("decrypt_batch", [0, 0, 0, table, 1, 0], [5, 32], 16);
  t.equal(codeOfCall(() => f.decryptBatch(enc, [])), "WASM_OUT_OF_BOUNDS", "failure for a record the batch does not have");
  lie("decrypt_batch", [0, 0, 0, table, 1, 0], [0, 99], 16);
  t.equal(codeOfCall(() => f.decryptBatch(enc, [])), "WASM_OUT_OF_BOUNDS", "unknown per-record status");
  t.equal(f.generation, 4, "each violation replaced the instance");
});

t.test("crc32c export: the standard check value and RFC 3720 B.4 vectors", async (t) => {
  const f = await filterWithKey();
  const hex = (s: string) => Buffer.from(s, "hex");
  t.equal(f.crc32c(Buffer.from("123456789")), 0xe3069283);
  t.equal(f.crc32c(Buffer.alloc(32)), 0x8a9136aa);
  t.equal(f.crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
  t.equal(f.crc32c(Buffer.from([...Array(32).keys()])), 0x46dd794e);
  t.equal(f.crc32c(Buffer.from([...Array(32).keys()].reverse())), 0x113fdb5c);
  t.equal(f.crc32c(hex("01c0000000000000000000000000000014000000000004000000001400000018280000000000000002000000000000000")), 0xd9963a56);
  t.equal(f.crc32c(Buffer.alloc(0)), 0);
});
