// decrypt_batch and list_edeks: the two steps of reading encrypted records (spec "Reading").
// Step 1 lists the distinct EDEKs of a batch so the host can unwrap them and load the DEKs into
// slots; step 2 decrypts every record carrying the encryption header with the slot whose EDEK
// matches the record's, byte for byte. Records without the header are copied unchanged.
// Rewritten record: length | attributes..key (copied) | value from the parcel
//                   | headers: the record's minus the encryption header at index 0 (parcel header
//                     count -2), or the parcel's headers (count >= 0)
import * as S from "./status";
import { DECRYPT_FAILS_WHOLE_BATCH, DECRYPT_PASSES_OLD_MAGIC, refusesPlaintext } from "./policy";
import { count, C_DECRYPTED, C_FETCH_FAILED, C_FETCH_PLAINTEXT } from "../policy/counters";
import { allocBytes, freeBytes, ALLOC_MAX } from "./memory";
import { SLOT_COUNT, findSlot, slotCtx, validSlot } from "./slots";
import { gcmOpen } from "./aead";
import {
  BATCH_OVERHEAD, OFF_ATTRIBUTES, OFF_RECORDS, checkBatch, checkRecords, isCompressed, isPassThrough,
  parseRecord, sealBatchWithCrc, rBody, rEnd, rEncIdx, rEncValue, rEncValueLen, rHdr0End, rHdrCount, rHdrCountPos,
  rHdrs, rStart, rValue, rValueLen, rValuePos,
} from "../kafka/batch";
import { sizeVarint, writeVarint } from "../kafka/varint";
import { crc32c, crc32cUpdate } from "../kafka/crc32c";
import { isSupportedVersion } from "../format/encryption-header";
import { parseWrapper, wCiphertext, wCiphertextLen, wEdek, wEdekLen, wIv, wTag } from "../format/wrapper";
import {
  ABSENT, parseParcel, pHdrCount, pHdrsRecordSize, pValue, pValueLen, writeParcelHeadersAsRecordHeaders,
} from "../format/parcel";

/** Common checks; OK with `proceed` false means the batch passes through unchanged. */
let proceed = false;
function checkForDecrypt(inp: usize, inLen: i32): i32 {
  proceed = false;
  let st = checkBatch(inp, inLen);
  if (st == S.BATCH_MAGIC_UNSUPPORTED && DECRYPT_PASSES_OLD_MAGIC) return S.OK;
  if (st != S.OK) return st;
  if (isPassThrough()) return S.OK;
  if (isCompressed()) return S.BATCH_COMPRESSED;
  st = checkRecords(inp, inLen);
  if (st != S.OK) return st;
  proceed = true;
  return S.OK;
}

/** Whether the current record carries a readable wrapper; sets the wrapper fields. */
function wrapperOfRecord(): i32 {
  if (!isSupportedVersion(rEncValue, rEncValueLen)) return S.REC_FORMAT_VERSION_UNKNOWN;
  if (rValueLen < 0) return S.REC_WRAPPER_TRUNCATED;
  return parseWrapper(rValue, rValueLen);
}

// out (8 bytes): 0 table ptr u32 | 4 count u32; table entries (8 bytes): offset of the EDEK from
// the start of the batch u32 | its length u32, in order of first appearance.
export function listEdeks(inp: usize, inLen: i32, out: usize): i32 {
  memory.fill(out, 0, 8);
  let st = checkForDecrypt(inp, inLen);
  if (st != S.OK || !proceed) return st;
  const table = allocBytes(<usize>SLOT_COUNT * 8);
  if (table == 0) return S.OUT_OF_MEMORY;
  let count: i32 = 0;
  const end = inp + <usize>inLen;
  let q = inp + OFF_RECORDS;
  while (q < end) {
    parseRecord(q, end);
    q = rEnd;
    if (rEncIdx < 0 || wrapperOfRecord() != S.OK) continue;
    let seen = false;
    for (let i = 0; i < count && !seen; i++) {
      const e = table + (<usize>i << 3);
      seen = load<i32>(e, 4) == wEdekLen && memory.compare(inp + <usize>load<u32>(e), wEdek, <usize>wEdekLen) == 0;
    }
    if (seen) continue;
    if (count == SLOT_COUNT) { freeBytes(table, false); return S.TOO_MANY_EDEKS; }
    const e = table + (<usize>count << 3);
    store<u32>(e, <u32>(wEdek - inp));
    store<i32>(e, wEdekLen, 4);
    count++;
  }
  store<u32>(out, <u32>table);
  store<i32>(out, count, 4);
  return S.OK;
}

// Output buffer of the batch being decrypted; grows when parcels carry headers.
let obuf: usize = 0;
let ocap: usize = 0;
let olen: usize = 0;
let ofail: i32 = S.OK; // why ensure last failed: TOO_LARGE or OUT_OF_MEMORY

function ensure(n: usize): bool {
  if (olen + n <= ocap) return true;
  let cap = ocap * 2;
  if (cap < olen + n) cap = olen + n;
  if (cap > ALLOC_MAX) cap = ALLOC_MAX;
  if (olen + n > cap) { ofail = S.TOO_LARGE; return false; }
  const nb = allocBytes(cap);
  if (nb == 0) { ofail = S.OUT_OF_MEMORY; return false; }
  memory.copy(nb, obuf, olen);
  freeBytes(obuf, true);
  obuf = nb;
  ocap = cap;
  return true;
}

function emitRaw(from: usize, to: usize): bool {
  const n = to - from;
  if (!ensure(n)) return false;
  memory.copy(obuf + olen, from, n);
  olen += n;
  return true;
}

// out (24 bytes): 0 batch ptr u32 | 4 batch len i32 | 8 changed u32 | 12 failure table ptr u32
// | 16 failure count u32 | 20 records decrypted u32. Failure entries (8 bytes): record index u32
// | status i32.
export function decryptBatch(inp: usize, inLen: i32, slots: usize, slotCount: i32, out: usize): i32 {
  memory.fill(out, 0, 24);
  if (slotCount < 0 || slotCount > SLOT_COUNT) return S.BAD_ARGUMENT;
  for (let i = 0; i < slotCount; i++) {
    if (!validSlot(load<i32>(slots + (<usize>i << 2)))) return S.BAD_ARGUMENT;
  }
  let st = checkForDecrypt(inp, inLen);
  if (st != S.OK || !proceed) return st;

  // Size the scratch space for the largest ciphertext and count the encrypted records.
  const end = inp + <usize>inLen;
  let q = inp + OFF_RECORDS;
  let encrypted: i32 = 0;
  let maxValue: i32 = 0;
  while (q < end) {
    parseRecord(q, end);
    q = rEnd;
    if (rEncIdx < 0) {
      count(C_FETCH_PLAINTEXT);
      if (refusesPlaintext(rValueLen)) encrypted++;
      continue;
    }
    encrypted++;
    if (rValueLen > maxValue) maxValue = rValueLen;
  }
  if (encrypted == 0) return S.OK;

  const scratch = allocBytes(maxValue > 0 ? <usize>maxValue : 1);
  const failures = allocBytes(<usize>encrypted * 8);
  obuf = allocBytes(<usize>inLen);
  ocap = <usize>inLen;
  olen = 0;
  if (scratch == 0 || failures == 0 || obuf == 0) {
    freeBytes(scratch, false);
    freeBytes(failures, false);
    freeBytes(obuf, false);
    obuf = 0;
    return S.OUT_OF_MEMORY;
  }
  emitRaw(inp, inp + <usize>BATCH_OVERHEAD);
  // the output CRC runs record by record, while each record is still in cache
  let crc = crc32c(obuf + OFF_ATTRIBUTES, OFF_RECORDS - OFF_ATTRIBUTES);
  let failed: i32 = 0;
  let decrypted: u32 = 0;
  let index: u32 = 0;
  let fits = true;
  q = inp + OFF_RECORDS;
  while (q < end && fits) {
    const before = olen;
    parseRecord(q, end);
    q = rEnd;
    if (rEncIdx < 0 && !refusesPlaintext(rValueLen)) {
      fits = emitRaw(rStart, rEnd);
    } else {
      st = rEncIdx < 0
        ? S.REC_PLAINTEXT_REFUSED
        : decryptRecord(slots, slotCount, scratch, failed == 0 || !DECRYPT_FAILS_WHOLE_BATCH);
      if (st == S.OUT_OF_MEMORY) {
        fits = false;
      } else if (st != S.OK) {
        const f = failures + (<usize>failed << 3);
        store<u32>(f, index);
        store<i32>(f, st, 4);
        failed++;
        count(C_FETCH_FAILED);
        if (!DECRYPT_FAILS_WHOLE_BATCH) fits = emitRaw(rStart, rEnd);
      } else {
        decrypted++;
        count(C_DECRYPTED);
      }
    }
    if (fits) crc = crc32cUpdate(crc, obuf + before, olen - before);
    index++;
  }
  freeBytes(scratch, true);
  if (!fits) {
    freeBytes(failures, false);
    freeBytes(obuf, true);
    obuf = 0;
    return ofail;
  }
  if (failed > 0) {
    store<u32>(out, <u32>failures, 12);
    store<i32>(out, failed, 16);
  } else {
    freeBytes(failures, false);
  }
  if (failed > 0 && DECRYPT_FAILS_WHOLE_BATCH) {
    freeBytes(obuf, true);
    obuf = 0;
    return S.RECORD_FAILURES;
  }
  sealBatchWithCrc(obuf, <i32>olen, crc);
  store<u32>(out, <u32>obuf);
  store<i32>(out, <i32>olen, 4);
  store<u32>(out, 1, 8);
  store<u32>(out, decrypted, 20);
  obuf = 0;
  return S.OK;
}

/**
 * Decrypts the current record and, when emit is set, appends it to the output. Returns OK, a
 * per-record status, or OUT_OF_MEMORY when the output cannot grow (the reason is in ofail).
 * Plaintext only reaches the output after its tag verified.
 */
function decryptRecord(slots: usize, slotCount: i32, scratch: usize, emit: bool): i32 {
  let st = wrapperOfRecord();
  if (st != S.OK) return st;
  const slot = findSlot(slots, slotCount, wEdek, wEdekLen);
  if (slot < 0) return S.REC_KEY_NOT_LOADED;
  if (!gcmOpen(slotCtx(slot), wIv, scratch, 0, wCiphertext, wCiphertextLen, wTag, scratch)) return S.REC_TAG_MISMATCH;
  st = parseParcel(scratch, wCiphertextLen);
  if (st != S.OK) return st;
  if (!emit) return S.OK;

  const prefix = <i64>(rValuePos - rBody);
  const valuePart = pValueLen == ABSENT
    ? <i64>(rHdrCountPos - rValuePos)
    : <i64>sizeVarint(pValueLen) + <i64>(pValueLen > 0 ? pValueLen : 0);
  let hdrCount: i32;
  let hdrFrom: usize = 0;
  let hdrBytes: i64;
  if (pHdrCount == ABSENT) {
    hdrFrom = rEncIdx == 0 ? rHdr0End : rHdrs;
    hdrCount = rEncIdx == 0 ? rHdrCount - 1 : rHdrCount;
    hdrBytes = <i64>(rEnd - hdrFrom);
  } else {
    hdrCount = pHdrCount;
    hdrBytes = pHdrsRecordSize;
  }
  const body = prefix + valuePart + <i64>sizeVarint(hdrCount) + hdrBytes;
  if (body > <i64>ALLOC_MAX) { ofail = S.TOO_LARGE; return S.OUT_OF_MEMORY; }
  if (!ensure(<usize>(sizeVarint(<i32>body) + body))) return S.OUT_OF_MEMORY;
  let w = obuf + olen;
  w = writeVarint(w, <i32>body);
  memory.copy(w, rBody, <usize>prefix);
  w += <usize>prefix;
  if (pValueLen == ABSENT) {
    memory.copy(w, rValuePos, <usize>valuePart);
    w += <usize>valuePart;
  } else {
    w = writeVarint(w, pValueLen);
    if (pValueLen > 0) {
      memory.copy(w, pValue, <usize>pValueLen);
      w += <usize>pValueLen;
    }
  }
  w = writeVarint(w, hdrCount);
  if (pHdrCount == ABSENT) {
    memory.copy(w, hdrFrom, <usize>hdrBytes);
    w += <usize>hdrBytes;
  } else {
    w = writeParcelHeadersAsRecordHeaders(w);
  }
  olen = w - obuf;
  return S.OK;
}
