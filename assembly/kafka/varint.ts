// Kafka varints (protobuf base-128, low 7-bit group first).
//   unsigned varint: plain LEB128 (protocol lengths, the wrapper's EDEK length, parcel header keys)
//   varint / varlong: zig-zag, (n << 1) ^ (n >> 31|63), then LEB128 (record fields)
// Reading goes through one bounds-checked cursor over [pos, lim): a read past lim or an over-long
// varint sets `fail` and yields 0, so a caller checks `fail` once after a run of reads. Like Kafka's
// ByteUtils, a varint has at most 5 bytes and a varlong at most 10; excess high bits of the last
// byte are dropped.

export let pos: usize = 0;
export let lim: usize = 0;
export let fail: bool = false;

export function cursor(start: usize, end: usize): void {
  pos = start;
  lim = end;
  fail = false;
}

export function readU8(): u32 {
  if (pos >= lim) { fail = true; return 0; }
  const b = <u32>load<u8>(pos);
  pos += 1;
  return b;
}

export function readUvarint(): u32 {
  let result: u32 = 0;
  let shift: u32 = 0;
  while (true) {
    if (pos >= lim || shift > 28) { fail = true; return 0; }
    const b = <u32>load<u8>(pos);
    pos += 1;
    result |= (b & 0x7f) << shift;
    if ((b & 0x80) == 0) return result;
    shift += 7;
  }
}

export function readVarint(): i32 {
  const u = readUvarint();
  return <i32>(u >>> 1) ^ -<i32>(u & 1);
}

export function readVarlong(): i64 {
  let result: u64 = 0;
  let shift: u64 = 0;
  while (true) {
    if (pos >= lim || shift > 63) { fail = true; return 0; }
    const b = <u64>load<u8>(pos);
    pos += 1;
    result |= (b & 0x7f) << shift;
    if ((b & 0x80) == 0) return <i64>(result >>> 1) ^ -<i64>(result & 1);
    shift += 7;
  }
}

/** Advances over n bytes; n < 0 or past the limit fails. */
export function skip(n: i64): void {
  if (n < 0 || <u64>n > <u64>(lim - pos)) { fail = true; return; }
  pos += <usize>n;
}

// @ts-ignore: decorator
@inline export function zigzag32(v: i32): u32 {
  return <u32>((v << 1) ^ (v >> 31));
}

export function sizeUvarint(v: u32): i32 {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

export function sizeVarint(v: i32): i32 {
  return sizeUvarint(zigzag32(v));
}

/** Writes v at p, returns the position after it. The caller has sized the buffer. */
export function writeUvarint(p: usize, v: u32): usize {
  while (v >= 0x80) {
    store<u8>(p, <u8>((v & 0x7f) | 0x80));
    p += 1;
    v >>>= 7;
  }
  store<u8>(p, <u8>v);
  return p + 1;
}

export function writeVarint(p: usize, v: i32): usize {
  return writeUvarint(p, zigzag32(v));
}
