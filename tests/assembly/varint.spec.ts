// Kafka varints against known encodings (protobuf's documented examples and Kafka's zig-zag).
import { cursor, fail, pos, readUvarint, readVarint, readVarlong, sizeUvarint, sizeVarint, writeUvarint, writeVarint, zigzag32 } from "../../assembly/kafka/varint";

function bytes(a: u8[]): usize {
  // unmanaged, so the test runtime's GC cannot reuse it under us
  const b = heap.alloc(a.length);
  for (let i = 0; i < a.length; i++) store<u8>(b + i, a[i]);
  return b;
}

function hexAt(p: usize, n: i32): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    const v = load<u8>(p + i);
    s += (v < 16 ? "0" : "") + v.toString(16);
  }
  return s;
}

const BUF = memory.data(32);

describe("unsigned varint", () => {
  it("encodes the known values", () => {
    expect(hexAt(BUF, <i32>(writeUvarint(BUF, 0) - BUF))).toBe("00");
    expect(hexAt(BUF, <i32>(writeUvarint(BUF, 1) - BUF))).toBe("01");
    expect(hexAt(BUF, <i32>(writeUvarint(BUF, 127) - BUF))).toBe("7f");
    expect(hexAt(BUF, <i32>(writeUvarint(BUF, 128) - BUF))).toBe("8001");
    expect(hexAt(BUF, <i32>(writeUvarint(BUF, 150) - BUF))).toBe("9601");
    expect(hexAt(BUF, <i32>(writeUvarint(BUF, 300) - BUF))).toBe("ac02");
    expect(hexAt(BUF, <i32>(writeUvarint(BUF, 32767) - BUF))).toBe("ffff01");
    expect(hexAt(BUF, <i32>(writeUvarint(BUF, 0xffffffff) - BUF))).toBe("ffffffff0f");
  });
  it("sizes match encodings", () => {
    const vals: u32[] = [0, 127, 128, 16383, 16384, 2097151, 2097152, 268435455, 268435456, 0xffffffff];
    const sizes: i32[] = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5];
    for (let i = 0; i < vals.length; i++) {
      expect(sizeUvarint(vals[i])).toBe(sizes[i]);
      expect(<i32>(writeUvarint(BUF, vals[i]) - BUF)).toBe(sizes[i]);
    }
  });
  it("decodes and stops at the limit", () => {
    const p = bytes([0xac, 0x02, 0x96]);
    cursor(p, p + 3);
    expect(readUvarint()).toBe(300);
    expect(fail).toBe(false);
    expect(pos).toBe(p + 2);
    readUvarint();
    expect(fail).toBe(true);
  });
  it("refuses more than 5 bytes", () => {
    const p = bytes([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    cursor(p, p + 6);
    readUvarint();
    expect(fail).toBe(true);
  });
});

describe("zig-zag varint", () => {
  it("maps signed values as Kafka does", () => {
    expect(zigzag32(0)).toBe(0);
    expect(zigzag32(-1)).toBe(1);
    expect(zigzag32(1)).toBe(2);
    expect(zigzag32(-2)).toBe(3);
    expect(zigzag32(2147483647)).toBe(0xfffffffe);
    expect(zigzag32(-2147483648)).toBe(0xffffffff);
  });
  it("encodes the known values", () => {
    expect(hexAt(BUF, <i32>(writeVarint(BUF, -1) - BUF))).toBe("01");
    expect(hexAt(BUF, <i32>(writeVarint(BUF, -2) - BUF))).toBe("03");
    expect(hexAt(BUF, <i32>(writeVarint(BUF, 26) - BUF))).toBe("34");
    expect(hexAt(BUF, <i32>(writeVarint(BUF, 64) - BUF))).toBe("8001");
    expect(hexAt(BUF, <i32>(writeVarint(BUF, -65) - BUF))).toBe("8101");
    expect(hexAt(BUF, <i32>(writeVarint(BUF, -2147483648) - BUF))).toBe("ffffffff0f");
    expect(sizeVarint(63)).toBe(1);
    expect(sizeVarint(64)).toBe(2);
    expect(sizeVarint(-64)).toBe(1);
    expect(sizeVarint(-65)).toBe(2);
  });
  it("round-trips", () => {
    const vals: i32[] = [0, 1, -1, 63, -64, 64, -65, 8191, -8192, 1 << 20, -(1 << 20), 2147483647, -2147483648];
    for (let i = 0; i < vals.length; i++) {
      const end = writeVarint(BUF, vals[i]);
      cursor(BUF, end);
      expect(readVarint()).toBe(vals[i]);
      expect(pos).toBe(end);
      expect(fail).toBe(false);
    }
  });
  it("reads varlongs up to 10 bytes", () => {
    // zig-zag(-1) = 1; zig-zag(2^40) = 2^41 = 80 80 80 80 80 40
    let p = bytes([0x01]);
    cursor(p, p + 1);
    expect(readVarlong()).toBe(-1);
    p = bytes([0x80, 0x80, 0x80, 0x80, 0x80, 0x40]);
    cursor(p, p + 6);
    expect(readVarlong()).toBe(1 << 40);
    p = bytes([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    cursor(p, p + 10);
    expect(readVarlong()).toBe(i64.MAX_VALUE);
    p = bytes([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    cursor(p, p + 11);
    readVarlong();
    expect(fail).toBe(true);
  });
});
