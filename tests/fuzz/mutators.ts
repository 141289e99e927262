/**
 * Byte-level mutators. Each takes the input and a generator and returns a new buffer (inputs are
 * shared corpus items and are never written to). `mutate` stacks 1-4 of them.
 */
import type { Prng } from "./prng.js";

type U8 = Uint8Array;
const concat = (list: Buffer[]): Buffer => Buffer.concat(list as unknown as U8[]);
const copy = (b: Buffer): Buffer => Buffer.from(b as unknown as U8);

const INTERESTING_8 = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe, 0x81];
const INTERESTING_16 = [0, -1, 0x7fff, -0x8000, 1, 0x100, 0xff];
const INTERESTING_32 = [0, -1, 0x7fffffff, -0x80000000, 1, 0x10000, 0x00ffffff, 1_000_001, -2];
/** Varints past what a field may hold: 5-byte max, 10-byte max, an endless continuation run,
 * zig-zag -1 (1) and -2 (3) as used for null and negative lengths. */
const VARINTS = [
  [0xff, 0xff, 0xff, 0xff, 0x0f],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80],
  [0x01],
  [0x03],
  [0x00],
  [0xfe, 0xff, 0xff, 0xff, 0x0f],
];

export type Mutator = (b: Buffer, r: Prng, other: () => Buffer) => Buffer;

export const MUTATORS: Record<string, Mutator> = {
  bitFlip(b, r) {
    if (b.length === 0) return b;
    const out = copy(b);
    for (let k = 1 + r.int(4); k > 0; k--) {
      const i = r.int(out.length);
      out[i] = out[i]! ^ (1 << r.int(8));
    }
    return out;
  },
  interestingByte(b, r) {
    if (b.length === 0) return b;
    const out = copy(b);
    out[r.int(out.length)] = r.pick(INTERESTING_8);
    return out;
  },
  interestingWord(b, r) {
    if (b.length < 4) return b;
    const out = copy(b);
    if (r.chance(0.5)) out.writeInt16BE(r.pick(INTERESTING_16), r.int(out.length - 1));
    else out.writeInt32BE(r.pick(INTERESTING_32), r.int(out.length - 3));
    return out;
  },
  /** Finds int16/int32 fields whose value could be a length or count (0 < v <= size) and bends
   * one: off by one, zero, negative, huge. */
  lengthField(b, r) {
    if (b.length < 4) return b;
    const candidates: Array<[number, 2 | 4]> = [];
    for (let i = 0; i + 4 <= b.length && candidates.length < 64; i++) {
      const v32 = b.readInt32BE(i);
      if (v32 > 0 && v32 <= b.length) candidates.push([i, 4]);
      const v16 = b.readInt16BE(i);
      if (v16 > 0 && v16 <= b.length && (i & 1) === 0) candidates.push([i, 2]);
    }
    if (candidates.length === 0) return MUTATORS.interestingWord!(b, r, () => b);
    const [at, w] = r.pick(candidates);
    const out = copy(b);
    const old = w === 4 ? out.readInt32BE(at) : out.readInt16BE(at);
    const choices = [old + 1, old - 1, 0, -1, old * 2, old + r.range(2, 64), w === 4 ? 0x7fffffff : 0x7fff];
    const v = r.pick(choices);
    if (w === 4) out.writeInt32BE(Math.max(-0x80000000, Math.min(0x7fffffff, v)), at);
    else out.writeInt16BE(Math.max(-0x8000, Math.min(0x7fff, v)), at);
    return out;
  },
  /** Overwrites or inserts an out-of-range varint. */
  varint(b, r) {
    const at = r.int(b.length + 1);
    const v = Buffer.from(r.pick(VARINTS));
    if (r.chance(0.5)) return concat([b.subarray(0, at), v, b.subarray(at)]);
    return concat([b.subarray(0, at), v, b.subarray(Math.min(b.length, at + v.length))]);
  },
  truncate(b, r) {
    return b.subarray(0, r.chance(0.5) ? r.int(b.length + 1) : Math.max(0, b.length - 1 - r.smallLength(16)));
  },
  extend(b, r) {
    if (r.chance(0.5) && b.length > 0) {
      const from = r.int(b.length);
      return concat([b, b.subarray(from, from + 1 + r.smallLength(256))]);
    }
    return concat([b, r.bytes(1 + r.smallLength(64))]);
  },
  insertBytes(b, r) {
    const at = r.int(b.length + 1);
    const n = 1 + r.smallLength(16);
    const fill = r.chance(0.5) ? r.bytes(n) : Buffer.alloc(n, r.pick(INTERESTING_8));
    return concat([b.subarray(0, at), fill, b.subarray(at)]);
  },
  deleteBytes(b, r) {
    if (b.length === 0) return b;
    const at = r.int(b.length);
    return concat([b.subarray(0, at), b.subarray(at + 1 + r.smallLength(16))]);
  },
  randomRange(b, r) {
    if (b.length === 0) return b;
    const out = copy(b);
    const at = r.int(out.length);
    const n = Math.min(out.length - at, 1 + r.smallLength(32));
    r.bytes(n).copy(out as unknown as U8, at);
    return out;
  },
  duplicateRange(b, r) {
    if (b.length === 0) return b;
    const from = r.int(b.length);
    const slice = b.subarray(from, from + 1 + r.smallLength(64));
    const at = r.int(b.length + 1);
    return concat([b.subarray(0, at), slice, b.subarray(at)]);
  },
  /** Head of this input, tail of another corpus item. */
  splice(b, r, other) {
    const o = other();
    return concat([b.subarray(0, r.int(b.length + 1)), o.subarray(r.int(o.length + 1))]);
  },
};

const NAMES = Object.keys(MUTATORS);

/** Applies 1-4 mutators. `other` yields another corpus item for splices. */
export function mutate(input: Buffer, r: Prng, other: () => Buffer): Buffer {
  let b = input;
  for (let n = 1 + r.smallLength(3); n > 0; n--) b = MUTATORS[r.pick(NAMES)]!(b, r, other);
  // A mutation must never hand the target the corpus item itself (targets may write to inputs).
  return b.buffer === input.buffer ? copy(b) : b;
}
