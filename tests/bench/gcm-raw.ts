// Micro-benchmark of the module's AES-256-GCM seal (build/test/gcm-test.wasm) against
// @noble/ciphers gcm and node:crypto, one record per call, at 100 B, 1 KiB and 16 KiB; then where
// the time goes (bitsliced AES vs GHASH). Run: node build/build.mjs && node --import tsx tests/bench/gcm-raw.ts
import { createCipheriv, randomBytes } from "node:crypto";
import { gcm } from "@noble/ciphers/aes.js";
import { loadGcmTest } from "../host/crypto/gcm-wasm.js";

const SIZES = [100, 1024, 16384];
const MIN_MS = Number(process.env.BENCH_MS ?? 100);
const RUNS = Number(process.env.BENCH_RUNS ?? 9);

// Process CPU time in ms: the machines running this are shared, and CPU time ignores the time
// the process waits for a core (wall time on a loaded box understates everything).
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

// Runs f(iterations) with doubling iteration counts until one run takes MIN_MS of CPU; the best
// of RUNS such measurements, in MB/s.
function mbps(bytesPerIteration: number, f: (iterations: number) => void): number {
  let best = 0;
  for (let run = 0; run < RUNS; run++) {
    for (let it = 1; ; it *= 2) {
      const t0 = cpuMs();
      f(it);
      const ms = cpuMs() - t0;
      if (ms >= MIN_MS) {
        best = Math.max(best, (bytesPerIteration * it) / (ms / 1000) / 1e6);
        break;
      }
    }
  }
  return best;
}

const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.length);

const m = await loadGcmTest();
const key = u8(randomBytes(32)), iv = u8(randomBytes(12)), aad = u8(randomBytes(0));
const ctx = m.context(key);
const ivp = m.put(iv);

const rows: string[][] = [["record", "kseal wasm MB/s", "kseal via JS call", "noble MB/s", "node MB/s", "vs noble", "vs node"]];
for (const n of SIZES) {
  const pt = u8(randomBytes(n));
  const src = m.put(pt), tag = m.x.alloc(16);
  // Per record inside the module (how the batch encryptor calls it).
  const ours = mbps(n, (it) => m.x.sealRepeat(ctx, ivp, 0, 0, src, n, src, tag, it));
  // Per record from JS, including the call boundary.
  const viaJs = mbps(n, (it) => {
    for (let i = 0; i < it; i++) m.x.seal(ctx, ivp, 0, 0, src, n, src, tag);
  });
  const noble = mbps(n, (it) => {
    for (let i = 0; i < it; i++) gcm(key, iv).encrypt(pt);
  });
  const node = mbps(n, (it) => {
    for (let i = 0; i < it; i++) {
      const c = createCipheriv("aes-256-gcm", key, iv);
      c.update(pt);
      c.final();
      c.getAuthTag();
    }
  });
  rows.push([`${n} B`, ours.toFixed(1), viaJs.toFixed(1), noble.toFixed(1), node.toFixed(1), `${(ours / noble).toFixed(2)}x`, `${(ours / node).toFixed(2)}x`]);
}

// Where the time goes: 8-block bitsliced AES, the scalar GHASH (records under 32 blocks) and the
// wide SIMD GHASH (longer records), each alone, against a 16 KiB seal.
const rk = m.x.alloc(m.x.aesKeyBytes());
m.x.aesKey(rk, m.put(key));
const blocks = m.put(u8(randomBytes(128)));
const aes8 = mbps(128, (it) => m.x.aesBlocks8(rk, blocks, blocks, it));
const ctrTable = m.x.alloc(m.x.aesCtrTableBytes()), r1 = m.x.alloc(128), ks = m.x.alloc(128);
const aes = mbps(128, (it) => m.x.aesCtrBatches(rk, ctrTable, r1, blocks, ks, it));
const tbl = m.x.alloc(m.x.ghashKeyBytes());
m.x.ghashKey(tbl, m.put(u8(randomBytes(16))));
const wtbl = m.x.alloc(m.x.ghashWideKeyBytes());
m.x.ghashWideKey(wtbl, m.put(u8(randomBytes(16))));
const data = m.put(u8(randomBytes(16384))), y = m.x.alloc(16);
const gh = mbps(16384, (it) => {
  for (let i = 0; i < it; i++) m.x.ghash(tbl, y, data, 1024);
});
const ghw = mbps(16384, (it) => {
  for (let i = 0; i < it; i++) m.x.ghashWideGroups(wtbl, tbl, y, data, 64);
});
const seal16 = Number(rows[3]![1]);

const width = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((s, c) => s.padStart(width[c]!)).join("  "));
console.log("");
const ns = (mb: number) => (1e3 / mb).toFixed(2);
console.log(`AES-256, 8 blocks bitsliced:           ${aes8.toFixed(1)} MB/s (${ns(aes8)} ns/B)`);
console.log(`AES-256 CTR batch (round 1 cached):    ${aes.toFixed(1)} MB/s (${ns(aes)} ns/B)`);
console.log(`GHASH, scalar 8-block aggregated:      ${gh.toFixed(1)} MB/s (${ns(gh)} ns/B)  [records < 512 B]`);
console.log(`GHASH, wide 16-stream SIMD:            ${ghw.toFixed(1)} MB/s (${ns(ghw)} ns/B)  [records >= 512 B]`);
const nsA = 1e3 / aes, nsG = 1e3 / ghw, nsS = 1e3 / seal16;
console.log(
  `16 KiB seal: ${nsS.toFixed(2)} ns/B = AES ${nsA.toFixed(2)} (${((nsA / nsS) * 100).toFixed(0)}%) + wide GHASH ${nsG.toFixed(2)} ` +
    `(${((nsG / nsS) * 100).toFixed(0)}%) + rest ${(nsS - nsA - nsG).toFixed(2)} (keystream xor, counters, tail, calls)`,
);
