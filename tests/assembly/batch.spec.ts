// Record batch v2 parsing and resealing on a batch written out by hand from the Kafka protocol
// docs: baseOffset 5, leader epoch 1, CRC 0x4269869e, producer 7/2, base sequence 3, two records:
//   18 00 00 00 02 6b 02 76 02 02 68 02 78   length 12, key "k", value "v", header h=x
//   0e 00 00 02 02 74 01 00                  length 7, offsetDelta 1, key "t", null value
import * as S from "../../assembly/abi/status";
import {
  batchRecordsCount, checkBatch, checkRecords, isCompressed, isPassThrough, parseRecord, sealBatch,
  rEnd, rEncIdx, rHdrCount, rValue, rValueLen, rHdrs, rHdr0End, rValuePos, rBody, rStart,
} from "../../assembly/kafka/batch";

const HEX = "00000000000000050000004600000001024269869e0000000000010000018bcfe568000000018bcfe568000000000000000007000200000003000000021800000002" +
  "6b027602026802780e00000202740100";

function fromHex(s: string): usize {
  const n = s.length >> 1;
  const b = heap.alloc(n);
  for (let i = 0; i < n; i++) store<u8>(b + i, <u8>I32.parseInt(s.substr(i * 2, 2), 16));
  return b;
}

function copyOf(p: usize, n: i32): usize {
  const b = heap.alloc(n);
  memory.copy(b, p, n);
  return b;
}

const LEN = HEX.length >> 1;

describe("checkBatch", () => {
  it("accepts the batch and reads its header", () => {
    const p = fromHex(HEX);
    expect(checkBatch(p, LEN)).toBe(S.OK);
    expect(batchRecordsCount).toBe(2);
    expect(isCompressed()).toBe(false);
    expect(isPassThrough()).toBe(false);
    expect(checkRecords(p, LEN)).toBe(S.OK);
  });
  it("refuses truncation, lying lengths, a bad CRC, other magics, compression is flagged", () => {
    const p = fromHex(HEX);
    expect(checkBatch(p, 11)).toBe(S.BATCH_TRUNCATED);
    expect(checkBatch(p, LEN - 1)).toBe(S.BATCH_TRUNCATED);
    const longer = heap.alloc(LEN + 1);
    memory.copy(longer, p, LEN);
    expect(checkBatch(longer, LEN + 1)).toBe(S.BATCH_LENGTH_MISMATCH);
    let q = copyOf(p, LEN);
    store<u8>(q + 70, load<u8>(q + 70) ^ 1);
    expect(checkBatch(q, LEN)).toBe(S.BATCH_CRC_MISMATCH);
    q = copyOf(p, LEN);
    store<u8>(q + 16, 1);
    expect(checkBatch(q, LEN)).toBe(S.BATCH_MAGIC_UNSUPPORTED);
    q = copyOf(p, LEN);
    store<u8>(q + 22, 3); // lz4
    sealBatch(q, LEN);
    expect(checkBatch(q, LEN)).toBe(S.OK);
    expect(isCompressed()).toBe(true);
    q = copyOf(p, LEN);
    store<u8>(q + 22, 0x20); // control
    sealBatch(q, LEN);
    expect(checkBatch(q, LEN)).toBe(S.OK);
    expect(isPassThrough()).toBe(true);
  });
  it("counts records against recordsCount", () => {
    const q = copyOf(fromHex(HEX), LEN);
    store<u8>(q + 60, 3);
    sealBatch(q, LEN);
    expect(checkBatch(q, LEN)).toBe(S.OK);
    expect(checkRecords(q, LEN)).toBe(S.RECORD_COUNT_MISMATCH);
    store<u8>(q + 60, 1);
    sealBatch(q, LEN);
    expect(checkBatch(q, LEN)).toBe(S.OK);
    expect(checkRecords(q, LEN)).toBe(S.RECORD_COUNT_MISMATCH);
  });
  it("sealBatch writes batchLength and the CRC", () => {
    const q = copyOf(fromHex(HEX), LEN);
    store<u32>(q + 8, 0);
    store<u32>(q + 17, 0);
    sealBatch(q, LEN);
    expect(memory.compare(q, fromHex(HEX), LEN)).toBe(0);
  });
});

describe("parseRecord", () => {
  it("finds every field of both records", () => {
    const p = fromHex(HEX);
    const end = p + <usize>LEN;
    expect(parseRecord(p + 61, end)).toBe(S.OK);
    expect(rStart).toBe(p + 61);
    expect(rBody).toBe(p + 62);
    expect(rEnd).toBe(p + 74);
    expect(rValuePos).toBe(p + 67);
    expect(rValueLen).toBe(1);
    expect(load<u8>(rValue)).toBe(0x76);
    expect(rHdrCount).toBe(1);
    expect(rHdrs).toBe(p + 70);
    expect(rHdr0End).toBe(p + 74);
    expect(rEncIdx).toBe(-1);
    expect(parseRecord(rEnd, end)).toBe(S.OK);
    expect(rValueLen).toBe(-1);
    expect(rHdrCount).toBe(0);
    expect(rEnd).toBe(end);
  });
  it("refuses a record whose length runs past the batch or does not match its fields", () => {
    const q = copyOf(fromHex(HEX), LEN);
    const end = q + <usize>LEN;
    store<u8>(q + 74, 0x10); // second record claims 8 bytes, has 7
    expect(parseRecord(q + 74, end)).toBe(S.RECORD_MALFORMED);
    store<u8>(q + 74, 0x0c); // claims 6: fields run past it
    expect(parseRecord(q + 74, end)).toBe(S.RECORD_MALFORMED);
  });
});
