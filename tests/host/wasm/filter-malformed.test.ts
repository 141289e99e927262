// Input the filter cannot parse gets an error status: never a trap, never a read or write
// outside its buffers (a trap would surface as WASM_TRAP, an escaping pointer as
// WASM_OUT_OF_BOUNDS). Includes a seeded mutation fuzz over encrypt, list and decrypt.
import t from "tap";
import { buildBatch, crc32cReference, varint } from "./support/kafka-batch.js";
import { EDEK, codeOf, copy, filterWithKey, mixedRecords, u8 } from "./support/fixtures.js";
import type { KsealFilter } from "../../../host/wasm/filter.js";

const fixCrc = (b: Buffer): Buffer => { b.writeUInt32BE(crc32cReference(u8(b.subarray(21))), 17); return b; };

function allCalls(f: KsealFilter, b: Buffer): string[] {
  return [
    codeOf(() => f.encryptBatch(b, 0)),
    codeOf(() => f.listEdeks(b)),
    codeOf(() => { const r = f.decryptBatch(b, [[EDEK, 0]]); if (!r.batch) throw Object.assign(new Error(), { code: "FAILURES" }); }),
  ];
}

t.test("malformed batches get error statuses", async (t) => {
  const f = await filterWithKey();
  const good = buildBatch({ records: mixedRecords() });
  const cases: [string, Buffer, string][] = [
    ["empty input", Buffer.alloc(0), "WASM_BATCH_INVALID"],
    ["shorter than the log overhead", good.subarray(0, 11), "WASM_BATCH_INVALID"],
    ["truncated header", good.subarray(0, 40), "WASM_BATCH_INVALID"],
    ["truncated records", good.subarray(0, good.length - 1), "WASM_BATCH_INVALID"],
    ["batchLength too big", (() => { const b = copy(good); b.writeInt32BE(b.readInt32BE(8) + 1, 8); return b; })(), "WASM_BATCH_INVALID"],
    ["batchLength too small", (() => { const b = copy(good); b.writeInt32BE(b.readInt32BE(8) - 1, 8); return b; })(), "WASM_BATCH_INVALID"],
    ["batchLength negative", (() => { const b = copy(good); b.writeInt32BE(-5, 8); return b; })(), "WASM_BATCH_INVALID"],
    ["batchLength shorter than a header", (() => { const b = copy(good.subarray(0, 30)); b.writeInt32BE(18, 8); return b; })(), "WASM_BATCH_INVALID"],
    ["bad CRC", (() => { const b = copy(good); b[70]! ^= 0x40; return b; })(), "WASM_BATCH_INVALID"],
    ["magic 1", (() => { const b = copy(good); b[16] = 1; return b; })(), "WASM_BATCH_UNSUPPORTED_MAGIC"],
    ["count too high", fixCrc((() => { const b = copy(good); b.writeInt32BE(7, 57); return b; })()), "WASM_BATCH_INVALID"],
    ["count too low", fixCrc((() => { const b = copy(good); b.writeInt32BE(5, 57); return b; })()), "WASM_BATCH_INVALID"],
    ["count negative", fixCrc((() => { const b = copy(good); b.writeInt32BE(-1, 57); return b; })()), "WASM_BATCH_INVALID"],
    ["record length lies", buildBatch({ records: [] }, [Buffer.from([...varint(50), 0, 0, 0, 1, 1])]), "WASM_BATCH_INVALID"],
    ["key length past record", buildBatch({ records: [] }, [Buffer.from([...varint(6), 0, 0, 0, ...varint(100), 1, 0])]), "WASM_BATCH_INVALID"],
    ["key length -2", buildBatch({ records: [] }, [Buffer.from([...varint(6), 0, 0, 0, ...varint(-2), 1, 0])]), "WASM_BATCH_INVALID"],
    ["negative header count", buildBatch({ records: [] }, [Buffer.from([...varint(6), 0, 0, 0, 1, 1, ...varint(-1)])]), "WASM_BATCH_INVALID"],
    ["header count too high", buildBatch({ records: [] }, [Buffer.from([...varint(6), 0, 0, 0, 1, 1, ...varint(3)])]), "WASM_BATCH_INVALID"],
    ["varint over 5 bytes", buildBatch({ records: [] }, [Buffer.from([...varint(10), 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 1, 1])]), "WASM_BATCH_INVALID"],
    ["trailing bytes in record", buildBatch({ records: [] }, [Buffer.from([...varint(7), 0, 0, 0, 1, 1, 0, 9])]), "WASM_BATCH_INVALID"],
  ];
  for (const [name, b, code] of cases) {
    const [enc, list, dec] = allCalls(f, b);
    t.equal(enc, code, `${name}: encrypt_batch`);
    if (code === "WASM_BATCH_UNSUPPORTED_MAGIC") {
      t.equal(list, "no error", `${name}: list_edeks passes old magic through (policy)`);
      t.equal(dec, "no error", `${name}: decrypt_batch passes old magic through (policy)`);
    } else {
      t.equal(list, code, `${name}: list_edeks`);
      t.equal(dec, code, `${name}: decrypt_batch`);
    }
  }
  t.equal(f.generation, 0, "no trap replaced the instance");
});

// xorshift32: a failure names a reproducible case.
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return (n: number): number => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x % n;
  };
}

t.test("mutation fuzz: statuses only, no traps, no stray pointers, no leaks", async (t) => {
  const f = await filterWithKey(100_000_000);
  const rand = rng(0x5eed);
  const plain = buildBatch({ records: mixedRecords() });
  const enc = f.encryptBatch(plain, 0);
  const baseline = f.liveBytes();
  const seen = new Map<string, number>();
  for (let i = 0; i < 3000; i++) {
    const b = copy(i % 2 ? enc : plain);
    const flips = 1 + rand(4);
    for (let k = 0; k < flips; k++) {
      const at = 61 + rand(b.length - 61);
      b[at] = rand(3) === 0 ? 0xff : b[at]! ^ (1 << rand(8));
    }
    const cut = rand(10) === 0 ? b.subarray(0, rand(b.length)) : b;
    if (rand(2) === 0 && cut.length >= 61) fixCrc(cut);
    for (const code of allCalls(f, cut)) seen.set(code, (seen.get(code) ?? 0) + 1);
  }
  t.equal(seen.get("WASM_TRAP") ?? 0, 0, "no traps");
  t.equal(seen.get("WASM_OUT_OF_BOUNDS") ?? 0, 0, "no pointers outside memory");
  t.equal(f.generation, 0);
  t.equal(f.liveBytes(), baseline, "every path freed what it allocated");
  t.comment(JSON.stringify(Object.fromEntries(seen)));
});

t.test("records blob: whole batches processed, truncated trailing batch left untouched", async (t) => {
  const f = await filterWithKey();
  const b1 = buildBatch({ baseOffset: 0n, records: [{ key: null, value: Buffer.from("one") }] });
  const b2 = buildBatch({ baseOffset: 1n, records: [{ key: null, value: Buffer.from("two") }] });
  const cutAt = 30;
  const blob = Buffer.concat([u8(b1), u8(b2), u8(b1.subarray(0, cutAt))]);
  const out = f.encryptRecords(blob, 0);
  t.ok(out.subarray(out.length - cutAt).equals(u8(b1.subarray(0, cutAt))), "trailing bytes unchanged");
  const split = out.subarray(0, out.length - cutAt);
  const first = split.subarray(0, 12 + split.readInt32BE(8));
  const second = split.subarray(first.length);
  t.ok(f.decryptBatch(first, [[EDEK, 0]]).batch!.equals(u8(b1)));
  t.ok(f.decryptBatch(second, [[EDEK, 0]]).batch!.equals(u8(b2)));
});

t.test("fetched records: EDEKs listed across batches, decrypted per batch, truncated tail untouched", async (t) => {
  const f = await filterWithKey();
  const b1 = buildBatch({ baseOffset: 0n, records: [{ key: null, value: Buffer.from("one") }] });
  const b2 = buildBatch({ baseOffset: 1n, records: [{ key: null, value: Buffer.from("two") }, { key: null, value: null }] });
  const e1 = f.encryptBatch(b1, 0);
  const e2 = f.encryptBatch(b2, 0);
  const tail = e1.subarray(0, e1.length - 5);
  const fetched = Buffer.concat([u8(e1), u8(e2), u8(tail)]);
  t.same(f.listRecordsEdeks(fetched), [EDEK]);
  const { records, failures } = f.decryptRecords(fetched, [[EDEK, 0]]);
  t.same(failures, []);
  t.ok(records!.equals(u8(Buffer.concat([u8(b1), u8(b2), u8(tail)]))), "plaintext batches, then the encrypted tail as it was");
  const tampered = copy(fetched);
  tampered[e1.length + e2.length - 38]! ^= 1; // last tag byte of record 0 (before its header count, 29-byte header and the 7-byte tombstone)
  const bad = f.decryptRecords(fixCrcAt(tampered, e1.length, e2.length), [[EDEK, 0]]);
  t.equal(bad.records, null);
  t.same(bad.failures, [{ batch: 1, index: 0, reason: "TAG_MISMATCH" }]);
});

function fixCrcAt(b: Buffer, off: number, len: number): Buffer {
  fixCrc(b.subarray(off, off + len));
  return b;
}
