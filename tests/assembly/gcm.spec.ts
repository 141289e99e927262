// AES-256-GCM against the McGrew-Viega GCM test cases 13-16 (the AES-256 cases with 96-bit IVs,
// as published with the GCM specification; cases 17 and 18 use 64- and 480-bit IVs and are out of
// scope), plus forgery rejection.
import { GCM_CONTEXT_BYTES, gcmInit, gcmOpen, gcmSeal, gcmWipe } from "../../assembly/crypto/gcm";
import { hex, toHex } from "./hex";

// @ts-ignore: decorator
@inline function ptr(b: ArrayBuffer): usize {
  return changetype<usize>(b);
}

const K15 = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
const P15 =
  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" +
  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
const C15 =
  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa" +
  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad";
const A16 = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
const IV15 = "cafebabefacedbaddecaf888";

class Vec {
  constructor(public k: string, public iv: string, public a: string, public p: string, public c: string, public t: string) {}
}

const VECTORS: Vec[] = [
  // Test case 13: empty plaintext, empty AAD.
  new Vec("0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"),
  // Test case 14: one zero block.
  new Vec("0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000", "", "00000000000000000000000000000000", "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"),
  // Test case 15: four blocks, no AAD.
  new Vec(K15, IV15, "", P15, C15, "b094dac5d93471bdec1a502270e3cc6c"),
  // Test case 16: 60-byte plaintext, 20-byte AAD.
  new Vec(K15, IV15, A16, P15.substr(0, 120), C15.substr(0, 120), "76fc6ece0f4e1768cddf8853bb2d551b"),
];

function sealHex(v: Vec): string {
  const ctx = new ArrayBuffer(GCM_CONTEXT_BYTES);
  gcmInit(ptr(ctx), ptr(hex(v.k)));
  const iv = hex(v.iv), a = hex(v.a), p = hex(v.p);
  const n = p.byteLength;
  const c = new ArrayBuffer(n), t = new ArrayBuffer(16);
  gcmSeal(ptr(ctx), ptr(iv), ptr(a), a.byteLength, ptr(p), n, ptr(c), ptr(t));
  return toHex(ptr(c), n) + "|" + toHex(ptr(t), 16);
}

describe("AES-256-GCM seal (SP 800-38D §7.1)", () => {
  it("matches test cases 13-16", () => {
    for (let i = 0; i < VECTORS.length; i++) {
      const v = VECTORS[i];
      expect(sealHex(v)).toBe(v.c + "|" + v.t);
    }
  });

  it("encrypts in place (dst == src)", () => {
    const ctx = new ArrayBuffer(GCM_CONTEXT_BYTES);
    gcmInit(ptr(ctx), ptr(hex(K15)));
    const iv = hex(IV15), a = hex(A16), buf = hex(P15.substr(0, 120)), t = new ArrayBuffer(16);
    gcmSeal(ptr(ctx), ptr(iv), ptr(a), 20, ptr(buf), 60, ptr(buf), ptr(t));
    expect(toHex(ptr(buf), 60) + toHex(ptr(t), 16)).toBe(C15.substr(0, 120) + "76fc6ece0f4e1768cddf8853bb2d551b");
  });
});

describe("AES-256-GCM open (SP 800-38D §7.2)", () => {
  it("decrypts test cases 13-16", () => {
    for (let i = 0; i < VECTORS.length; i++) {
      const v = VECTORS[i];
      const ctx = new ArrayBuffer(GCM_CONTEXT_BYTES);
      gcmInit(ptr(ctx), ptr(hex(v.k)));
      const iv = hex(v.iv), a = hex(v.a), c = hex(v.c), t = hex(v.t);
      const n = c.byteLength;
      const p = new ArrayBuffer(n);
      expect(gcmOpen(ptr(ctx), ptr(iv), ptr(a), a.byteLength, ptr(c), n, ptr(t), ptr(p))).toBe(true);
      expect(toHex(ptr(p), n)).toBe(v.p);
    }
  });

  it("rejects a flipped bit in ciphertext, tag, AAD or IV and writes no plaintext", () => {
    const v = VECTORS[3];
    const ctx = new ArrayBuffer(GCM_CONTEXT_BYTES);
    gcmInit(ptr(ctx), ptr(hex(v.k)));
    for (let what = 0; what < 4; what++) {
      const iv = hex(v.iv), a = hex(v.a), c = hex(v.c), t = hex(v.t);
      if (what == 0) store<u8>(ptr(c) + 59, load<u8>(ptr(c) + 59) ^ 0x80);
      if (what == 1) store<u8>(ptr(t), load<u8>(ptr(t)) ^ 1);
      if (what == 2) store<u8>(ptr(a) + 19, load<u8>(ptr(a) + 19) ^ 1);
      if (what == 3) store<u8>(ptr(iv) + 11, load<u8>(ptr(iv) + 11) ^ 1);
      const p = new ArrayBuffer(60);
      memory.fill(ptr(p), 0xaa, 60);
      expect(gcmOpen(ptr(ctx), ptr(iv), ptr(a), 20, ptr(c), 60, ptr(t), ptr(p))).toBe(false);
      for (let i = 0; i < 60; i++) expect(load<u8>(ptr(p) + i)).toBe(0xaa);
    }
  });

  it("rejects a truncated AAD length", () => {
    const v = VECTORS[3];
    const ctx = new ArrayBuffer(GCM_CONTEXT_BYTES);
    gcmInit(ptr(ctx), ptr(hex(v.k)));
    const iv = hex(v.iv), a = hex(v.a), c = hex(v.c), t = hex(v.t), p = new ArrayBuffer(60);
    expect(gcmOpen(ptr(ctx), ptr(iv), ptr(a), 19, ptr(c), 60, ptr(t), ptr(p))).toBe(false);
  });
});

describe("gcmWipe", () => {
  it("zeroes the whole context", () => {
    const ctx = new ArrayBuffer(GCM_CONTEXT_BYTES);
    gcmInit(ptr(ctx), ptr(hex(K15)));
    gcmWipe(ptr(ctx));
    let or: u8 = 0;
    for (let i = 0; i < GCM_CONTEXT_BYTES; i++) or |= load<u8>(ptr(ctx) + i);
    expect(or).toBe(0);
  });
});
