// list_edeks and decrypt_batch: round trips restore the original batch byte for byte; records
// built outside kseal (support/record-format.ts + node:crypto) decrypt by the spec's reading
// rules; tampering and unknown versions fail per record and release no plaintext.
import t from "tap";
import { randomBytes } from "node:crypto";
import { buildBatch, crc32cReference, parseBatch, type TestRecord } from "./support/kafka-batch.js";
import { ENCRYPTION_HEADER, parcel, wrapper } from "./support/record-format.js";
import { DEK, EDEK, codeOf, copy, filterWithKey, mixedRecords, u8 } from "./support/fixtures.js";

const V2 = { key: ENCRYPTION_HEADER, value: Buffer.from([2]) };
const iv = (n: number): Buffer => Buffer.from(n.toString(16).padStart(24, "0"), "hex");

t.test("decrypt restores the original batch byte for byte", async (t) => {
  const f = await filterWithKey();
  const baseline = f.liveBytes(); // the slot's context and EDEK
  const records = mixedRecords();
  const input = buildBatch({ baseOffset: 77n, partitionLeaderEpoch: 3, attributes: 0x10, producerId: 9n, producerEpoch: 1, baseSequence: 5, lastOffsetDelta: records.length - 1, records });
  const enc = f.encryptBatch(input, 0);
  const edeks = f.listEdeks(enc);
  t.same(edeks, [EDEK], "one distinct EDEK");
  const { batch, failures } = f.decryptBatch(enc, [[edeks[0]!, 0]]);
  t.same(failures, []);
  t.ok(batch!.equals(u8(input)), "identical bytes, CRC included");
  t.equal(f.liveBytes(), baseline, "nothing left allocated beyond the slot");
});

t.test("a batch without encrypted records comes back as the same buffer", async (t) => {
  const f = await filterWithKey();
  const plain = buildBatch({ records: mixedRecords() });
  t.same(f.listEdeks(plain), []);
  t.equal(f.decryptBatch(plain, []).batch, plain);
  const marker = buildBatch({ attributes: 0x30, records: [{ key: Buffer.from([0, 0, 0, 0]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }] });
  t.equal(f.decryptBatch(marker, []).batch, marker, "control batch");
});

t.test("the spec's reading rules on records written outside kseal", async (t) => {
  const f = await filterWithKey();
  const w = (plain: Buffer, n: number) => wrapper(DEK, EDEK, iv(n), plain);
  const records: TestRecord[] = [
    // value only, header at index 0 with another header: the encryption header goes
    { key: Buffer.from("a"), value: w(parcel(Buffer.from("one")), 1), headers: [V2, { key: "keep", value: Buffer.from("me") }] },
    // the encryption header not at index 0: it stays (spec: remove only at index 0)
    { key: null, value: w(parcel(Buffer.from("two")), 2), headers: [{ key: "first", value: null }, V2] },
    // parcel carries headers: they replace the record's
    { key: null, value: w(parcel(Buffer.from("three"), { headers: [{ key: "p".repeat(100), value: Buffer.from("q") }, { key: "n", value: null }] }), 3), headers: [V2, { key: "gone", value: null }] },
    // parcel value null
    { key: null, value: w(parcel(null), 4), headers: [V2] },
    // parcel value absent: the record keeps its own (encrypted) value
    { key: null, value: w(parcel(null, { valueAbsent: true }), 5), headers: [V2] },
    // plain record passes through
    { key: null, value: Buffer.from("plain"), headers: [{ key: "x", value: null }] },
  ];
  const input = buildBatch({ records });
  t.same(f.listEdeks(input), [EDEK]);
  const { batch, failures } = f.decryptBatch(input, [[EDEK, 0]]);
  t.same(failures, []);
  const out = parseBatch(batch!);
  t.ok(out.crcOk);
  t.same(out.records[0]!.value, Buffer.from("one"));
  t.same(out.records[0]!.headers, [{ key: "keep", value: Buffer.from("me") }]);
  t.same(out.records[1]!.value, Buffer.from("two"));
  t.same(out.records[1]!.headers, [{ key: "first", value: null }, V2]);
  t.same(out.records[2]!.value, Buffer.from("three"));
  t.same(out.records[2]!.headers, [{ key: "p".repeat(100), value: Buffer.from("q") }, { key: "n", value: null }]);
  t.equal(out.records[3]!.value, null);
  t.same(out.records[4]!.value, records[4]!.value, "absent: own value kept");
  t.same(out.records[4]!.headers, []);
  t.same(out.recordBytes[5], parseBatch(input).recordBytes[5]);
});

t.test("integrity and format failures are reported per record and release nothing", async (t) => {
  const f = await filterWithKey();
  const baseline = f.liveBytes();
  const good = (): Buffer => wrapper(DEK, EDEK, randomBytes(12), parcel(Buffer.from("secret plaintext")));
  const flip = (b: Buffer, at: number): Buffer => { const c = copy(b); c[at < 0 ? c.length + at : at]! ^= 1; return c; };
  const cases: [string, TestRecord, string][] = [
    ["tag", { key: null, value: flip(good(), -1), headers: [V2] }, "TAG_MISMATCH"],
    ["ciphertext", { key: null, value: flip(good(), -20), headers: [V2] }, "TAG_MISMATCH"],
    ["IV", { key: null, value: flip(good(), 1 + 1 + EDEK.length + 1 + 3), headers: [V2] }, "TAG_MISMATCH"],
    ["version 0x01", { key: null, value: good(), headers: [{ key: ENCRYPTION_HEADER, value: Buffer.from([1]) }] }, "FORMAT_VERSION_UNKNOWN"],
    ["version 0x03", { key: null, value: good(), headers: [{ key: ENCRYPTION_HEADER, value: Buffer.from([3]) }] }, "FORMAT_VERSION_UNKNOWN"],
    ["version two bytes", { key: null, value: good(), headers: [{ key: ENCRYPTION_HEADER, value: Buffer.from([2, 0]) }] }, "FORMAT_VERSION_UNKNOWN"],
    ["version null", { key: null, value: good(), headers: [{ key: ENCRYPTION_HEADER, value: null }] }, "FORMAT_VERSION_UNKNOWN"],
    ["cipher id 1", { key: null, value: wrapper(DEK, EDEK, randomBytes(12), parcel(Buffer.from("s")), { cipher: 1, aad: 0 }), headers: [V2] }, "CIPHER_UNKNOWN"],
    ["AAD id 1", { key: null, value: wrapper(DEK, EDEK, randomBytes(12), parcel(Buffer.from("s")), { cipher: 0, aad: 1 }), headers: [V2] }, "AAD_UNKNOWN"],
    ["truncated wrapper", { key: null, value: good().subarray(0, 40), headers: [V2] }, "WRAPPER_TRUNCATED"],
    ["no tag room", { key: null, value: good().subarray(0, 1 + 1 + EDEK.length + 1 + 12 + 15), headers: [V2] }, "WRAPPER_TRUNCATED"],
    ["null value", { key: null, value: null, headers: [V2] }, "WRAPPER_TRUNCATED"],
    ["EDEK of another key", { key: null, value: wrapper(DEK, Buffer.from("other"), randomBytes(12), parcel(Buffer.from("s"))), headers: [V2] }, "KEY_NOT_LOADED"],
    ["authentic but malformed parcel", { key: null, value: wrapper(DEK, EDEK, randomBytes(12), Buffer.from([0x0a, 1, 2])), headers: [V2] }, "PARCEL_MALFORMED"],
  ];
  for (const [name, bad, reason] of cases) {
    const input = buildBatch({ records: [{ key: null, value: good(), headers: [V2] }, bad, { key: null, value: Buffer.from("plain") }] });
    const { batch, failures } = f.decryptBatch(input, [[EDEK, 0]]);
    t.equal(batch, null, `${name}: no batch`);
    t.same(failures, [{ index: 1, reason }], `${name}: record 1 ${reason}`);
  }
  t.equal(f.liveBytes(), baseline, "failure paths free their buffers");
});

t.test("the host's EDEK-to-slot map is checked and decrypt uses only the slots given", async (t) => {
  const f = await filterWithKey();
  const enc = f.encryptBatch(buildBatch({ records: [{ key: null, value: Buffer.from("x") }] }), 0);
  t.equal(codeOf(() => f.decryptBatch(enc, [[Buffer.from("nope"), 0]])), "WASM_EDEK_INVALID");
  t.equal(codeOf(() => f.decryptBatch(enc, [[EDEK, 3]])), "WASM_KEY_SLOT_EMPTY");
  t.same(f.decryptBatch(enc, []).failures, [{ index: 0, reason: "KEY_NOT_LOADED" }]);
});

t.test("several DEKs in one batch: listed once each, in order, each record opened with its own", async (t) => {
  const f = await filterWithKey();
  const dek2 = randomBytes(32);
  const edek2 = Buffer.from("second-edek");
  f.loadKey(5, copy(dek2), edek2, { budget: 0 });
  const records: TestRecord[] = [
    { key: null, value: wrapper(dek2, edek2, iv(1), parcel(Buffer.from("b1"))), headers: [V2] },
    { key: null, value: wrapper(DEK, EDEK, iv(1), parcel(Buffer.from("a1"))), headers: [V2] },
    { key: null, value: wrapper(dek2, edek2, iv(2), parcel(Buffer.from("b2"))), headers: [V2] },
  ];
  const input = buildBatch({ records });
  t.same(f.listEdeks(input), [edek2, EDEK]);
  const { batch } = f.decryptBatch(input, [[edek2, 5], [EDEK, 0]]);
  t.same(parseBatch(batch!).records.map((r) => r.value!.toString()), ["b1", "a1", "b2"]);
  t.equal(codeOf(() => f.encryptBatch(buildBatch({ records: [{ key: null, value: Buffer.from("x") }] }), 5)), "WASM_KEY_SLOT_EXHAUSTED", "budget 0 = decrypt only");
});

t.test("mutating any byte of an encrypted value never yields a different value", async (t) => {
  const f = await filterWithKey();
  const values = [Buffer.from("alpha"), Buffer.alloc(0), Buffer.from("x".repeat(300))];
  const input = buildBatch({ records: values.map((value) => ({ key: null, value })) });
  const enc = f.encryptBatch(input, 0);
  const parsed = parseBatch(enc);
  let failedCount = 0;
  let okCount = 0;
  parsed.records.forEach((_, ri) => {
    const value = parsed.records[ri]!.value!;
    const valueStart = value.byteOffset - enc.byteOffset;
    for (let i = 0; i < value.length; i += value.length > 100 ? 7 : 1) {
      const m = copy(enc);
      m[valueStart + i]! ^= 1 << (i % 8);
      m.writeUInt32BE(crc32cReference(u8(m.subarray(21))), 17);
      const r = f.decryptBatch(m, [[EDEK, 0]]);
      if (r.batch === null) {
        failedCount++;
        if (r.failures.length !== 1 || r.failures[0]!.index !== ri) t.fail(`record ${ri} byte ${i}: wrong failure ${JSON.stringify(r.failures)}`);
      } else {
        okCount++;
        t.fail(`record ${ri} value byte ${i} decrypted despite tampering`);
      }
    }
  });
  t.ok(failedCount > 80, `${failedCount} tampered values, all refused`);
  t.equal(okCount, 0);
});
