// Differential test of the module's AES-256-GCM (build/test/gcm-test.wasm) against node:crypto
// on 10,000 seeded random cases: random keys and IVs, AAD 0-64 bytes, plaintexts 0-64 KiB with
// most lengths small or on block/batch boundaries. Both directions, in place and out of place,
// and forgeries (flipped bits in ciphertext, tag, AAD, IV) that must be rejected without any
// plaintext reaching dst.
import t from "tap";
import { createCipheriv, createDecipheriv } from "node:crypto";
import { loadGcmTest } from "./gcm-wasm.js";

// @types/node 20.9 Buffers are not Uint8Array<ArrayBufferLike> for TypeScript 6: view them as one.
const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.length);
const eq = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.compare(a, b) === 0;

const SEED = 0x6b5ea1;
const CASES = 10_000;

// xorshift128+ style 32-bit generator: fixed seed, so a failure names a reproducible case.
function rng(seed: number) {
  let a = seed >>> 0 || 1, b = 0x9e3779b9, c = 0x243f6a88, d = 0xb7e15162;
  const next = (): number => {
    const t = b << 9;
    let r = Math.imul(a, 5);
    r = Math.imul((r << 7) | (r >>> 25), 9);
    c ^= a; d ^= b; b ^= c; a ^= d; c ^= t;
    d = (d << 11) | (d >>> 21);
    return r >>> 0;
  };
  for (let i = 0; i < 16; i++) next();
  return {
    u32: next,
    int: (n: number): number => Math.floor((next() / 4294967296) * n),
    bytes: (n: number): Uint8Array => {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i += 4) {
        const v = next();
        out[i] = v; if (i + 1 < n) out[i + 1] = v >>> 8; if (i + 2 < n) out[i + 2] = v >>> 16; if (i + 3 < n) out[i + 3] = v >>> 24;
      }
      return out;
    },
  };
}

// Lengths around 16-byte blocks, the keystream batches (112, 112, then 128 bytes), 8-block GHASH
// chunks, the 32-block switch to the wide GHASH and its 16-block groups, plus large records.
const BOUNDARIES = [0, 1, 2, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 111, 112, 113, 127, 128, 129, 223, 224, 225, 239, 240, 241, 351, 352, 353, 255, 256, 257, 495, 496, 497, 511, 512, 513, 767, 768, 769, 1023, 1024, 1025, 4095, 4096, 4097, 16383, 16384, 16385, 65535, 65536];
function pickLength(r: ReturnType<typeof rng>): number {
  const k = r.int(100);
  if (k < 30) return BOUNDARIES[r.int(BOUNDARIES.length)]!;
  if (k < 75) return r.int(300);
  if (k < 95) return r.int(4096);
  return r.int(65537);
}

function nodeSeal(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, pt: Uint8Array) {
  const c = createCipheriv("aes-256-gcm", key, iv);
  c.setAAD(aad);
  const ct = u8(Buffer.concat([u8(c.update(pt)), u8(c.final())]));
  return { ct, tag: u8(c.getAuthTag()) };
}

function nodeOpen(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, ct: Uint8Array, tag: Uint8Array): Uint8Array {
  const d = createDecipheriv("aes-256-gcm", key, iv);
  d.setAAD(aad);
  d.setAuthTag(tag);
  return u8(Buffer.concat([u8(d.update(ct)), u8(d.final())]));
}

t.test("AES-256-GCM agrees with node:crypto on random inputs", async (t) => {
  const m = await loadGcmTest();
  const r = rng(SEED);
  let failures = 0, forgeries = 0;
  const fail = (i: number, what: string) => {
    if (failures++ < 10) t.fail(`case ${i} (seed ${SEED}): ${what}`);
  };
  for (let i = 0; i < CASES; i++) {
    m.x.reset();
    const key = r.bytes(32), iv = r.bytes(12), aad = r.bytes(r.int(65)), pt = r.bytes(pickLength(r));
    const ctx = m.context(key);
    const ref = nodeSeal(key, iv, aad, pt);

    // Our seal vs node: identical bytes, and node:crypto accepts them.
    const inPlace = (i & 1) === 0;
    const src = m.put(pt), dst = inPlace ? src : m.x.alloc(Math.max(pt.length, 1)), tag = m.x.alloc(16);
    const ivp = m.put(iv), aadp = m.put(aad);
    m.x.seal(ctx, ivp, aadp, aad.length, src, pt.length, dst, tag);
    const ct = m.get(dst, pt.length), tg = m.get(tag, 16);
    if (!eq(ct, ref.ct)) fail(i, `ciphertext differs (len ${pt.length}, aad ${aad.length})`);
    if (!eq(tg, ref.tag)) fail(i, `tag differs (len ${pt.length}, aad ${aad.length})`);
    if ((i & 15) === 0) {
      try {
        if (!eq(nodeOpen(key, iv, aad, ct, tg), pt)) fail(i, "node decrypts our output to other bytes");
      } catch {
        fail(i, "node rejects our output");
      }
    }

    // Node's seal vs our open.
    const cp = m.put(ref.ct), tp = m.put(ref.tag), out = inPlace ? cp : m.x.alloc(Math.max(pt.length, 1));
    if (m.x.open(ctx, ivp, aadp, aad.length, cp, pt.length, tp, out) !== 1) fail(i, `open rejects node's output (len ${pt.length})`);
    else if (!eq(m.get(out, pt.length), pt)) fail(i, "open returns other plaintext");

    // A forgery: one flipped bit in ciphertext, tag, AAD or IV.
    let kind = r.int(4);
    if (kind === 0 && pt.length === 0) kind = 1;
    if (kind === 2 && aad.length === 0) kind = 3;
    const fct = ref.ct.slice(), ftag = ref.tag.slice(), faad = aad.slice(), fiv = iv.slice();
    const bit = 1 << r.int(8);
    if (kind === 0) fct[r.int(fct.length)]! ^= bit;
    if (kind === 1) ftag[r.int(16)]! ^= bit;
    if (kind === 2) faad[r.int(faad.length)]! ^= bit;
    if (kind === 3) fiv[r.int(12)]! ^= bit;
    const fc = m.put(fct), fdst = inPlace ? fc : m.x.alloc(Math.max(pt.length, 1));
    if (!inPlace) m.bytes().fill(0x5a, fdst, fdst + pt.length);
    const ok = m.x.open(ctx, m.put(fiv), m.put(faad), faad.length, fc, pt.length, m.put(ftag), fdst);
    forgeries++;
    if (ok !== 0) fail(i, `forgery accepted (kind ${kind}, len ${pt.length})`);
    const left = m.get(fdst, pt.length);
    const expected = inPlace ? fct : new Uint8Array(pt.length).fill(0x5a);
    if (!eq(left, expected)) fail(i, `rejected open changed dst (kind ${kind})`);
  }
  t.equal(failures, 0, `${CASES} cases, ${forgeries} forgeries, no disagreement`);
});

t.test("records past 2^16 blocks, where counter byte 13 carries", async (t) => {
  const m = await loadGcmTest();
  const r = rng(SEED + 2);
  for (const len of [(1 << 20) + 100, (1 << 20) + 4096]) {
    m.x.reset();
    const key = r.bytes(32), iv = r.bytes(12), aad = r.bytes(13), pt = r.bytes(len);
    const ctx = m.context(key);
    const ref = nodeSeal(key, iv, aad, pt);
    const ours = m.seal(ctx, iv, aad, pt);
    t.ok(eq(ours.ct, ref.ct) && eq(ours.tag, ref.tag), `seal of ${len} bytes matches node:crypto`);
    const cp = m.put(ref.ct), out = m.x.alloc(len);
    t.equal(m.x.open(ctx, m.put(iv), m.put(aad), aad.length, cp, len, m.put(ref.tag), out), 1);
    t.ok(eq(m.get(out, len), pt), `open of ${len} bytes returns the plaintext`);
  }
});

t.test("gcmWipe zeroes the context", async (t) => {
  const m = await loadGcmTest();
  const r = rng(SEED + 1);
  const ctx = m.context(r.bytes(32));
  m.x.wipe(ctx);
  t.ok(m.get(ctx, m.x.contextBytes()).every((b) => b === 0));
});
