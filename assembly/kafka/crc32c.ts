// CRC-32C (Castagnoli; reflected polynomial 0x82F63B78, init and final xor 0xFFFFFFFF), the
// checksum of Kafka record batches v2. Slice-by-8 over tables built on first use; the data is
// public (batch bytes), so table lookups are fine here.

const POLY: u32 = 0x82f63b78;
const TABLES: usize = memory.data(8 * 256 * 4, 16);
let ready = false;

function buildTables(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = (c & 1) ? (c >>> 1) ^ POLY : c >>> 1;
    store<u32>(TABLES + (<usize>n << 2), c);
  }
  for (let n: usize = 0; n < 256; n++) {
    let c = load<u32>(TABLES + (n << 2));
    for (let t: usize = 1; t < 8; t++) {
      c = load<u32>(TABLES + ((c & 0xff) << 2)) ^ (c >>> 8);
      store<u32>(TABLES + (t << 10) + (n << 2), c);
    }
  }
  ready = true;
}

// @ts-ignore: decorator
@inline function T(t: usize, i: u32): u32 {
  return load<u32>(TABLES + (t << 10) + (<usize>(i & 0xff) << 2));
}

/** Continues a CRC-32C: pass 0 to start; the result is final (xor-ed) and can be passed back in. */
export function crc32cUpdate(crc: u32, p: usize, len: usize): u32 {
  if (!ready) buildTables();
  let c = ~crc;
  const end = p + len;
  while (p < end && (p & 7) != 0) {
    c = T(0, c ^ load<u8>(p)) ^ (c >>> 8);
    p += 1;
  }
  while (end - p >= 8) {
    const lo = load<u32>(p) ^ c;
    const hi = load<u32>(p, 4);
    c = T(7, lo) ^ T(6, lo >>> 8) ^ T(5, lo >>> 16) ^ T(4, lo >>> 24) ^
        T(3, hi) ^ T(2, hi >>> 8) ^ T(1, hi >>> 16) ^ T(0, hi >>> 24);
    p += 8;
  }
  while (p < end) {
    c = T(0, c ^ load<u8>(p)) ^ (c >>> 8);
    p += 1;
  }
  return ~c;
}

export function crc32c(p: usize, len: usize): u32 {
  return crc32cUpdate(0, p, len);
}
