// Loads build/test/gcm-test.wasm (the raw AES-GCM exports of assembly/crypto/test-exports.ts) and
// wraps it with byte-array helpers for the differential test and the micro-benchmark.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface GcmExports {
  memory: { buffer: ArrayBuffer };
  reset(): void;
  alloc(n: number): number;
  contextBytes(): number;
  init(ctx: number, key: number): void;
  wipe(ctx: number): void;
  seal(ctx: number, iv: number, aad: number, aadLen: number, src: number, len: number, dst: number, tag: number): void;
  open(ctx: number, iv: number, aad: number, aadLen: number, src: number, len: number, tag: number, dst: number): number;
  sealRepeat(ctx: number, iv: number, aad: number, aadLen: number, src: number, len: number, dst: number, tag: number, count: number): void;
  aesBlocks8(rk: number, src: number, dst: number, count: number): void;
  aesKey(rk: number, key: number): void;
  aesKeyBytes(): number;
  aesCtrBatches(rk: number, tbl: number, r: number, iv16: number, dst: number, count: number): void;
  aesCtrTableBytes(): number;
  ghashKey(tbl: number, h: number): void;
  ghashKeyBytes(): number;
  ghash(tbl: number, y: number, data: number, n: number): void;
  ghashWideKey(wtbl: number, h16: number): void;
  ghashWideKeyBytes(): number;
  ghashWideGroups(wtbl: number, tbl: number, y: number, data: number, groups: number): void;
}

export const GCM_TEST_WASM = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "build", "test", "gcm-test.wasm");

// The WebAssembly global is not in this project's TypeScript libs; describe the one call we use.
interface WasmApi {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: unknown } }>;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export async function loadGcmTest(): Promise<GcmModule> {
  const file = readFileSync(GCM_TEST_WASM);
  const { instance } = await wasm.instantiate(new Uint8Array(file.buffer, file.byteOffset, file.length), {
    env: {
      abort() {
        throw new Error("gcm-test.wasm aborted");
      },
    },
  });
  return new GcmModule(instance.exports as unknown as GcmExports);
}

export class GcmModule {
  constructor(readonly x: GcmExports) {}

  bytes(): Uint8Array {
    return new Uint8Array(this.x.memory.buffer);
  }

  put(b: Uint8Array): number {
    const p = this.x.alloc(Math.max(b.length, 1));
    this.bytes().set(b, p);
    return p;
  }

  get(p: number, n: number): Uint8Array {
    return this.bytes().slice(p, p + n);
  }

  // Fresh context for key; everything allocated since the last reset() stays valid.
  context(key: Uint8Array): number {
    const ctx = this.x.alloc(this.x.contextBytes());
    this.x.init(ctx, this.put(key));
    return ctx;
  }

  seal(ctx: number, iv: Uint8Array, aad: Uint8Array, pt: Uint8Array): { ct: Uint8Array; tag: Uint8Array } {
    const src = this.put(pt);
    const tag = this.x.alloc(16);
    this.x.seal(ctx, this.put(iv), this.put(aad), aad.length, src, pt.length, src, tag);
    return { ct: this.get(src, pt.length), tag: this.get(tag, 16) };
  }
}
