// Bitsliced AES-256 encryption over WebAssembly SIMD, 8 blocks per call (FIPS 197).
//
// Constant time: no table is indexed by secret data (the only table, the counter-mode round-1
// table at the end, is indexed by the public counter). The 8 blocks are transposed so that v128
// plane j holds bit j of every state byte of all 8 blocks (bit b of a plane byte = block b).
// SubBytes is then a fixed boolean circuit (and/xor only) evaluated on the 8 planes, ShiftRows is
// a fixed byte permutation (swizzle with constant indices), MixColumns 32-bit lane rotations and
// xors, and AddRoundKey xors precomputed key planes. Every instruction and every memory address is
// independent of the key and the data; the only branches depend on the public round counter and
// call flags.
//
// Plane bytes are kept row-major (byte 4 * row + column; FIPS 197 numbers state bytes
// row + 4 * column, §3.4), so a state row is one 32-bit lane: MixColumns' row rotations become
// single lane shuffles and only ShiftRows needs a byte permutation.
//
// Key planes: the round keys are stored already bitsliced (plane j byte = 0xff when bit j of the
// round-key byte is set). The S-box circuit below computes S(x) ^ 0x63 (its four output NOTs
// are dropped); since ShiftRows and MixColumns map the all-0x63 state to itself, the missing
// constant is folded into round keys 1..14 instead.
import { ghashJobStep } from "./ghash";

// Bytes of one bitsliced key schedule: 15 round keys x 8 planes x 16 bytes.
export const AES256_ROUND_KEY_BYTES: i32 = 15 * 128;

const ZERO_KEYS = memory.data(256, 16);
const SCHED = memory.data(256, 16);
const WORD = memory.data(128, 16);
// ShiftRows on a row-major plane as swizzle indices. Kept in memory so that the engine holds it in a
// register instead of rebuilding a constant for every shuffle.
const SHIFT_ROWS = memory.data<u8>([0, 1, 2, 3, 5, 6, 7, 4, 10, 11, 8, 9, 15, 12, 13, 14], 16);

// Flags of aesRounds8.
const NO_LINEAR: i32 = 1; // rounds are SubBytes and AddRoundKey only (SubWord of the key schedule)
const IN_PLANES: i32 = 2; // src (xor src2) is a bitsliced state entering round `first`
const OUT_PLANES: i32 = 4; // store the bitsliced state instead of blocks
const KEEP_15: i32 = 8; // after SubBytes, keep only state byte 15 (row 3, column 3)
const DROP_15: i32 = 16; // after SubBytes, zero state byte 15

// Runs AES rounds first..last on 8 blocks: the blocks at src (128 bytes, transposed here and
// given AddRoundKey with round key first - 1), or with IN_PLANES the bitsliced state src ^ src2.
// rk holds the bitsliced round keys (round r at rk + 128 r). Writes 8 blocks, or with OUT_PLANES
// the bitsliced state, to dst (may equal src).
// ghashSteps > 0 interleaves that many steps of the pending GHASH job (ghash.ts), one after each
// of the first rounds, so the scalar multiplier work overlaps the vector rounds.
function aesRounds8(rk: usize, src: usize, src2: usize, dst: usize, first: i32, last: i32, flags: i32, ghashSteps: i32): void {
  let q0: v128, q1: v128, q2: v128, q3: v128, q4: v128, q5: v128, q6: v128, q7: v128;
  const M55 = i8x16.splat(0x55), M33 = i8x16.splat(0x33), M0F = i8x16.splat(0x0f);
  const sr = v128.load(SHIFT_ROWS);
  let t: v128;
  if (flags & IN_PLANES) {
    q0 = v128.xor(v128.load(src, 0), v128.load(src2, 0));
    q1 = v128.xor(v128.load(src, 16), v128.load(src2, 16));
    q2 = v128.xor(v128.load(src, 32), v128.load(src2, 32));
    q3 = v128.xor(v128.load(src, 48), v128.load(src2, 48));
    q4 = v128.xor(v128.load(src, 64), v128.load(src2, 64));
    q5 = v128.xor(v128.load(src, 80), v128.load(src2, 80));
    q6 = v128.xor(v128.load(src, 96), v128.load(src2, 96));
    q7 = v128.xor(v128.load(src, 112), v128.load(src2, 112));
  } else {
    q0 = v128.load(src, 0);
    q1 = v128.load(src, 16);
    q2 = v128.load(src, 32);
    q3 = v128.load(src, 48);
    q4 = v128.load(src, 64);
    q5 = v128.load(src, 80);
    q6 = v128.load(src, 96);
    q7 = v128.load(src, 112);
    // Transpose: register b byte p bit j -> register j byte p bit b.
    t = v128.and(v128.xor(i64x2.shr_u(q0, 1), q1), M55); q1 = v128.xor(q1, t); q0 = v128.xor(q0, i64x2.shl(t, 1));
    t = v128.and(v128.xor(i64x2.shr_u(q2, 1), q3), M55); q3 = v128.xor(q3, t); q2 = v128.xor(q2, i64x2.shl(t, 1));
    t = v128.and(v128.xor(i64x2.shr_u(q4, 1), q5), M55); q5 = v128.xor(q5, t); q4 = v128.xor(q4, i64x2.shl(t, 1));
    t = v128.and(v128.xor(i64x2.shr_u(q6, 1), q7), M55); q7 = v128.xor(q7, t); q6 = v128.xor(q6, i64x2.shl(t, 1));
    t = v128.and(v128.xor(i64x2.shr_u(q0, 2), q2), M33); q2 = v128.xor(q2, t); q0 = v128.xor(q0, i64x2.shl(t, 2));
    t = v128.and(v128.xor(i64x2.shr_u(q1, 2), q3), M33); q3 = v128.xor(q3, t); q1 = v128.xor(q1, i64x2.shl(t, 2));
    t = v128.and(v128.xor(i64x2.shr_u(q4, 2), q6), M33); q6 = v128.xor(q6, t); q4 = v128.xor(q4, i64x2.shl(t, 2));
    t = v128.and(v128.xor(i64x2.shr_u(q5, 2), q7), M33); q7 = v128.xor(q7, t); q5 = v128.xor(q5, i64x2.shl(t, 2));
    t = v128.and(v128.xor(i64x2.shr_u(q0, 4), q4), M0F); q4 = v128.xor(q4, t); q0 = v128.xor(q0, i64x2.shl(t, 4));
    t = v128.and(v128.xor(i64x2.shr_u(q1, 4), q5), M0F); q5 = v128.xor(q5, t); q1 = v128.xor(q1, i64x2.shl(t, 4));
    t = v128.and(v128.xor(i64x2.shr_u(q2, 4), q6), M0F); q6 = v128.xor(q6, t); q2 = v128.xor(q2, i64x2.shl(t, 4));
    t = v128.and(v128.xor(i64x2.shr_u(q3, 4), q7), M0F); q7 = v128.xor(q7, t); q3 = v128.xor(q3, i64x2.shl(t, 4));
    // Column-major state bytes (p = row + 4 * column) to row-major (4 * row + column).
    q0 = i8x16.shuffle(q0, q0, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    q1 = i8x16.shuffle(q1, q1, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    q2 = i8x16.shuffle(q2, q2, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    q3 = i8x16.shuffle(q3, q3, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    q4 = i8x16.shuffle(q4, q4, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    q5 = i8x16.shuffle(q5, q5, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    q6 = i8x16.shuffle(q6, q6, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    q7 = i8x16.shuffle(q7, q7, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);

    // FIPS 197 §5.1.4 AddRoundKey (round first - 1).
    const k0 = rk + (<usize>(first - 1) << 7);
    q0 = v128.xor(q0, v128.load(k0, 0));
    q1 = v128.xor(q1, v128.load(k0, 16));
    q2 = v128.xor(q2, v128.load(k0, 32));
    q3 = v128.xor(q3, v128.load(k0, 48));
    q4 = v128.xor(q4, v128.load(k0, 64));
    q5 = v128.xor(q5, v128.load(k0, 80));
    q6 = v128.xor(q6, v128.load(k0, 96));
    q7 = v128.xor(q7, v128.load(k0, 112));
  }

  for (let r = first; r <= last; r++) {
    // FIPS 197 §5.1.1 SubBytes: the Boyar-Peralta S-box circuit (GF(2^8) inverse and affine map
    // in 32 AND and 83 XOR gates), inputs x0..x7 = bits 7..0, outputs s0..s7 = bits 7..0, xor 0x63
    // (folded into the round keys).
    {
      const x0 = q7, x1 = q6, x2 = q5, x3 = q4, x4 = q3, x5 = q2, x6 = q1, x7 = q0;
      const y14 = v128.xor(x3, x5);
      const y13 = v128.xor(x0, x6);
      const y9 = v128.xor(x0, x3);
      const y8 = v128.xor(x0, x5);
      const t0 = v128.xor(x1, x2);
      const y1 = v128.xor(t0, x7);
      const y4 = v128.xor(y1, x3);
      const y12 = v128.xor(y13, y14);
      const y2 = v128.xor(y1, x0);
      const y5 = v128.xor(y1, x6);
      const y3 = v128.xor(y5, y8);
      const t1 = v128.xor(x4, y12);
      const y15 = v128.xor(t1, x5);
      const y20 = v128.xor(t1, x1);
      const y6 = v128.xor(y15, x7);
      const y10 = v128.xor(y15, t0);
      const y11 = v128.xor(y20, y9);
      const y7 = v128.xor(x7, y11);
      const y17 = v128.xor(y10, y11);
      const y19 = v128.xor(y10, y8);
      const y16 = v128.xor(t0, y11);
      const y21 = v128.xor(y13, y16);
      const y18 = v128.xor(x0, y16);
      const t2 = v128.and(y12, y15);
      const t3 = v128.and(y3, y6);
      const t4 = v128.xor(t3, t2);
      const t5 = v128.and(y4, x7);
      const t6 = v128.xor(t5, t2);
      const t7 = v128.and(y13, y16);
      const t8 = v128.and(y5, y1);
      const t9 = v128.xor(t8, t7);
      const t10 = v128.and(y2, y7);
      const t11 = v128.xor(t10, t7);
      const t12 = v128.and(y9, y11);
      const t13 = v128.and(y14, y17);
      const t14 = v128.xor(t13, t12);
      const t15 = v128.and(y8, y10);
      const t16 = v128.xor(t15, t12);
      const t17 = v128.xor(t4, t14);
      const t18 = v128.xor(t6, t16);
      const t19 = v128.xor(t9, t14);
      const t20 = v128.xor(t11, t16);
      const t21 = v128.xor(t17, y20);
      const t22 = v128.xor(t18, y19);
      const t23 = v128.xor(t19, y21);
      const t24 = v128.xor(t20, y18);
      const t25 = v128.xor(t21, t22);
      const t26 = v128.and(t21, t23);
      const t27 = v128.xor(t24, t26);
      const t28 = v128.and(t25, t27);
      const t29 = v128.xor(t28, t22);
      const t30 = v128.xor(t23, t24);
      const t31 = v128.xor(t22, t26);
      const t32 = v128.and(t31, t30);
      const t33 = v128.xor(t32, t24);
      const t34 = v128.xor(t23, t33);
      const t35 = v128.xor(t27, t33);
      const t36 = v128.and(t24, t35);
      const t37 = v128.xor(t36, t34);
      const t38 = v128.xor(t27, t36);
      const t39 = v128.and(t29, t38);
      const t40 = v128.xor(t25, t39);
      const t41 = v128.xor(t40, t37);
      const t42 = v128.xor(t29, t33);
      const t43 = v128.xor(t29, t40);
      const t44 = v128.xor(t33, t37);
      const t45 = v128.xor(t42, t41);
      const z0 = v128.and(t44, y15);
      const z1 = v128.and(t37, y6);
      const z2 = v128.and(t33, x7);
      const z3 = v128.and(t43, y16);
      const z4 = v128.and(t40, y1);
      const z5 = v128.and(t29, y7);
      const z6 = v128.and(t42, y11);
      const z7 = v128.and(t45, y17);
      const z8 = v128.and(t41, y10);
      const z9 = v128.and(t44, y12);
      const z10 = v128.and(t37, y3);
      const z11 = v128.and(t33, y4);
      const z12 = v128.and(t43, y13);
      const z13 = v128.and(t40, y5);
      const z14 = v128.and(t29, y2);
      const z15 = v128.and(t42, y9);
      const z16 = v128.and(t45, y14);
      const z17 = v128.and(t41, y8);
      const t46 = v128.xor(z15, z16);
      const t47 = v128.xor(z10, z11);
      const t48 = v128.xor(z5, z13);
      const t49 = v128.xor(z9, z10);
      const t50 = v128.xor(z2, z12);
      const t51 = v128.xor(z2, z5);
      const t52 = v128.xor(z7, z8);
      const t53 = v128.xor(z0, z3);
      const t54 = v128.xor(z6, z7);
      const t55 = v128.xor(z16, z17);
      const t56 = v128.xor(z12, t48);
      const t57 = v128.xor(t50, t53);
      const t58 = v128.xor(z4, t46);
      const t59 = v128.xor(z3, t54);
      const t60 = v128.xor(t46, t57);
      const t61 = v128.xor(z14, t57);
      const t62 = v128.xor(t52, t58);
      const t63 = v128.xor(t49, t58);
      const t64 = v128.xor(z4, t59);
      const t65 = v128.xor(t61, t62);
      const t66 = v128.xor(z1, t63);
      const s0 = v128.xor(t59, t63);
      const s6 = v128.xor(t56, t62);
      const s7 = v128.xor(t48, t60);
      const t67 = v128.xor(t64, t65);
      const s3 = v128.xor(t53, t66);
      const s4 = v128.xor(t51, t66);
      const s5 = v128.xor(t47, t65);
      const s1 = v128.xor(t64, s3);
      const s2 = v128.xor(t55, t67);
      q7 = s0; q6 = s1; q5 = s2; q4 = s3; q3 = s4; q2 = s5; q1 = s6; q0 = s7;
    }
    if (flags & (KEEP_15 | DROP_15)) {
      // Split of round 1 for counter mode (aes256CtrInit / aes256CtrConst).
      let m = i8x16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1);
      if (flags & DROP_15) m = v128.not(m);
      q0 = v128.and(q0, m); q1 = v128.and(q1, m); q2 = v128.and(q2, m); q3 = v128.and(q3, m);
      q4 = v128.and(q4, m); q5 = v128.and(q5, m); q6 = v128.and(q6, m); q7 = v128.and(q7, m);
    }
    if (!(flags & NO_LINEAR)) {
      // FIPS 197 §5.1.2 ShiftRows: row r of the row-major plane rotates left by r bytes.
      q0 = i8x16.swizzle(q0, sr);
      q1 = i8x16.swizzle(q1, sr);
      q2 = i8x16.swizzle(q2, sr);
      q3 = i8x16.swizzle(q3, sr);
      q4 = i8x16.swizzle(q4, sr);
      q5 = i8x16.swizzle(q5, sr);
      q6 = i8x16.swizzle(q6, sr);
      q7 = i8x16.swizzle(q7, sr);
      if (r < 14) {
        // FIPS 197 §5.1.3 MixColumns (every round but the last, §5.1) with rows as 32-bit lanes: b = rows rotated up by one,
        // c = q ^ b; MixColumns(q) = xtime(c) ^ b ^ (c rotated up by two rows).
        const b0 = i32x4.shuffle(q0, q0, 1, 2, 3, 0);
        const b1 = i32x4.shuffle(q1, q1, 1, 2, 3, 0);
        const b2 = i32x4.shuffle(q2, q2, 1, 2, 3, 0);
        const b3 = i32x4.shuffle(q3, q3, 1, 2, 3, 0);
        const b4 = i32x4.shuffle(q4, q4, 1, 2, 3, 0);
        const b5 = i32x4.shuffle(q5, q5, 1, 2, 3, 0);
        const b6 = i32x4.shuffle(q6, q6, 1, 2, 3, 0);
        const b7 = i32x4.shuffle(q7, q7, 1, 2, 3, 0);
        const c0 = v128.xor(q0, b0);
        const c1 = v128.xor(q1, b1);
        const c2 = v128.xor(q2, b2);
        const c3 = v128.xor(q3, b3);
        const c4 = v128.xor(q4, b4);
        const c5 = v128.xor(q5, b5);
        const c6 = v128.xor(q6, b6);
        const c7 = v128.xor(q7, b7);
        // xtime over planes: bit 0 <- bit 7; bits 1, 3, 4 <- own lower bit ^ bit 7 (x^8 = x^4+x^3+x+1).
        q0 = v128.xor(v128.xor(c7, b0), i32x4.shuffle(c0, c0, 2, 3, 0, 1));
        q1 = v128.xor(v128.xor(v128.xor(c0, c7), b1), i32x4.shuffle(c1, c1, 2, 3, 0, 1));
        q2 = v128.xor(v128.xor(c1, b2), i32x4.shuffle(c2, c2, 2, 3, 0, 1));
        q3 = v128.xor(v128.xor(v128.xor(c2, c7), b3), i32x4.shuffle(c3, c3, 2, 3, 0, 1));
        q4 = v128.xor(v128.xor(v128.xor(c3, c7), b4), i32x4.shuffle(c4, c4, 2, 3, 0, 1));
        q5 = v128.xor(v128.xor(c4, b5), i32x4.shuffle(c5, c5, 2, 3, 0, 1));
        q6 = v128.xor(v128.xor(c5, b6), i32x4.shuffle(c6, c6, 2, 3, 0, 1));
        q7 = v128.xor(v128.xor(c6, b7), i32x4.shuffle(c7, c7, 2, 3, 0, 1));
      }
    }
    // FIPS 197 §5.1.4 AddRoundKey.
    const k = rk + (<usize>r << 7);
    q0 = v128.xor(q0, v128.load(k, 0));
    q1 = v128.xor(q1, v128.load(k, 16));
    q2 = v128.xor(q2, v128.load(k, 32));
    q3 = v128.xor(q3, v128.load(k, 48));
    q4 = v128.xor(q4, v128.load(k, 64));
    q5 = v128.xor(q5, v128.load(k, 80));
    q6 = v128.xor(q6, v128.load(k, 96));
    q7 = v128.xor(q7, v128.load(k, 112));
    if (r - first < ghashSteps) ghashJobStep(r - first);
  }

  if (!(flags & OUT_PLANES)) {
    // Back to column-major byte order.
    q0 = i8x16.shuffle(q0, q0, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    q1 = i8x16.shuffle(q1, q1, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    q2 = i8x16.shuffle(q2, q2, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    q3 = i8x16.shuffle(q3, q3, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    q4 = i8x16.shuffle(q4, q4, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    q5 = i8x16.shuffle(q5, q5, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    q6 = i8x16.shuffle(q6, q6, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    q7 = i8x16.shuffle(q7, q7, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    // Transpose back (the transposition is its own inverse).
    t = v128.and(v128.xor(i64x2.shr_u(q0, 1), q1), M55); q1 = v128.xor(q1, t); q0 = v128.xor(q0, i64x2.shl(t, 1));
    t = v128.and(v128.xor(i64x2.shr_u(q2, 1), q3), M55); q3 = v128.xor(q3, t); q2 = v128.xor(q2, i64x2.shl(t, 1));
    t = v128.and(v128.xor(i64x2.shr_u(q4, 1), q5), M55); q5 = v128.xor(q5, t); q4 = v128.xor(q4, i64x2.shl(t, 1));
    t = v128.and(v128.xor(i64x2.shr_u(q6, 1), q7), M55); q7 = v128.xor(q7, t); q6 = v128.xor(q6, i64x2.shl(t, 1));
    t = v128.and(v128.xor(i64x2.shr_u(q0, 2), q2), M33); q2 = v128.xor(q2, t); q0 = v128.xor(q0, i64x2.shl(t, 2));
    t = v128.and(v128.xor(i64x2.shr_u(q1, 2), q3), M33); q3 = v128.xor(q3, t); q1 = v128.xor(q1, i64x2.shl(t, 2));
    t = v128.and(v128.xor(i64x2.shr_u(q4, 2), q6), M33); q6 = v128.xor(q6, t); q4 = v128.xor(q4, i64x2.shl(t, 2));
    t = v128.and(v128.xor(i64x2.shr_u(q5, 2), q7), M33); q7 = v128.xor(q7, t); q5 = v128.xor(q5, i64x2.shl(t, 2));
    t = v128.and(v128.xor(i64x2.shr_u(q0, 4), q4), M0F); q4 = v128.xor(q4, t); q0 = v128.xor(q0, i64x2.shl(t, 4));
    t = v128.and(v128.xor(i64x2.shr_u(q1, 4), q5), M0F); q5 = v128.xor(q5, t); q1 = v128.xor(q1, i64x2.shl(t, 4));
    t = v128.and(v128.xor(i64x2.shr_u(q2, 4), q6), M0F); q6 = v128.xor(q6, t); q2 = v128.xor(q2, i64x2.shl(t, 4));
    t = v128.and(v128.xor(i64x2.shr_u(q3, 4), q7), M0F); q7 = v128.xor(q7, t); q3 = v128.xor(q3, i64x2.shl(t, 4));
  }
  v128.store(dst, q0, 0);
  v128.store(dst, q1, 16);
  v128.store(dst, q2, 32);
  v128.store(dst, q3, 48);
  v128.store(dst, q4, 64);
  v128.store(dst, q5, 80);
  v128.store(dst, q6, 96);
  v128.store(dst, q7, 112);
}

// Encrypts the 8 blocks at src (128 bytes) into dst (may equal src) with a schedule from aes256ExpandKey.
export function aes256Encrypt8(rk: usize, src: usize, dst: usize): void {
  aesRounds8(rk, src, 0, dst, 1, 14, 0, 0);
}

// The same, also running steps 0..ghashSteps-1 (at most 8) of the GHASH job started by the caller
// with ghashJobStart; the caller then runs ghashJobFinish.
export function aes256Encrypt8WithGhash(rk: usize, src: usize, dst: usize, ghashSteps: i32): void {
  aesRounds8(rk, src, 0, dst, 1, 14, 0, ghashSteps);
}

// Counter mode (SP 800-38D §6.5 GCTR) with round 1 split. Within a batch of the 8 counter blocks
// with 32-bit counters 8m .. 8m+7 only state byte 15 differs, so the state after round 1 is
// R ^ V[(8m mod 256) / 8]: R comes from bytes 0..14 (it changes every 32 batches) and V, the part
// of byte 15 (linear after SubBytes), is tabulated once per key for the 32 possible values of
// that byte's top 5 bits. Both are looked up by the public counter only.
export const AES256_CTR_TABLE_BYTES: i32 = 32 * 128;
const KEYS01 = memory.data(256, 16);

// Fills the table V (AES256_CTR_TABLE_BYTES at tbl) for a schedule rk.
export function aes256CtrInit(rk: usize, tbl: usize): void {
  memory.copy(KEYS01, rk, 128);
  memory.fill(KEYS01 + 128, 0, 128);
  for (let g = 0; g < 32; g++) {
    memory.fill(WORD, 0, 128);
    for (let b = 0; b < 8; b++) store<u8>(WORD + <usize>((b << 4) + 15), <u8>((g << 3) + b));
    aesRounds8(KEYS01, WORD, 0, tbl + (<usize>g << 7), 1, 1, OUT_PLANES | KEEP_15, 0);
  }
  memory.fill(KEYS01, 0, 256);
  memory.fill(WORD, 0, 128);
}

// Writes R (128 bytes of bitsliced state) for counter blocks whose bytes 0..14 are those of the
// 16-byte block at blk.
export function aes256CtrConst(rk: usize, blk: usize, dst: usize): void {
  const v = v128.load(blk);
  for (let b: usize = 0; b < 8; b++) v128.store(WORD + (b << 4), v);
  aesRounds8(rk, WORD, 0, dst, 1, 1, OUT_PLANES | DROP_15, 0);
  memory.fill(WORD, 0, 128);
}

// Encrypts the 8 counter blocks whose bytes 0..14 gave r (aes256CtrConst) and whose byte 15 runs
// from c & 0xf8 to (c & 0xf8) + 7 into dst, running ghashSteps steps of the pending GHASH job
// (see aes256Encrypt8WithGhash).
export function aes256CtrBatch(rk: usize, tbl: usize, r: usize, c: u32, dst: usize, ghashSteps: i32): void {
  aesRounds8(rk, r, tbl + (<usize>((c & 0xff) >> 3) << 7), dst, 2, 14, IN_PLANES, ghashSteps);
}

// Writes the 8 bitsliced planes of the 16-byte round key at k xor `fold` to dst (128 bytes).
function sliceRoundKey(dst: usize, k: usize, fold: i32): void {
  let v = v128.xor(v128.load(k), i8x16.splat(<i8>fold));
  v = i8x16.shuffle(v, v, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15); // row-major
  const z = i8x16.splat(0);
  for (let j: i32 = 0; j < 8; j++) {
    const bit: i32 = 1 << j;
    v128.store(dst + (<usize>j << 4), i8x16.ne(v128.and(v, i8x16.splat(<i8>bit)), z));
  }
}

// FIPS 197 §5.2 SubWord, constant time: the word goes through the same bitsliced S-box circuit.
function subWord(w: u32): u32 {
  memory.fill(WORD, 0, 128);
  store<u32>(WORD, w);
  aesRounds8(ZERO_KEYS, WORD, 0, WORD, 1, 1, NO_LINEAR, 0);
  return load<u32>(WORD) ^ 0x63636363;
}

// FIPS 197 §5.2 KeyExpansion for Nk = 8, Nr = 14, then bitslices the 15 round keys into rk
// (AES256_ROUND_KEY_BYTES). Words are kept in memory byte order (byte 0 of a word in the low bits).
export function aes256ExpandKey(rk: usize, key: usize): void {
  const w = SCHED; // 60 words = 240 bytes
  memory.copy(w, key, 32);
  let rcon: u32 = 1;
  for (let i = 8; i < 60; i++) {
    let temp = load<u32>(w + (<usize>(i - 1) << 2));
    if ((i & 7) == 0) {
      // RotWord then SubWord, xor Rcon[i/Nk] (§5.2).
      temp = subWord(rotr<u32>(temp, 8)) ^ rcon;
      rcon = (rcon << 1) ^ (0x11b & -(rcon >> 7));
    } else if ((i & 7) == 4) {
      temp = subWord(temp);
    }
    store<u32>(w + (<usize>i << 2), load<u32>(w + (<usize>(i - 8) << 2)) ^ temp);
  }
  for (let r = 0; r < 15; r++) {
    sliceRoundKey(rk + (<usize>r << 7), w + (<usize>r << 4), r == 0 ? 0 : 0x63);
  }
  memory.fill(SCHED, 0, 256);
  memory.fill(WORD, 0, 128);
}
