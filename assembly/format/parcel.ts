// The plaintext that is encrypted ("parcel", spec "Plaintext that is encrypted"):
//   value length varint (zig-zag; -1 null, -2 absent) | value
//   | header count varint (zig-zag; -2 = headers not carried)
//   | headers when count >= 0: key length uvarint, key, value length varint (-1 null), value
// kseal writes values only: zigzag(len) | value | 0x03 (zig-zag of -2).
import * as S from "../abi/status";
import { cursor, fail, pos, readUvarint, readVarint, sizeVarint, skip, writeVarint } from "../kafka/varint";

export const ABSENT: i32 = -2;

export function parcelSize(valueLen: i32): i32 {
  return sizeVarint(valueLen) + valueLen + 1;
}

/** Writes the value-only parcel at p; returns the position after it. */
export function writeParcel(p: usize, value: usize, valueLen: i32): usize {
  p = writeVarint(p, valueLen);
  memory.copy(p, value, <usize>valueLen);
  p += <usize>valueLen;
  store<u8>(p, 0x03);
  return p + 1;
}

// Fields of the parcel last parsed by parseParcel.
export let pValueLen: i32 = 0;       // -1 null, -2 absent
export let pValue: usize = 0;
export let pHdrCount: i32 = 0;       // -2 = not carried
export let pHdrs: usize = 0;
export let pHdrsEnd: usize = 0;
export let pHdrsRecordSize: i64 = 0; // the carried headers re-encoded as Kafka record headers

/** Parses and checks a whole parcel in [p, p+len); REC_PARCEL_MALFORMED unless it is exact. */
export function parseParcel(p: usize, len: i32): i32 {
  cursor(p, p + <usize>len);
  pValueLen = readVarint();
  if (fail || pValueLen < ABSENT) return S.REC_PARCEL_MALFORMED;
  pValue = pos;
  if (pValueLen > 0) skip(pValueLen);
  pHdrCount = readVarint();
  if (fail || pHdrCount < ABSENT || pHdrCount == -1) return S.REC_PARCEL_MALFORMED;
  pHdrs = pos;
  pHdrsRecordSize = 0;
  for (let i = 0; i < pHdrCount; i++) {
    const kLen = readUvarint();
    if (fail || kLen > 0x7fffffff) return S.REC_PARCEL_MALFORMED;
    skip(<i64>kLen);
    const vLen = readVarint();
    if (fail || vLen < -1) return S.REC_PARCEL_MALFORMED;
    if (vLen > 0) skip(vLen);
    if (fail) return S.REC_PARCEL_MALFORMED;
    pHdrsRecordSize += <i64>sizeVarint(<i32>kLen) + <i64>kLen + <i64>sizeVarint(vLen) + <i64>(vLen > 0 ? vLen : 0);
  }
  pHdrsEnd = pos;
  if (fail || pos != p + <usize>len) return S.REC_PARCEL_MALFORMED;
  return S.OK;
}

/** Writes the parcel's headers (already checked) as Kafka record headers at p. */
export function writeParcelHeadersAsRecordHeaders(p: usize): usize {
  cursor(pHdrs, pHdrsEnd);
  for (let i = 0; i < pHdrCount; i++) {
    const kLen = <i32>readUvarint();
    p = writeVarint(p, kLen);
    memory.copy(p, pos, <usize>kLen);
    p += <usize>kLen;
    skip(kLen);
    const vLen = readVarint();
    const vBytes = vLen > 0 ? vLen : 0;
    p = writeVarint(p, vLen);
    memory.copy(p, pos, <usize>vBytes);
    p += <usize>vBytes;
    skip(vBytes);
  }
  return p;
}
