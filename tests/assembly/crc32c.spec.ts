// CRC-32C: the standard check value and the RFC 3720 appendix B.4 vectors.
import { crc32c, crc32cUpdate } from "../../assembly/kafka/crc32c";

function fill(n: i32, f: (i: i32) => u8): usize {
  // unmanaged, so the test runtime's GC cannot reuse it under us
  const b = heap.alloc(n);
  for (let i = 0; i < n; i++) store<u8>(b + i, f(i));
  return b;
}

const PDU: u8[] = [
  0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
  0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];

/** Bit-at-a-time CRC-32C: no tables, to check the sliced loop against. */
function bitwise(p: usize, len: i32): u32 {
  let c: u32 = 0xffffffff;
  for (let i = 0; i < len; i++) {
    c ^= load<u8>(p + i);
    for (let k = 0; k < 8; k++) c = (c & 1) ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c;
}

describe("crc32c", () => {
  it("check value of \"123456789\" is 0xE3069283", () => {
    const s = String.UTF8.encode("123456789");
    expect(crc32c(changetype<usize>(s), 9)).toBe(0xe3069283);
  });
  it("RFC 3720 B.4: 32 bytes of zeros", () => {
    expect(crc32c(fill(32, (i: i32): u8 => 0), 32)).toBe(0x8a9136aa);
  });
  it("RFC 3720 B.4: 32 bytes of ones", () => {
    expect(crc32c(fill(32, (i: i32): u8 => 0xff), 32)).toBe(0x62a8ab43);
  });
  it("RFC 3720 B.4: 32 incrementing bytes", () => {
    expect(crc32c(fill(32, (i: i32): u8 => <u8>i), 32)).toBe(0x46dd794e);
  });
  it("RFC 3720 B.4: 32 decrementing bytes", () => {
    expect(crc32c(fill(32, (i: i32): u8 => <u8>(31 - i)), 32)).toBe(0x113fdb5c);
  });
  it("RFC 3720 B.4: an iSCSI read command PDU", () => {
    expect(crc32c(fill(48, (i: i32): u8 => PDU[i]), 48)).toBe(0xd9963a56);
  });
  it("empty input is 0, and every alignment and split gives the same answer", () => {
    expect(crc32c(0, 0)).toBe(0);
    const p = fill(100, (i: i32): u8 => <u8>(i * 37 + 11));
    const whole = crc32c(p, 100);
    for (let s = 0; s <= 100; s += 7) {
      expect(crc32cUpdate(crc32c(p, s), p + s, 100 - s)).toBe(whole);
    }
    const q = fill(120, (i: i32): u8 => 0);
    for (let off = 1; off < 9; off++) {
      memory.copy(q + off, p, 100);
      expect(crc32c(q + off, 100)).toBe(whole);
    }
  });
  it("matches a bit-at-a-time CRC for every length to 300 at every alignment", () => {
    const p = fill(320, (i: i32): u8 => <u8>(i * 151 + 7));
    for (let off = 0; off < 16; off += 3) {
      for (let n = 0; n <= 300; n++) {
        expect(crc32c(p + off, n)).toBe(bitwise(p + off, n));
      }
    }
  });
});
