// AES-256-GCM (NIST SP 800-38D) with 96-bit IVs over the bitsliced AES (aes.ts), the
// table-free GHASH (ghash.ts) and, for inputs of 32 blocks and more, the wide SIMD GHASH
// (ghash-wide.ts).
//
// Constant time: AES and GHASH are constant time (see their headers); this file only adds
// branches and addresses that depend on public lengths. The tag is compared by or-ing the xor
// of all 16 bytes (no early exit), and gcmOpen authenticates the ciphertext before it produces
// any plaintext, so a forged message never releases decrypted bytes. Scratch buffers holding
// keystream or GHASH state are zeroed before returning.
//
// Memory: the caller owns every buffer. A context is GCM_CONTEXT_BYTES at a 16-byte aligned
// address:
//   [0, 1920)     bitsliced AES-256 round keys (aes.ts)
//   [1920, 3456)  GHASH key: H^1..H^8 in masked form (ghash.ts)
//   [3456, 11648) wide GHASH key: 4-bit tables of multiplication by H^16 (ghash-wide.ts)
//   [11648, 15744) counter-mode round-1 table (aes.ts, aes256CtrInit)
import {
  AES256_CTR_TABLE_BYTES, AES256_ROUND_KEY_BYTES, aes256CtrBatch, aes256CtrConst, aes256CtrInit, aes256Encrypt8,
  aes256ExpandKey,
} from "./aes";
import { GHASH_KEY_BYTES, ghashBlocks, ghashInit, ghashJobFinish, ghashJobStart, ghashPowerBytes } from "./ghash";
import { GHASH_WIDE_GROUP, GHASH_WIDE_KEY_BYTES, ghashWide, ghashWideInit } from "./ghash-wide";

export const GCM_CONTEXT_BYTES: i32 = AES256_ROUND_KEY_BYTES + GHASH_KEY_BYTES + GHASH_WIDE_KEY_BYTES + AES256_CTR_TABLE_BYTES;
const GHASH_KEY_OFFSET: usize = <usize>AES256_ROUND_KEY_BYTES;
const GHASH_WIDE_OFFSET: usize = <usize>(AES256_ROUND_KEY_BYTES + GHASH_KEY_BYTES);
const CTR_TABLE_OFFSET: usize = <usize>(AES256_ROUND_KEY_BYTES + GHASH_KEY_BYTES + GHASH_WIDE_KEY_BYTES);
// Ciphertexts of at least this many whole blocks take the wide (16-stream SIMD) GHASH; below it
// the fixed costs of the wide path (transposes, final 16-block combination) do not pay off.
const WIDE_MIN_BLOCKS: i32 = 32;

const CTR = memory.data(128, 16); // 8 counter blocks
const KS = memory.data(128, 16); // their keystream
const R1 = memory.data(128, 16); // round-1 state of the current 256-counter segment (aes256CtrConst)
const Y = memory.data(16, 16); // GHASH state
const BLK = memory.data(16, 16); // padded partial block
const TAIL = memory.data(160, 16); // last blocks of C, padded, and the length block

// Expands key (32 bytes) into ctx: AES key schedule (FIPS 197 §5.2) and the GHASH key
// H = CIPH_K(0^128) (SP 800-38D §7.1 step 1) with its powers.
export function gcmInit(ctx: usize, key: usize): void {
  aes256ExpandKey(ctx, key);
  aes256CtrInit(ctx, ctx + CTR_TABLE_OFFSET);
  memory.fill(CTR, 0, 128);
  aes256Encrypt8(ctx, CTR, KS);
  ghashInit(ctx + GHASH_KEY_OFFSET, KS);
  // H^16 = H^8 * H^8: an 8-block GHASH of H^8, 0, ..., 0 from a zero state.
  memory.fill(KS, 0, 128);
  ghashPowerBytes(ctx + GHASH_KEY_OFFSET, 7, KS);
  v128.store(Y, i64x2.splat(0));
  ghashBlocks(ctx + GHASH_KEY_OFFSET, Y, KS, 8);
  ghashWideInit(ctx + GHASH_WIDE_OFFSET, Y);
  memory.fill(KS, 0, 128);
  v128.store(Y, i64x2.splat(0));
}

// Zeroes the whole context (retired keys leave no schedule behind).
export function gcmWipe(ctx: usize): void {
  memory.fill(ctx, 0, <usize>GCM_CONTEXT_BYTES);
}

// Encrypts the 8 counter blocks IV || [c .. c+7]32 into KS (SP 800-38D §6.2 inc32, §6.5 GCTR).
// @ts-ignore: decorator
@inline function keystream8(ctx: usize, base: v128, c: u32): void {
  for (let i: u32 = 0; i < 8; i++) {
    v128.store(CTR + (<usize>i << 4), i32x4.replace_lane(base, 3, bswap<u32>(c + i)));
  }
  aes256Encrypt8(ctx, CTR, KS);
}

// @ts-ignore: decorator
@inline function counterBase(iv: usize): v128 {
  // J0 = IV || 0^31 || 1 for a 96-bit IV (SP 800-38D §7.1 step 2); lane 3 is the counter.
  return i32x4.replace_lane(i64x2.replace_lane(i64x2.splat(0), 0, load<u64>(iv)), 2, load<u32>(iv, 8));
}

function xorBytes(dst: usize, src: usize, ks: usize, n: i32): void {
  while (n >= 16) {
    v128.store(dst, v128.xor(v128.load(src), v128.load(ks)));
    dst += 16; src += 16; ks += 16; n -= 16;
  }
  while (n > 0) {
    store<u8>(dst, load<u8>(src) ^ load<u8>(ks));
    dst++; src++; ks++; n--;
  }
}

// Keystream for the aligned counters c .. c+7 (c a multiple of 8, at least 8) into KS, with
// ghashSteps steps of the pending GHASH job; hi tracks the counter segment (c >> 8) whose
// round-1 state R1 holds (SP 800-38D §6.2 inc32, §6.5 GCTR).
// @ts-ignore: decorator
@inline function keystreamAligned(ctx: usize, iv: usize, c: u32, hi: u32, ghashSteps: i32): u32 {
  if ((c >> 8) != hi) {
    hi = c >> 8;
    // IV || counter bytes 12..14 (byte 15 is supplied per batch).
    store<u64>(BLK, load<u64>(iv));
    store<u32>(BLK, load<u32>(iv, 8), 8);
    store<u32>(BLK, bswap<u32>(hi << 8), 12);
    aes256CtrConst(ctx, BLK, R1);
  }
  aes256CtrBatch(ctx, ctx + CTR_TABLE_OFFSET, R1, c, KS, ghashSteps);
  return hi;
}

// GCTR (SP 800-38D §6.5) from inc32(J0). The first batch (counters 1..8, computed by the caller
// into KS) gives CIPH_K(J0) and the first 7 data blocks; later batches run on aligned counters
// 8m .. 8m+7, and in the one for m = 1 counter 8 is skipped (already used).
function gctr(ctx: usize, iv: usize, src: usize, len: i32, dst: usize): void {
  let n = len < 112 ? len : 112;
  xorBytes(dst, src, KS + 16, n);
  let off = n;
  let c: u32 = 8;
  let hi: u32 = 0xffffffff;
  while (off < len) {
    hi = keystreamAligned(ctx, iv, c, hi, 0);
    const skip: i32 = c == 8 ? 16 : 0;
    n = len - off < 128 - skip ? len - off : 128 - skip;
    xorBytes(dst + <usize>off, src + <usize>off, KS + <usize>skip, n);
    off += n;
    c += 8;
  }
}

// GHASH of a byte string zero-padded to whole blocks (the 0^v and 0^u of §7.1 step 5).
function ghashPadded(tbl: usize, p: usize, n: i32): void {
  const full = n >> 4;
  if (full > 0) ghashBlocks(tbl, Y, p, full);
  const rem = n & 15;
  if (rem != 0) {
    v128.store(BLK, i64x2.splat(0));
    memory.copy(BLK, p + (<usize>full << 4), <usize>rem);
    ghashBlocks(tbl, Y, BLK, 1);
  }
}

// Folds the longest prefix of c made of whole 16-block groups into Y with the wide GHASH, when
// the input is long enough; returns the number of bytes consumed.
function ghashWidePrefix(ctx: usize, c: usize, len: i32): i32 {
  const blocks = len >> 4;
  if (blocks < WIDE_MIN_BLOCKS) return 0;
  const groups = blocks / GHASH_WIDE_GROUP;
  ghashWide(ctx + GHASH_WIDE_OFFSET, ctx + GHASH_KEY_OFFSET, Y, c, groups);
  return groups * GHASH_WIDE_GROUP * 16;
}

// The end of §7.1 step 5: GHASH of the last n bytes of C (at c, zero-padded to whole blocks,
// the 0^u) followed by [len(A)]64 || [len(C)]64, gathered into one buffer so that a short record
// pays for a single reduction.
function ghashTail(tbl: usize, c: usize, n: i32, aadLen: i32, len: i32): void {
  let full = n >> 4;
  if (full > 8) {
    const k = full - 8;
    ghashBlocks(tbl, Y, c, k);
    c += <usize>(k << 4);
    n -= k << 4;
  }
  const blocks = (n + 15) >> 4;
  memory.copy(TAIL, c, <usize>n);
  memory.fill(TAIL + <usize>n, 0, <usize>((blocks << 4) - n));
  const lengths = TAIL + <usize>(blocks << 4);
  store<u64>(lengths, bswap<u64>(<u64>aadLen << 3));
  store<u64>(lengths, bswap<u64>(<u64>len << 3), 8);
  ghashBlocks(tbl, Y, TAIL, blocks + 1);
}

// S = GHASH_H(A || 0^v || C || 0^u || [len(A)]64 || [len(C)]64) into Y (§7.1 step 5, §7.2 step 6).
function ghashMessage(ctx: usize, aad: usize, aadLen: i32, c: usize, len: i32): void {
  const tbl = ctx + GHASH_KEY_OFFSET;
  v128.store(Y, i64x2.splat(0));
  ghashPadded(tbl, aad, aadLen);
  const wide = ghashWidePrefix(ctx, c, len);
  ghashTail(tbl, c + <usize>wide, len - wide, aadLen, len);
}

function wipeScratch(): void {
  memory.fill(KS, 0, 128);
  memory.fill(R1, 0, 128);
  memory.fill(TAIL, 0, 160);
  v128.store(Y, i64x2.splat(0));
  v128.store(BLK, i64x2.splat(0));
}

// Authenticated encryption (SP 800-38D §7.1): len bytes from src to dst (may be the same
// buffer), the 16-byte tag to tag. Records under 32 blocks take one pass in which the scalar
// GHASH of each batch's ciphertext runs between the vector AES rounds of the next batch; longer
// ones run CTR first and then the wide SIMD GHASH over the ciphertext.
export function gcmSeal(ctx: usize, iv: usize, aad: usize, aadLen: i32, src: usize, len: i32, dst: usize, tag: usize): void {
  const tbl = ctx + GHASH_KEY_OFFSET;
  const base = counterBase(iv);
  if ((len >> 4) >= WIDE_MIN_BLOCKS) {
    // Long messages: CTR over everything, then the wide GHASH over the ciphertext.
    keystream8(ctx, base, 1);
    const mask0 = v128.load(KS);
    gctr(ctx, iv, src, len, dst);
    ghashMessage(ctx, aad, aadLen, dst, len);
    v128.store(tag, v128.xor(mask0, v128.load(Y)));
    wipeScratch();
    return;
  }
  // §7.1 step 5 begins with A || 0^v.
  v128.store(Y, i64x2.splat(0));
  ghashPadded(tbl, aad, aadLen);
  // Counters J0, inc32(J0), ...: block 0 gives CIPH_K(J0) for the tag (§7.1 step 6), blocks 1..7
  // the first 112 bytes of keystream (§7.1 step 3, GCTR from inc32(J0)).
  keystream8(ctx, base, 1);
  const mask = v128.load(KS);
  let n = len < 112 ? len : 112;
  xorBytes(dst, src, KS + 16, n);
  let pending = dst;
  let pendingBlocks = n >> 4;
  let off = n;
  let c: u32 = 8;
  let hi: u32 = 0xffffffff;
  while (off < len) {
    if (pendingBlocks > 0) ghashJobStart(tbl, Y, pending, pendingBlocks);
    hi = keystreamAligned(ctx, iv, c, hi, pendingBlocks);
    if (pendingBlocks > 0) ghashJobFinish();
    const skip: i32 = c == 8 ? 16 : 0;
    n = len - off < 128 - skip ? len - off : 128 - skip;
    xorBytes(dst + <usize>off, src + <usize>off, KS + <usize>skip, n);
    pending = dst + <usize>off;
    pendingBlocks = n >> 4;
    off += n;
    c += 8;
  }
  // The last batch's blocks (at most 8 whole ones and a partial one), 0^u and the lengths.
  ghashTail(tbl, pending, len - <i32>(pending - dst), aadLen, len);
  // §7.1 step 6: T = MSB_128(GCTR_K(J0, S)) = CIPH_K(J0) ^ S.
  v128.store(tag, v128.xor(mask, v128.load(Y)));
  wipeScratch();
}

// Authenticated decryption (SP 800-38D §7.2). Returns false, leaving dst untouched, unless the
// tag verifies; only then is the ciphertext decrypted into dst (may equal src).
export function gcmOpen(ctx: usize, iv: usize, aad: usize, aadLen: i32, src: usize, len: i32, tag: usize, dst: usize): bool {
  const base = counterBase(iv);
  // §7.2 steps 5-7: S from the ciphertext, T' = CIPH_K(J0) ^ S, compared before decrypting.
  ghashMessage(ctx, aad, aadLen, src, len);
  keystream8(ctx, base, 1);
  const d = v128.xor(v128.xor(v128.load(KS), v128.load(Y)), v128.load(tag));
  const diff = i64x2.extract_lane(d, 0) | i64x2.extract_lane(d, 1);
  if (diff != 0) {
    wipeScratch();
    return false;
  }
  // §7.2 step 3: P = GCTR_K(inc32(J0), C).
  gctr(ctx, iv, src, len, dst);
  wipeScratch();
  return true;
}
