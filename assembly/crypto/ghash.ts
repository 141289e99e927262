// GHASH (NIST SP 800-38D §6.4) with a constant-time carry-less multiplier, no tables.
//
// Constant time: GF(2^128) products are built from ordinary 64-bit integer multiplications
// "with holes": each operand is split into four copies that keep only every 4th bit, so in every
// integer product the bits of one residue class mod 4 sum at most 16 terms, and carries can only
// land in the other three classes, which are masked away. Integer multiplication runs in constant
// time on the targets we care about, and nothing indexes memory or branches on secret data.
//
// Only the low 64 bits of a 64x64 product are available in WebAssembly, so the high half comes
// from the bit-reversed operands: hi(x*y) = rev(lo(rev(x)*rev(y))) >> 1. A 128x128 product uses
// Karatsuba (3 half products, so 6 multiplier calls of 16 integer multiplies).
//
// Polynomials are kept in "natural" order (bit i of a word = coefficient of x^i). The block byte
// order of SP 800-38D §6.3 (first byte's most significant bit = x^0) becomes natural order by a
// little-endian load followed by a bit reversal inside every byte; the bit-reversed words needed
// for the high halves are simply the big-endian loads.
//
// Aggregation: up to 8 blocks are multiplied by H^8..H^1 and summed before one reduction
// (Y_i = (Y_{i-1} ^ X_i) * H, §6.4 Algorithm 2, unrolled).

// Per power of H: six operands (h0, h1, h0^h1 natural; the same three bit-reversed), each as 4
// masked copies (8 bytes each).
const POWER_BYTES: i32 = 6 * 4 * 8;
export const GHASH_POWERS: i32 = 8;
export const GHASH_KEY_BYTES: i32 = GHASH_POWERS * POWER_BYTES;

const M0: u64 = 0x1111111111111111;
const M1: u64 = 0x2222222222222222;
const M2: u64 = 0x4444444444444444;
const M3: u64 = 0x8888888888888888;

const TMP = memory.data(32, 16);

// Bit reversal of each byte (nibble table in a register: swizzle indices are constant-time).
// @ts-ignore: decorator
@inline function revBitsInBytes(v: v128): v128 {
  const tbl = i8x16(0x0, 0x8, 0x4, 0xc, 0x2, 0xa, 0x6, 0xe, 0x1, 0x9, 0x5, 0xd, 0x3, 0xb, 0x7, 0xf);
  const m = i8x16.splat(0x0f);
  const lo = i8x16.swizzle(tbl, v128.and(v, m));
  const hi = i8x16.swizzle(tbl, v128.and(i16x8.shr_u(v, 4), m));
  return v128.or(i16x8.shl(lo, 4), hi);
}

// Byte reversal inside each 64-bit lane.
// @ts-ignore: decorator
@inline function revBytes64(v: v128): v128 {
  return i8x16.shuffle(v, v, 7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8);
}

// @ts-ignore: decorator
@inline function rev64(x: u64): u64 {
  x = ((x >> 1) & 0x5555555555555555) | ((x & 0x5555555555555555) << 1);
  x = ((x >> 2) & 0x3333333333333333) | ((x & 0x3333333333333333) << 2);
  x = ((x >> 4) & 0x0f0f0f0f0f0f0f0f) | ((x & 0x0f0f0f0f0f0f0f0f) << 4);
  x = ((x >> 8) & 0x00ff00ff00ff00ff) | ((x & 0x00ff00ff00ff00ff) << 8);
  x = ((x >> 16) & 0x0000ffff0000ffff) | ((x & 0x0000ffff0000ffff) << 16);
  return rotr<u64>(x, 32);
}

// Low 64 bits of the carry-less product x * y, y given as its 4 masked copies at p.
// @ts-ignore: decorator
@inline function bmul64(x: u64, p: usize): u64 {
  const x0 = x & M0, x1 = x & M1, x2 = x & M2, x3 = x & M3;
  const y0 = load<u64>(p, 0), y1 = load<u64>(p, 8), y2 = load<u64>(p, 16), y3 = load<u64>(p, 24);
  const z0 = (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
  const z1 = (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
  const z2 = (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
  const z3 = (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);
  return (z0 & M0) | (z1 & M1) | (z2 & M2) | (z3 & M3);
}

// @ts-ignore: decorator
@inline function putMasked(p: usize, y: u64): void {
  store<u64>(p, y & M0, 0);
  store<u64>(p, y & M1, 8);
  store<u64>(p, y & M2, 16);
  store<u64>(p, y & M3, 24);
}

// Stores one power of H, given as a 16-byte block in SP 800-38D byte order, at table slot k.
function putPower(tbl: usize, k: i32, block: usize): void {
  const nat = revBitsInBytes(v128.load(block));
  const h0 = i64x2.extract_lane(nat, 0), h1 = i64x2.extract_lane(nat, 1);
  const p = tbl + <usize>(k * POWER_BYTES);
  putMasked(p, h0);
  putMasked(p + 32, h1);
  putMasked(p + 64, h0 ^ h1);
  putMasked(p + 96, rev64(h0));
  putMasked(p + 128, rev64(h1));
  putMasked(p + 160, rev64(h0 ^ h1));
}

// Computes H^1..H^8 from H (16 bytes, SP 800-38D byte order) into tbl (GHASH_KEY_BYTES).
export function ghashInit(tbl: usize, h: usize): void {
  putPower(tbl, 0, h);
  // H^(k+1) = H^k * H: a one-block GHASH of H^k from a zero state multiplies it by H.
  v128.store(TMP, v128.load(h));
  for (let k = 1; k < GHASH_POWERS; k++) {
    v128.store(TMP + 16, i64x2.splat(0));
    ghashBlocks(tbl, TMP + 16, TMP, 1);
    v128.store(TMP, v128.load(TMP + 16));
    putPower(tbl, k, TMP);
  }
  v128.store(TMP, i64x2.splat(0));
  v128.store(TMP + 16, i64x2.splat(0));
}

// A GHASH job: up to 8 whole blocks multiplied by H^m..H^1 and summed, then reduced once. It is
// split into steps so that aes.ts can interleave the steps with its SIMD rounds (the multiplier
// work here runs on the scalar units, the AES rounds on the vector units). Layout of JOB:
//   0 table (usize)   4 data (usize)   8 blocks m (i32)   12 state y (usize)
//   16..64  six u64 accumulators: lo natural, hi bit-reversed of the three Karatsuba products.
export const JOB = memory.data(64, 16);

// Starts a job over m (1..8) blocks at data, to be folded into the 16-byte state at y.
// @ts-ignore: decorator
@inline export function ghashJobStart(tbl: usize, y: usize, data: usize, m: i32): void {
  store<usize>(JOB, tbl, 0);
  store<usize>(JOB, data, 4);
  store<i32>(JOB, m, 8);
  store<usize>(JOB, y, 12);
  memory.fill(JOB + 16, 0, 48);
}

// Absorbs block i of the current job (Y_{i} ^ X_i for i = 0, times H^(m-i)).
// @ts-ignore: decorator
@inline export function ghashJobStep(i: i32): void {
  const m = load<i32>(JOB, 8);
  let x = v128.load(load<usize>(JOB, 4) + (<usize>i << 4));
  if (i == 0) x = v128.xor(x, v128.load(load<usize>(JOB, 12)));
  const p = load<usize>(JOB, 0) + <usize>((m - 1 - i) * POWER_BYTES);
  const nat = revBitsInBytes(x);
  const rev = revBytes64(x);
  const a0 = i64x2.extract_lane(nat, 0), a1 = i64x2.extract_lane(nat, 1);
  const r0 = i64x2.extract_lane(rev, 0), r1 = i64x2.extract_lane(rev, 1);
  store<u64>(JOB, load<u64>(JOB, 16) ^ bmul64(a0, p), 16);
  store<u64>(JOB, load<u64>(JOB, 24) ^ bmul64(r0, p + 96), 24);
  store<u64>(JOB, load<u64>(JOB, 32) ^ bmul64(a1, p + 32), 32);
  store<u64>(JOB, load<u64>(JOB, 40) ^ bmul64(r1, p + 128), 40);
  store<u64>(JOB, load<u64>(JOB, 48) ^ bmul64(a0 ^ a1, p + 64), 48);
  store<u64>(JOB, load<u64>(JOB, 56) ^ bmul64(r0 ^ r1, p + 160), 56);
}

// Recombines, reduces and stores the new state (§6.3 multiplication, §6.4 Algorithm 2).
export function ghashJobFinish(): void {
  const llo = load<u64>(JOB, 16), hlo = load<u64>(JOB, 32), mlo = load<u64>(JOB, 48);
  const lhi = rev64(load<u64>(JOB, 24)) >> 1, hhi = rev64(load<u64>(JOB, 40)) >> 1, mhi = rev64(load<u64>(JOB, 56)) >> 1;
  // 256-bit product p3:p2:p1:p0 (Karatsuba recombination).
  const p0 = llo;
  const p1 = lhi ^ mlo ^ llo ^ hlo;
  const p2 = hlo ^ mhi ^ lhi ^ hhi;
  const p3 = hhi;
  // Reduction modulo x^128 + x^7 + x^2 + x + 1 (§6.3): x^128 = x^7 + x^2 + x + 1, twice.
  const v = (p3 >> 63) ^ (p3 >> 62) ^ (p3 >> 57);
  const z0 = p0 ^ p2 ^ (p2 << 1) ^ (p2 << 2) ^ (p2 << 7) ^ v ^ (v << 1) ^ (v << 2) ^ (v << 7);
  const z1 = p1 ^ p3 ^ ((p3 << 1) | (p2 >> 63)) ^ ((p3 << 2) | (p2 >> 62)) ^ ((p3 << 7) | (p2 >> 57));
  v128.store(load<usize>(JOB, 12), revBitsInBytes(i64x2.replace_lane(i64x2.splat(z0), 1, z1)));
  memory.fill(JOB + 16, 0, 48);
}

// Writes H^(k+1) (table slot k) as a 16-byte block in SP 800-38D byte order.
export function ghashPowerBytes(tbl: usize, k: i32, out: usize): void {
  const p = tbl + <usize>(k * POWER_BYTES);
  const h0 = load<u64>(p, 0) | load<u64>(p, 8) | load<u64>(p, 16) | load<u64>(p, 24);
  const h1 = load<u64>(p, 32) | load<u64>(p, 40) | load<u64>(p, 48) | load<u64>(p, 56);
  v128.store(out, revBitsInBytes(i64x2.replace_lane(i64x2.splat(h0), 1, h1)));
}

// GHASH update (SP 800-38D §6.4): folds n whole 16-byte blocks at data into the 16-byte state
// y (SP 800-38D byte order) with the table from ghashInit.
export function ghashBlocks(tbl: usize, y: usize, data: usize, n: i32): void {
  while (n > 0) {
    const m = n < GHASH_POWERS ? n : GHASH_POWERS;
    ghashJobStart(tbl, y, data, m);
    for (let i = 0; i < m; i++) ghashJobStep(i);
    ghashJobFinish();
    data += <usize>(m << 4);
    n -= m;
  }
}
