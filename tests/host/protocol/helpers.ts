// Shared helpers for the protocol unit tests.
import type { TaggedField } from "../../../host/protocol/codec.js";

/** Deterministic PRNG (mulberry32) so fuzz runs are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Checks that every field of `decoded` equals the same field of `source` (recursively), i.e.
 * decoding at a version returns a projection of what was encoded. Returns the first mismatch.
 */
export function subsetMismatch(decoded: unknown, source: unknown, path = "$"): string | undefined {
  if (Buffer.isBuffer(decoded)) {
    return Buffer.isBuffer(source) && decoded.equals(source as unknown as Uint8Array) ? undefined : `${path}: bytes differ`;
  }
  if (Array.isArray(decoded)) {
    if (!Array.isArray(source) || source.length !== decoded.length) return `${path}: array differs`;
    for (let i = 0; i < decoded.length; i++) {
      const m = subsetMismatch(decoded[i], source[i], `${path}[${i}]`);
      if (m) return m;
    }
    return undefined;
  }
  if (decoded !== null && typeof decoded === "object") {
    if (source === null || typeof source !== "object") return `${path}: object vs ${String(source)}`;
    for (const [k, v] of Object.entries(decoded)) {
      const m = subsetMismatch(v, (source as Record<string, unknown>)[k], `${path}.${k}`);
      if (m) return m;
    }
    return undefined;
  }
  return decoded === source ? undefined : `${path}: ${String(decoded)} != ${String(source)}`;
}

/** Number of unknownTaggedFields entries anywhere in a message. */
export function countUnknownTags(o: unknown): number {
  if (Array.isArray(o)) return o.reduce((n: number, x) => n + countUnknownTags(x), 0);
  if (o === null || typeof o !== "object" || Buffer.isBuffer(o)) return 0;
  let n = 0;
  for (const [k, v] of Object.entries(o)) {
    if (k === "unknownTaggedFields") n += (v as TaggedField[]).length;
    else n += countUnknownTags(v);
  }
  return n;
}

export function unknownTags(...tags: number[]): TaggedField[] {
  return tags.map((tag) => ({ tag, data: Buffer.from(`u${tag}`) }));
}

// @types/node 20.9 declares Buffer against the pre-TS-5.7 Uint8Array, so TypeScript 6 refuses a
// Buffer where Buffer methods expect a Uint8Array. These wrappers hold the casts in one place.
type U8 = Uint8Array;
export function bytesEqual(a: Buffer, b: Buffer): boolean {
  return a.equals(b as unknown as U8);
}
export function concatBytes(list: Buffer[]): Buffer {
  return Buffer.concat(list as unknown as U8[]);
}
export function copyBytes(b: Buffer): Buffer {
  return Buffer.from(b as unknown as U8);
}
