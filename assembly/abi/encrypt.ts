// encrypt_batch: every record the policy selects gets its value replaced by the wrapper around
// the encrypted parcel and the encryption header inserted at index 0 (spec "Record header",
// "Encrypted value layout", "Plaintext that is encrypted"). Everything else in the batch is
// copied as it was; batchLength and the CRC are recomputed.
// Rewritten record: length | attributes..key (copied) | varint wrapper length | wrapper
//                   | varint (headers + 1) | encryption header | original headers (copied)
import * as S from "./status";
import { shouldEncrypt } from "./policy";
import { count, C_ENCRYPTED, C_PRODUCE_KEPT } from "../policy/counters";
import { allocBytes, freeBytes, ALLOC_MAX } from "./memory";
import { canTake, slotCtx, slotEdek, slotEdekLen, slotLoaded, takeIv, validSlot } from "./slots";
import { gcmSeal } from "./aead";
import {
  BATCH_OVERHEAD, OFF_ATTRIBUTES, OFF_RECORDS, checkBatch, isCompressed, isPassThrough, parseRecord, sealBatchWithCrc,
  rBody, rEnd, rEncIdx, rHdrCount, rHdrs, rStart, rValue, rValueLen, rValuePos, batchRecordsCount,
} from "../kafka/batch";
import { sizeVarint, writeVarint } from "../kafka/varint";
import { crc32c, crc32cUpdate } from "../kafka/crc32c";
import { HEADER_BYTES, writeEncryptionHeader } from "../format/encryption-header";
import { IV_BYTES, wrapperSize, writeWrapperHead } from "../format/wrapper";
import { parcelSize, writeParcel } from "../format/parcel";

// out (16 bytes): 0 batch ptr u32 | 4 batch len i32 | 8 changed u32 | 12 records encrypted u32
export function encryptBatch(slot: i32, inp: usize, inLen: i32, out: usize): i32 {
  memory.fill(out, 0, 16);
  if (!validSlot(slot)) return S.BAD_ARGUMENT;
  if (!slotLoaded(slot)) return S.SLOT_EMPTY;
  let st = checkBatch(inp, inLen);
  if (st != S.OK) return st;
  if (isPassThrough()) return S.OK;
  if (isCompressed()) return S.BATCH_COMPRESSED;

  // Pass 1: check every record, size the output, count the IVs needed.
  const edekLen = slotEdekLen(slot);
  const end = inp + <usize>inLen;
  let q = inp + OFF_RECORDS;
  let n: i32 = 0;
  let toEncrypt: u32 = 0;
  let outSize: i64 = BATCH_OVERHEAD;
  while (q < end) {
    if (n == batchRecordsCount) return S.RECORD_COUNT_MISMATCH;
    st = parseRecord(q, end);
    if (st != S.OK) return st;
    if (shouldEncrypt(rValueLen, rEncIdx >= 0)) {
      const body = encryptedBodySize(edekLen);
      if (body > <i64>ALLOC_MAX) return S.TOO_LARGE;
      outSize += <i64>sizeVarint(<i32>body) + body;
      toEncrypt++;
    } else {
      outSize += <i64>(rEnd - rStart);
    }
    if (outSize > <i64>ALLOC_MAX) return S.TOO_LARGE;
    q = rEnd;
    n++;
  }
  if (n != batchRecordsCount) return S.RECORD_COUNT_MISMATCH;
  if (toEncrypt == 0) return S.OK;
  st = canTake(slot, toEncrypt);
  if (st != S.OK) return st;

  const buf = allocBytes(<usize>outSize);
  if (buf == 0) return S.OUT_OF_MEMORY;

  // Pass 2: write the batch.
  const ctx = slotCtx(slot);
  const edek = slotEdek(slot);
  memory.copy(buf, inp, <usize>BATCH_OVERHEAD);
  let w = buf + <usize>BATCH_OVERHEAD;
  // the output CRC runs record by record, while each record is still in cache
  let crc = crc32c(buf + OFF_ATTRIBUTES, OFF_RECORDS - OFF_ATTRIBUTES);
  q = inp + OFF_RECORDS;
  while (q < end) {
    const recordOut = w;
    parseRecord(q, end);
    if (shouldEncrypt(rValueLen, rEncIdx >= 0)) {
      w = writeVarint(w, <i32>encryptedBodySize(edekLen));
      const prefix = rValuePos - rBody;
      memory.copy(w, rBody, prefix);
      w += prefix;
      const parcelLen = parcelSize(rValueLen);
      w = writeVarint(w, <i32>wrapperSize(edekLen, parcelLen));
      w = writeWrapperHead(w, edek, edekLen);
      const iv = w;
      takeIv(slot, iv);
      w += <usize>IV_BYTES;
      // the parcel is written where its ciphertext goes and sealed in place
      writeParcel(w, rValue, rValueLen);
      gcmSeal(ctx, iv, w, 0, w, parcelLen, w, w + <usize>parcelLen);
      w += <usize>parcelLen + 16;
      w = writeVarint(w, rHdrCount + 1);
      w = writeEncryptionHeader(w);
      const hdrs = rEnd - rHdrs;
      memory.copy(w, rHdrs, hdrs);
      w += hdrs;
    } else {
      const len = rEnd - rStart;
      memory.copy(w, rStart, len);
      w += len;
    }
    crc = crc32cUpdate(crc, recordOut, w - recordOut);
    q = rEnd;
  }
  sealBatchWithCrc(buf, <i32>outSize, crc);
  count(C_ENCRYPTED, toEncrypt);
  count(C_PRODUCE_KEPT, <u64>(n - <i32>toEncrypt));
  store<u32>(out, <u32>buf);
  store<i32>(out, <i32>outSize, 4);
  store<u32>(out, 1, 8);
  store<u32>(out, toEncrypt, 12);
  return S.OK;
}

/** Size after the length varint of the current record once encrypted. */
function encryptedBodySize(edekLen: i32): i64 {
  const wLen = wrapperSize(edekLen, parcelSize(rValueLen));
  return <i64>(rValuePos - rBody) + <i64>sizeVarint(<i32>wLen) + wLen +
    <i64>sizeVarint(rHdrCount + 1) + <i64>HEADER_BYTES + <i64>(rEnd - rHdrs);
}
