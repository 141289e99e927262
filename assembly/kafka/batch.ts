// Kafka record batch v2 (magic 2). All batch header integers are big-endian.
//   off  size  field
//    0    8    baseOffset
//    8    4    batchLength        = total size - 12
//   12    4    partitionLeaderEpoch (not covered by the CRC)
//   16    1    magic = 2
//   17    4    crc                = CRC-32C of bytes 21..end
//   21    2    attributes         bits 0-2 codec, 3 timestampType, 4 transactional, 5 control,
//                                 6 hasDeleteHorizonMs
//   23    4    lastOffsetDelta
//   27    8    baseTimestamp
//   35    8    maxTimestamp
//   43    8    producerId
//   51    2    producerEpoch
//   53    4    baseSequence
//   57    4    recordsCount
//   61    ..   records (one compressed stream when codec != 0)
// Record:
//   length varint (bytes after it) | attributes int8 | timestampDelta varlong | offsetDelta varint
//   | keyLength varint (-1 null) | key | valueLength varint (-1 null) | value
//   | headersCount varint | headers: keyLength varint, key, valueLength varint (-1 null), value
import * as S from "../abi/status";
import { crc32c } from "./crc32c";
import { cursor, fail, pos, readU8, readVarint, readVarlong, skip } from "./varint";
import { isEncryptionHeaderName } from "../format/encryption-header";

export const LOG_OVERHEAD: i32 = 12;
export const BATCH_OVERHEAD: i32 = 61;
export const OFF_BATCH_LENGTH: usize = 8;
export const OFF_MAGIC: usize = 16;
export const OFF_CRC: usize = 17;
export const OFF_ATTRIBUTES: usize = 21;
export const OFF_RECORDS_COUNT: usize = 57;
export const OFF_RECORDS: usize = 61;

export const CODEC_MASK: u32 = 0x07;
export const CONTROL_FLAG: u32 = 0x20;

// @ts-ignore: decorator
@inline export function be32(p: usize): u32 {
  return bswap<u32>(load<u32>(p));
}
// @ts-ignore: decorator
@inline export function putBe32(p: usize, v: u32): void {
  store<u32>(p, bswap<u32>(v));
}

export let batchAttributes: u32 = 0;
export let batchRecordsCount: i32 = 0;

/**
 * Checks one whole batch occupying exactly [p, p+len): lengths, magic, CRC. Sets batchAttributes
 * and batchRecordsCount. Does not look at the records.
 */
export function checkBatch(p: usize, len: i32): i32 {
  if (len < LOG_OVERHEAD) return S.BATCH_TRUNCATED;
  const batchLength = <i32>be32(p + OFF_BATCH_LENGTH);
  if (batchLength < 0 || <i64>batchLength + LOG_OVERHEAD > <i64>len) return S.BATCH_TRUNCATED;
  if (batchLength + LOG_OVERHEAD < len) return S.BATCH_LENGTH_MISMATCH;
  if (len <= <i32>OFF_MAGIC) return S.BATCH_TRUNCATED;
  if (load<u8>(p + OFF_MAGIC) != 2) return S.BATCH_MAGIC_UNSUPPORTED;
  if (len < BATCH_OVERHEAD) return S.BATCH_TRUNCATED;
  if (crc32c(p + OFF_ATTRIBUTES, <usize>(len - <i32>OFF_ATTRIBUTES)) != be32(p + OFF_CRC)) return S.BATCH_CRC_MISMATCH;
  batchAttributes = <u32>bswap<u16>(load<u16>(p + OFF_ATTRIBUTES));
  batchRecordsCount = <i32>be32(p + OFF_RECORDS_COUNT);
  if (batchRecordsCount < 0) return S.RECORD_COUNT_MISMATCH;
  // recordsCount 0 with bytes after the header would pass through unparsed (isPassThrough), and a
  // broker stores it without reading past the count: plaintext values could reach the log.
  if (batchRecordsCount == 0 && len > BATCH_OVERHEAD && (batchAttributes & CONTROL_FLAG) == 0) return S.RECORD_COUNT_MISMATCH;
  return S.OK;
}

/** Control batches and batches without records are never rewritten. */
export function isPassThrough(): bool {
  return (batchAttributes & CONTROL_FLAG) != 0 || batchRecordsCount == 0;
}

export function isCompressed(): bool {
  return (batchAttributes & CODEC_MASK) != 0;
}

// The record last parsed by parseRecord (positions are absolute addresses).
export let rStart: usize = 0;      // its length varint
export let rBody: usize = 0;       // its attributes byte
export let rEnd: usize = 0;        // one past its last byte
export let rValuePos: usize = 0;   // its valueLength varint (= end of key)
export let rValueLen: i32 = 0;     // -1 = null
export let rValue: usize = 0;
export let rHdrCountPos: usize = 0;
export let rHdrCount: i32 = 0;
export let rHdrs: usize = 0;       // first header
export let rHdr0End: usize = 0;    // end of the first header (== rHdrs when there is none)
export let rEncIdx: i32 = -1;      // index of the first kroxylicious.io/encryption header, -1 none
export let rEncValue: usize = 0;   // its value
export let rEncValueLen: i32 = 0;  // its value length, -1 null

/** Parses one record starting at p that must end at or before end. Returns its end via rEnd. */
export function parseRecord(p: usize, end: usize): i32 {
  rStart = p;
  cursor(p, end);
  const length = readVarint();
  if (fail || length < 0 || <usize>length > end - pos) return S.RECORD_MALFORMED;
  rBody = pos;
  rEnd = pos + <usize>length;
  cursor(rBody, rEnd);
  readU8();
  readVarlong();
  readVarint();
  const keyLen = readVarint();
  if (keyLen < -1) return S.RECORD_MALFORMED;
  if (keyLen > 0) skip(keyLen);
  rValuePos = pos;
  rValueLen = readVarint();
  if (rValueLen < -1) return S.RECORD_MALFORMED;
  rValue = pos;
  if (rValueLen > 0) skip(rValueLen);
  rHdrCountPos = pos;
  rHdrCount = readVarint();
  if (fail || rHdrCount < 0) return S.RECORD_MALFORMED;
  rHdrs = pos;
  rHdr0End = pos;
  rEncIdx = -1;
  for (let i = 0; i < rHdrCount; i++) {
    const kLen = readVarint();
    if (fail || kLen < 0) return S.RECORD_MALFORMED;
    const k = pos;
    skip(kLen);
    const vLen = readVarint();
    if (fail || vLen < -1) return S.RECORD_MALFORMED;
    const v = pos;
    if (vLen > 0) skip(vLen);
    if (fail) return S.RECORD_MALFORMED;
    if (i == 0) rHdr0End = pos;
    if (rEncIdx < 0 && isEncryptionHeaderName(k, kLen)) {
      rEncIdx = i;
      rEncValue = v;
      rEncValueLen = vLen;
    }
  }
  if (fail || pos != rEnd) return S.RECORD_MALFORMED;
  return S.OK;
}

/**
 * Walks every record of a checked, uncompressed batch, so later passes can trust the structure:
 * each record parses, they end exactly at the batch end, and there are recordsCount of them.
 */
export function checkRecords(p: usize, len: i32): i32 {
  const end = p + <usize>len;
  let q = p + OFF_RECORDS;
  let n: i32 = 0;
  while (q < end) {
    if (n == batchRecordsCount) return S.RECORD_COUNT_MISMATCH;
    const st = parseRecord(q, end);
    if (st != S.OK) return st;
    q = rEnd;
    n++;
  }
  return n == batchRecordsCount ? S.OK : S.RECORD_COUNT_MISMATCH;
}

/** Sets batchLength and the CRC of a rebuilt batch of len bytes at p. */
export function sealBatch(p: usize, len: i32): void {
  sealBatchWithCrc(p, len, crc32c(p + OFF_ATTRIBUTES, <usize>(len - <i32>OFF_ATTRIBUTES)));
}

/** Like sealBatch with the CRC of bytes 21..end already computed (record by record while the
 * bytes were still in cache). */
export function sealBatchWithCrc(p: usize, len: i32, crc: u32): void {
  putBe32(p + OFF_BATCH_LENGTH, <u32>(len - LOG_OVERHEAD));
  putBe32(p + OFF_CRC, crc);
}
