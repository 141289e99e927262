import t, { type Test } from "tap";
import { createRequire } from "node:module";
import { isKsealError } from "../../../host/errors.js";
import { Reader, Writer } from "../../../host/protocol/primitives.js";

// kafkajs's encoder is an independent implementation of the same wire types.
const require = createRequire(import.meta.url);
const KjsEncoder = require("kafkajs/src/protocol/encoder.js") as new () => {
  writeUVarInt(v: number): unknown;
  writeVarInt(v: number): unknown;
  writeUVarIntString(v: string | null): unknown;
  writeUVarIntBytes(v: Buffer | null): unknown;
  buffer: Buffer;
};

const hex = (b: Buffer): string => b.toString("hex");
function written(f: (w: Writer) => void): string {
  const w = new Writer(1);
  f(w);
  return hex(w.finish());
}
const reader = (h: string): Reader => new Reader(Buffer.from(h.replace(/ /g, ""), "hex"));

function throwsMalformed(t: Test, f: () => unknown, what: string): void {
  try {
    f();
    t.fail(`${what}: did not throw`);
  } catch (e) {
    t.ok(isKsealError(e, "FRAME_MALFORMED"), `${what}: FRAME_MALFORMED (${(e as Error).message})`);
  }
}

t.test("unsigned varints match known protobuf encodings", async (t) => {
  const cases: Array<[number, string]> = [
    [0, "00"],
    [1, "01"],
    [127, "7f"],
    [128, "8001"],
    [300, "ac02"],
    [16383, "ff7f"],
    [16384, "808001"],
    [2097151, "ffff7f"],
    [268435455, "ffffff7f"],
    [268435456, "8080808001"],
    [2147483647, "ffffffff07"],
    [4294967295, "ffffffff0f"],
  ];
  for (const [v, h] of cases) {
    t.equal(written((w) => w.uvarint(v)), h, `write ${v}`);
    const r = reader(h);
    t.equal(r.uvarint(), v, `read ${h}`);
    t.ok(r.atEnd());
  }
  throwsMalformed(t, () => reader("ffffffff10").uvarint(), "33-bit varint");
  throwsMalformed(t, () => reader("ffffffffff01").uvarint(), "6-byte varint");
  throwsMalformed(t, () => reader("80").uvarint(), "truncated varint");
});

t.test("zig-zag varints and varlongs match known encodings", async (t) => {
  const ints: Array<[number, string]> = [
    [0, "00"],
    [-1, "01"],
    [1, "02"],
    [-2, "03"],
    [63, "7e"],
    [-64, "7f"],
    [64, "8001"],
    [2147483647, "feffffff0f"],
    [-2147483648, "ffffffff0f"],
  ];
  for (const [v, h] of ints) {
    t.equal(written((w) => w.varint(v)), h, `varint ${v}`);
    t.equal(reader(h).varint(), v, `read varint ${h}`);
  }
  const longs: Array<[bigint, string]> = [
    [0n, "00"],
    [-1n, "01"],
    [1n, "02"],
    [2147483648n, "8080808010"],
    [9223372036854775807n, "feffffffffffffffff01"],
    [-9223372036854775808n, "ffffffffffffffffff01"],
  ];
  for (const [v, h] of longs) {
    t.equal(written((w) => w.varlong(v)), h, `varlong ${v}`);
    t.equal(reader(h).varlong(), v, `read varlong ${h}`);
  }
  throwsMalformed(t, () => reader("ffffffffffffffffff02").varlong(), "65-bit varlong");
  throwsMalformed(t, () => reader("ffffffffffffffffffff01").varlong(), "11-byte varlong");
});

t.test("varints agree with kafkajs on random values", async (t) => {
  let seed = 12345;
  const rnd = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  let mismatches = 0;
  for (let i = 0; i < 2000; i++) {
    const u = rnd() >>> (rnd() % 32);
    const s = (rnd() | 0) >> (rnd() % 32);
    const k1 = new KjsEncoder();
    k1.writeUVarInt(u);
    const k2 = new KjsEncoder();
    k2.writeVarInt(s);
    if (written((w) => w.uvarint(u)) !== hex(k1.buffer)) mismatches++;
    if (written((w) => w.varint(s)) !== hex(k2.buffer)) mismatches++;
  }
  t.equal(mismatches, 0);
});

t.test("compact strings and bytes agree with kafkajs, null distinct from empty", async (t) => {
  for (const s of ["", "a", "héllo", "x".repeat(300)]) {
    const k = new KjsEncoder();
    k.writeUVarIntString(s);
    t.equal(written((w) => w.compactString(s)), hex(k.buffer), `compact string ${s.length}`);
  }
  t.equal(written((w) => w.compactNullableString(null)), "00");
  t.equal(written((w) => w.compactNullableString("")), "01");
  t.equal(reader("00").compactNullableString(), null);
  t.equal(reader("01").compactNullableString(), "");
  throwsMalformed(t, () => reader("00").compactString(), "null non-nullable compact string");
  const k = new KjsEncoder();
  k.writeUVarIntBytes(Buffer.from([1, 2, 3]));
  t.equal(written((w) => w.compactBytes(Buffer.from([1, 2, 3]))), hex(k.buffer));
  t.equal(reader("00").compactNullableBytes(), null);
  t.same(reader("01").compactNullableBytes(), Buffer.alloc(0));
});

t.test("int16 strings and int32 bytes", async (t) => {
  t.equal(written((w) => w.string("abc")), "0003616263");
  t.equal(written((w) => w.nullableString(null)), "ffff");
  t.equal(written((w) => w.nullableString("")), "0000");
  t.equal(reader("ffff").nullableString(), null);
  t.equal(reader("0000").nullableString(), "");
  throwsMalformed(t, () => reader("ffff").string(), "null non-nullable string");
  throwsMalformed(t, () => reader("fffe").nullableString(), "length -2");
  throwsMalformed(t, () => reader("0005616263").string(), "string overrun");
  t.equal(written((w) => w.nullableBytes(null)), "ffffffff");
  t.equal(written((w) => w.bytes(Buffer.from("hi"))), "000000026869");
  t.equal(reader("ffffffff").nullableBytes(), null);
  t.same(reader("00000000").nullableBytes(), Buffer.alloc(0));
  throwsMalformed(t, () => reader("7fffffff00").bytes(), "bytes overrun");
  throwsMalformed(t, () => reader("ffffff00").nullableBytes(), "bytes length -256");
});

t.test("fixed-width integers and uuids", async (t) => {
  t.equal(written((w) => w.int8(-1)), "ff");
  t.equal(written((w) => w.int16(-2)), "fffe");
  t.equal(written((w) => w.int32(-3)), "fffffffd");
  t.equal(written((w) => w.uint32(0xfffffffe)), "fffffffe");
  t.equal(written((w) => w.int64(-4n)), "fffffffffffffffc");
  t.equal(reader("fffffffffffffffc").int64(), -4n);
  t.equal(reader("fffffffe").uint32(), 0xfffffffe);
  const id = "00112233445566778899aabbccddeeff";
  t.equal(written((w) => w.uuid(id)), id);
  t.equal(reader(id).uuid(), id);
  throwsMalformed(t, () => reader("0011").uuid(), "short uuid");
  throwsMalformed(t, () => reader("00").int16(), "short int16");
  throwsMalformed(t, () => reader("000000").int32(), "short int32");
  throwsMalformed(t, () => reader("00000000000000").int64(), "short int64");
  throwsMalformed(t, () => reader("").int8(), "empty int8");
  for (const bad of [() => new Writer().int16(40000), () => new Writer().int32(1.5), () => new Writer().uuid("xyz"), () => new Writer().int64(1n << 63n)]) {
    t.throws(bad, { code: "MESSAGE_UNENCODABLE" });
  }
});

t.test("arrays: null vs empty, counts bounded before allocating", async (t) => {
  const el = (r: Reader): number => r.int32();
  t.equal(written((w) => w.nullableArray(null, false, (w, v: number) => w.int32(v))), "ffffffff");
  t.equal(written((w) => w.nullableArray([], false, (w, v: number) => w.int32(v))), "00000000");
  t.equal(written((w) => w.nullableArray(null, true, (w, v: number) => w.int32(v))), "00");
  t.equal(written((w) => w.nullableArray([], true, (w, v: number) => w.int32(v))), "01");
  t.equal(written((w) => w.array([7], true, (w, v: number) => w.int32(v))), "0200000007");
  t.equal(reader("ffffffff").nullableArray(false, el), null);
  t.same(reader("00000000").nullableArray(false, el), []);
  t.equal(reader("00").nullableArray(true, el), null);
  t.same(reader("01").nullableArray(true, el), []);
  t.same(reader("0200000007").array(true, el), [7]);
  throwsMalformed(t, () => reader("00").array(true, el), "null non-nullable compact array");
  throwsMalformed(t, () => reader("ffffffff").array(false, el), "null non-nullable array");
  throwsMalformed(t, () => reader("fffffffe").nullableArray(false, el), "array length -2");
  // 1,000,001 elements: rejected by the limit, even with enough bytes behind it.
  const big = Buffer.alloc(4 + 1_000_001);
  big.writeInt32BE(1_000_001, 0);
  throwsMalformed(t, () => new Reader(big).array(false, (r) => r.int8()), "1,000,001 elements");
  // 2^31-1 claimed elements in a 4-byte frame: rejected before allocation.
  throwsMalformed(t, () => reader("7fffffff").array(false, el), "huge count");
  throwsMalformed(t, () => reader("ffffffff0f").array(true, el), "huge compact count");
  // 1000 int32 elements claimed with 10 bytes left
  throwsMalformed(t, () => reader("000003e8" + "00".repeat(10)).array(false, el, 4), "count over bytes left");
});

t.test("tagged-field sections", async (t) => {
  t.equal(written((w) => w.taggedFields(undefined)), "00");
  const fields = [
    { tag: 5, data: Buffer.from("bb", "hex") },
    { tag: 1, data: Buffer.from("aa", "hex") },
  ];
  const h = written((w) => w.taggedFields(fields));
  t.equal(h, "02" + "0101aa" + "0501bb", "sorted by tag");
  t.same(
    reader(h).taggedFields()?.map((f) => [f.tag, hex(f.data)]),
    [
      [1, "aa"],
      [5, "bb"],
    ],
  );
  t.throws(() => new Writer().taggedFields([fields[0]!, fields[0]!]), { code: "MESSAGE_UNENCODABLE" });
  throwsMalformed(t, () => reader("02" + "0501bb" + "0101aa").taggedFields(), "descending tags");
  throwsMalformed(t, () => reader("02" + "0101aa" + "0101aa").taggedFields(), "duplicate tags");
  throwsMalformed(t, () => reader("01" + "0105aa").taggedFields(), "size overruns");
  throwsMalformed(t, () => reader("914e" + "00".repeat(40000)).taggedFields(), "10,001 fields");
  throwsMalformed(t, () => reader("ffffffff0f").taggedFields(), "huge count");
  // A known tag whose value does not fill its declared size is malformed.
  throwsMalformed(
    t,
    () => reader("01" + "0002aabb").taggedFields((tag, r) => (r.int8(), true)),
    "known field shorter than its size",
  );
  // 10,000 fields is allowed.
  const w = new Writer();
  w.taggedFields(Array.from({ length: 10_000 }, (_, i) => ({ tag: i, data: Buffer.alloc(0) })));
  t.equal(new Reader(w.finish()).taggedFields()?.length, 10_000);
});

t.test("Writer parts: growth never loses bytes, large fields kept by reference until finish", async (t) => {
  const rand = (await import("./helpers.js")).rng(5);
  for (let round = 0; round < 50; round++) {
    const w = new Writer(1);
    const expected: number[] = [];
    for (let i = 0; i < 200; i++) {
      const kind = Math.floor(rand() * 3);
      if (kind === 0) {
        const v = Math.floor(rand() * 256);
        w.uint8(v);
        expected.push(v);
      } else {
        const n = kind === 1 ? Math.floor(rand() * 100) : 4096 + Math.floor(rand() * 5000);
        const b = Buffer.alloc(n, i & 0xff);
        w.raw(b);
        for (let k = 0; k < n; k++) expected.push(i & 0xff);
      }
    }
    t.equal(w.length, expected.length);
    const out = round % 2 === 0 ? w.finish() : Buffer.concat(w.finishParts() as unknown as Uint8Array[]);
    if (!out.equals(Buffer.from(expected) as unknown as Uint8Array)) t.fail(`round ${round} differs`);
  }
  t.pass("50 random rounds");
});
