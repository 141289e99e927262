// Raw AES-GCM exports for differential tests only (build/test/gcm-test.wasm); never shipped.
// A bump allocator hands out 16-byte aligned buffers; reset() frees them all.
import { GCM_CONTEXT_BYTES, gcmInit, gcmOpen, gcmSeal, gcmWipe } from "./gcm";
import {
  AES256_CTR_TABLE_BYTES, aes256CtrBatch, aes256CtrConst, aes256CtrInit, aes256Encrypt8, aes256ExpandKey,
  AES256_ROUND_KEY_BYTES,
} from "./aes";
import { GHASH_KEY_BYTES, ghashBlocks, ghashInit } from "./ghash";
import { GHASH_WIDE_KEY_BYTES, ghashWide, ghashWideInit } from "./ghash-wide";

const BASE: usize = (__heap_base + 15) & ~(<usize>15);
let top: usize = BASE;

export function reset(): void {
  top = BASE;
}

export function alloc(n: i32): usize {
  const p = top;
  top = (top + <usize>n + 15) & ~(<usize>15);
  const have = <usize>memory.size() << 16;
  if (top > have) {
    if (memory.grow(<i32>((top - have + 0xffff) >> 16)) < 0) unreachable();
  }
  return p;
}

export function contextBytes(): i32 {
  return GCM_CONTEXT_BYTES;
}

export function init(ctx: usize, key: usize): void {
  gcmInit(ctx, key);
}

export function wipe(ctx: usize): void {
  gcmWipe(ctx);
}

export function seal(ctx: usize, iv: usize, aad: usize, aadLen: i32, src: usize, len: i32, dst: usize, tag: usize): void {
  gcmSeal(ctx, iv, aad, aadLen, src, len, dst, tag);
}

export function open(ctx: usize, iv: usize, aad: usize, aadLen: i32, src: usize, len: i32, tag: usize, dst: usize): i32 {
  return gcmOpen(ctx, iv, aad, aadLen, src, len, tag, dst) ? 1 : 0;
}

// Seals the same message `count` times (benchmark loop without per-call JS overhead).
export function sealRepeat(ctx: usize, iv: usize, aad: usize, aadLen: i32, src: usize, len: i32, dst: usize, tag: usize, count: i32): void {
  for (let i = 0; i < count; i++) gcmSeal(ctx, iv, aad, aadLen, src, len, dst, tag);
}

// Raw primitives for profiling: 8-block AES, GHASH over n blocks.
export function aesBlocks8(rk: usize, src: usize, dst: usize, count: i32): void {
  for (let i = 0; i < count; i++) aes256Encrypt8(rk, src, dst);
}

export function aesKey(rk: usize, key: usize): void {
  aes256ExpandKey(rk, key);
}

export function aesKeyBytes(): i32 {
  return AES256_ROUND_KEY_BYTES;
}

export function ghashKey(tbl: usize, h: usize): void {
  ghashInit(tbl, h);
}

export function ghashKeyBytes(): i32 {
  return GHASH_KEY_BYTES;
}

export function ghash(tbl: usize, y: usize, data: usize, n: i32): void {
  ghashBlocks(tbl, y, data, n);
}

export function ghashWideKey(wtbl: usize, h16: usize): void {
  ghashWideInit(wtbl, h16);
}

export function ghashWideKeyBytes(): i32 {
  return GHASH_WIDE_KEY_BYTES;
}

// Wide GHASH over groups * 16 blocks (tbl: ghashKey table of H, wtbl: ghashWideKey table of H^16).
export function ghashWideGroups(wtbl: usize, tbl: usize, y: usize, data: usize, groups: i32): void {
  ghashWide(wtbl, tbl, y, data, groups);
}

// Counter-mode batches (round 1 precomputed): count batches from counter 8 on, keystream to dst.
export function aesCtrBatches(rk: usize, tbl: usize, r: usize, iv16: usize, dst: usize, count: i32): void {
  aes256CtrInit(rk, tbl);
  aes256CtrConst(rk, iv16, r);
  for (let i = 0; i < count; i++) aes256CtrBatch(rk, tbl, r, <u32>(8 + ((i & 30) << 3)), dst, 0);
}

export function aesCtrTableBytes(): i32 {
  return AES256_CTR_TABLE_BYTES;
}
