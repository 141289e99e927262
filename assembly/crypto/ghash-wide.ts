// Wide GHASH (NIST SP 800-38D §6.4) for long inputs: 16 interleaved Horner streams in the 16
// byte lanes of v128, multiplied by H^16 with in-register 4-bit tables.
//
// GHASH_H(X_1..X_n) = sum X_i * H^(n-i+1). Grouping the blocks 16 at a time, block t of every
// group belongs to stream t, and each stream runs Horner's rule with the multiplier H^16:
// S_t <- S_t * H^16 ^ X_t. After the last group, sum S_t * H^(16-t) is a 16-block GHASH of the
// stream states (done by ghash.ts). Multiplication by the fixed H^16 is GF(2)-linear, so it is a
// sum over the 32 nibbles of the input of 16-entry tables; with the states transposed (vector j
// holds byte j of all 16 streams) every lookup is one i8x16.swizzle of a 16-byte table (one output
// byte for one input nibble position) by the nibble values of the 16 streams.
//
// Constant time: the secret nibbles are only ever swizzle indices, a register-to-register
// shuffle; tables are read at addresses that depend on the public nibble position and output byte
// only, and no branch depends on data. Tables are derived from H at key setup (x^e * H^16 by
// shifts with a masked reduction, no secret-dependent branches).
import { ghashBlocks } from "./ghash";

// 32 input nibble positions x 16 output bytes x 16 entries.
export const GHASH_WIDE_KEY_BYTES: i32 = 32 * 16 * 16;
export const GHASH_WIDE_GROUP: i32 = 16;

const BASIS = memory.data(128 * 16, 16); // x^e * H^16, e = 0..127, during setup only
const STATE_A = memory.data(256, 16);
const STATE_B = memory.data(256, 16);
const GROUP = memory.data(256, 16);

// 16x16 byte transpose of the 16 blocks at src (block 0 xored with x0) into dst: four rounds of
// byte interleaving.
function transpose16(src: usize, x0: v128, dst: usize): void {
  let r0 = v128.xor(v128.load(src, 0), x0);
  let r1 = v128.load(src, 16);
  let r2 = v128.load(src, 32);
  let r3 = v128.load(src, 48);
  let r4 = v128.load(src, 64);
  let r5 = v128.load(src, 80);
  let r6 = v128.load(src, 96);
  let r7 = v128.load(src, 112);
  let r8 = v128.load(src, 128);
  let r9 = v128.load(src, 144);
  let r10 = v128.load(src, 160);
  let r11 = v128.load(src, 176);
  let r12 = v128.load(src, 192);
  let r13 = v128.load(src, 208);
  let r14 = v128.load(src, 224);
  let r15 = v128.load(src, 240);
  // Stage 1 of 4.
  const n0_0 = i8x16.shuffle(r0, r8, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n0_1 = i8x16.shuffle(r0, r8, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n0_2 = i8x16.shuffle(r1, r9, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n0_3 = i8x16.shuffle(r1, r9, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n0_4 = i8x16.shuffle(r2, r10, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n0_5 = i8x16.shuffle(r2, r10, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n0_6 = i8x16.shuffle(r3, r11, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n0_7 = i8x16.shuffle(r3, r11, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n0_8 = i8x16.shuffle(r4, r12, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n0_9 = i8x16.shuffle(r4, r12, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n0_10 = i8x16.shuffle(r5, r13, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n0_11 = i8x16.shuffle(r5, r13, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n0_12 = i8x16.shuffle(r6, r14, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n0_13 = i8x16.shuffle(r6, r14, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n0_14 = i8x16.shuffle(r7, r15, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n0_15 = i8x16.shuffle(r7, r15, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  r0 = n0_0;
  r1 = n0_1;
  r2 = n0_2;
  r3 = n0_3;
  r4 = n0_4;
  r5 = n0_5;
  r6 = n0_6;
  r7 = n0_7;
  r8 = n0_8;
  r9 = n0_9;
  r10 = n0_10;
  r11 = n0_11;
  r12 = n0_12;
  r13 = n0_13;
  r14 = n0_14;
  r15 = n0_15;
  // Stage 2 of 4.
  const n1_0 = i8x16.shuffle(r0, r8, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n1_1 = i8x16.shuffle(r0, r8, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n1_2 = i8x16.shuffle(r1, r9, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n1_3 = i8x16.shuffle(r1, r9, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n1_4 = i8x16.shuffle(r2, r10, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n1_5 = i8x16.shuffle(r2, r10, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n1_6 = i8x16.shuffle(r3, r11, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n1_7 = i8x16.shuffle(r3, r11, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n1_8 = i8x16.shuffle(r4, r12, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n1_9 = i8x16.shuffle(r4, r12, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n1_10 = i8x16.shuffle(r5, r13, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n1_11 = i8x16.shuffle(r5, r13, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n1_12 = i8x16.shuffle(r6, r14, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n1_13 = i8x16.shuffle(r6, r14, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n1_14 = i8x16.shuffle(r7, r15, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n1_15 = i8x16.shuffle(r7, r15, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  r0 = n1_0;
  r1 = n1_1;
  r2 = n1_2;
  r3 = n1_3;
  r4 = n1_4;
  r5 = n1_5;
  r6 = n1_6;
  r7 = n1_7;
  r8 = n1_8;
  r9 = n1_9;
  r10 = n1_10;
  r11 = n1_11;
  r12 = n1_12;
  r13 = n1_13;
  r14 = n1_14;
  r15 = n1_15;
  // Stage 3 of 4.
  const n2_0 = i8x16.shuffle(r0, r8, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n2_1 = i8x16.shuffle(r0, r8, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n2_2 = i8x16.shuffle(r1, r9, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n2_3 = i8x16.shuffle(r1, r9, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n2_4 = i8x16.shuffle(r2, r10, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n2_5 = i8x16.shuffle(r2, r10, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n2_6 = i8x16.shuffle(r3, r11, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n2_7 = i8x16.shuffle(r3, r11, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n2_8 = i8x16.shuffle(r4, r12, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n2_9 = i8x16.shuffle(r4, r12, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n2_10 = i8x16.shuffle(r5, r13, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n2_11 = i8x16.shuffle(r5, r13, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n2_12 = i8x16.shuffle(r6, r14, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n2_13 = i8x16.shuffle(r6, r14, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n2_14 = i8x16.shuffle(r7, r15, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n2_15 = i8x16.shuffle(r7, r15, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  r0 = n2_0;
  r1 = n2_1;
  r2 = n2_2;
  r3 = n2_3;
  r4 = n2_4;
  r5 = n2_5;
  r6 = n2_6;
  r7 = n2_7;
  r8 = n2_8;
  r9 = n2_9;
  r10 = n2_10;
  r11 = n2_11;
  r12 = n2_12;
  r13 = n2_13;
  r14 = n2_14;
  r15 = n2_15;
  // Stage 4 of 4.
  const n3_0 = i8x16.shuffle(r0, r8, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n3_1 = i8x16.shuffle(r0, r8, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n3_2 = i8x16.shuffle(r1, r9, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n3_3 = i8x16.shuffle(r1, r9, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n3_4 = i8x16.shuffle(r2, r10, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n3_5 = i8x16.shuffle(r2, r10, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n3_6 = i8x16.shuffle(r3, r11, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n3_7 = i8x16.shuffle(r3, r11, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n3_8 = i8x16.shuffle(r4, r12, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n3_9 = i8x16.shuffle(r4, r12, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n3_10 = i8x16.shuffle(r5, r13, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n3_11 = i8x16.shuffle(r5, r13, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n3_12 = i8x16.shuffle(r6, r14, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n3_13 = i8x16.shuffle(r6, r14, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const n3_14 = i8x16.shuffle(r7, r15, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const n3_15 = i8x16.shuffle(r7, r15, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  r0 = n3_0;
  r1 = n3_1;
  r2 = n3_2;
  r3 = n3_3;
  r4 = n3_4;
  r5 = n3_5;
  r6 = n3_6;
  r7 = n3_7;
  r8 = n3_8;
  r9 = n3_9;
  r10 = n3_10;
  r11 = n3_11;
  r12 = n3_12;
  r13 = n3_13;
  r14 = n3_14;
  r15 = n3_15;
  v128.store(dst, r0, 0);
  v128.store(dst, r1, 16);
  v128.store(dst, r2, 32);
  v128.store(dst, r3, 48);
  v128.store(dst, r4, 64);
  v128.store(dst, r5, 80);
  v128.store(dst, r6, 96);
  v128.store(dst, r7, 112);
  v128.store(dst, r8, 128);
  v128.store(dst, r9, 144);
  v128.store(dst, r10, 160);
  v128.store(dst, r11, 176);
  v128.store(dst, r12, 192);
  v128.store(dst, r13, 208);
  v128.store(dst, r14, 224);
  v128.store(dst, r15, 240);
}

// dst = M(src) ^ xt for the transposed stream states src, M = multiplication by H^16.
function mulGroup(wtbl: usize, src: usize, xt: usize, dst: usize): void {
  const m = i8x16.splat(0x0f);
  for (let h: usize = 0; h < 256; h += 128) {
    // Output bytes h/16 .. h/16 + 7.
    let a0 = v128.load(xt + h, 0), a1 = v128.load(xt + h, 16), a2 = v128.load(xt + h, 32), a3 = v128.load(xt + h, 48);
    let a4 = v128.load(xt + h, 64), a5 = v128.load(xt + h, 80), a6 = v128.load(xt + h, 96), a7 = v128.load(xt + h, 112);
    for (let b: usize = 0; b < 16; b++) {
      const v = v128.load(src + (b << 4));
      for (let n: usize = 0; n < 2; n++) {
        // Nibble k = 2b + n of every stream: low nibble for n = 0, high nibble for n = 1.
        const idx = v128.and(n == 0 ? v : i16x8.shr_u(v, 4), m);
        const t = wtbl + (((b << 1) + n) << 8) + h;
        a0 = v128.xor(a0, i8x16.swizzle(v128.load(t, 0), idx));
        a1 = v128.xor(a1, i8x16.swizzle(v128.load(t, 16), idx));
        a2 = v128.xor(a2, i8x16.swizzle(v128.load(t, 32), idx));
        a3 = v128.xor(a3, i8x16.swizzle(v128.load(t, 48), idx));
        a4 = v128.xor(a4, i8x16.swizzle(v128.load(t, 64), idx));
        a5 = v128.xor(a5, i8x16.swizzle(v128.load(t, 80), idx));
        a6 = v128.xor(a6, i8x16.swizzle(v128.load(t, 96), idx));
        a7 = v128.xor(a7, i8x16.swizzle(v128.load(t, 112), idx));
      }
    }
    v128.store(dst + h, a0, 0);
    v128.store(dst + h, a1, 16);
    v128.store(dst + h, a2, 32);
    v128.store(dst + h, a3, 48);
    v128.store(dst + h, a4, 64);
    v128.store(dst + h, a5, 80);
    v128.store(dst + h, a6, 96);
    v128.store(dst + h, a7, 112);
  }
}

// Multiplies the block at p by x in place (SP 800-38D §6.3 bit order: a right shift of the
// 128-bit big-endian value, reduced by R = 11100001 || 0^120 when a bit falls off).
function mulX(p: usize): void {
  let hi = bswap<u64>(load<u64>(p, 0));
  let lo = bswap<u64>(load<u64>(p, 8));
  const carry = lo & 1;
  lo = (lo >> 1) | (hi << 63);
  hi = (hi >> 1) ^ (<u64>0xe1 << 56 & (0 - carry));
  store<u64>(p, bswap<u64>(hi), 0);
  store<u64>(p, bswap<u64>(lo), 8);
}

// Builds the tables from G = H^16 (16 bytes, SP 800-38D byte order) into wtbl.
// Table (k, j) at wtbl + (k * 16 + j) * 16, entry v = byte j of (nibble value v at nibble
// position k) * G. Nibble k is the low (k even) or high (k odd) half of byte k / 2; bit t of it
// is bit 4 * (k & 1) + t of that byte, i.e. the coefficient of x^(8 * (k >> 1) + 7 - 4 * (k & 1) - t).
export function ghashWideInit(wtbl: usize, g: usize): void {
  v128.store(BASIS, v128.load(g));
  for (let e: usize = 1; e < 128; e++) {
    v128.store(BASIS + (e << 4), v128.load(BASIS + ((e - 1) << 4)));
    mulX(BASIS + (e << 4));
  }
  for (let k = 0; k < 32; k++) {
    const top = 8 * (k >> 1) + 7 - 4 * (k & 1);
    for (let v = 0; v < 16; v++) {
      let t = i64x2.splat(0);
      for (let b = 0; b < 4; b++) {
        // v and b are public table coordinates; the basis vectors are what is secret.
        if (((v >> b) & 1) != 0) t = v128.xor(t, v128.load(BASIS + (<usize>(top - b) << 4)));
      }
      v128.store(GROUP, t);
      for (let j = 0; j < 16; j++) {
        store<u8>(wtbl + <usize>(((k * 16 + j) << 4) + v), load<u8>(GROUP + <usize>j));
      }
    }
  }
  memory.fill(BASIS, 0, 128 * 16);
  memory.fill(GROUP, 0, 256);
}

// Folds groups * 16 whole blocks at data into the 16-byte GHASH state y (SP 800-38D byte
// order); tbl is the ghash.ts table (H^1..H^8), wtbl the table from ghashWideInit.
export function ghashWide(wtbl: usize, tbl: usize, y: usize, data: usize, groups: i32): void {
  let cur = STATE_A, next = STATE_B;
  // The state enters with the first block (Y ^ X_1).
  transpose16(data, v128.load(y), cur);
  const zero = i64x2.splat(0);
  for (let g = 1; g < groups; g++) {
    transpose16(data + (<usize>g << 8), zero, GROUP);
    mulGroup(wtbl, cur, GROUP, next);
    const t = cur;
    cur = next;
    next = t;
  }
  // Back to 16 blocks (stream states), then sum S_t * H^(16-t) as a 16-block GHASH from zero.
  transpose16(cur, zero, next);
  v128.store(y, zero);
  ghashBlocks(tbl, y, next, 16);
  memory.fill(STATE_A, 0, 256);
  memory.fill(STATE_B, 0, 256);
  memory.fill(GROUP, 0, 256);
}
