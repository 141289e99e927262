// The encrypted value ("wrapper", spec "Encrypted value layout"):
//   cipher id u8 (0x00 = AES-256-GCM) | EDEK length uvarint (<= 32767) | EDEK
//   | AAD id u8 (0x00 = empty AAD) | IV 12 bytes | ciphertext of the parcel || 16-byte tag
import * as S from "../abi/status";
import { cursor, fail, pos, readU8, readUvarint, sizeUvarint, skip, writeUvarint } from "../kafka/varint";

export const CIPHER_AES_256_GCM: u8 = 0x00;
export const AAD_NONE: u8 = 0x00;
export const IV_BYTES: i32 = 12;
export const TAG_BYTES: i32 = 16;
export const MAX_EDEK_BYTES: i32 = 32767;

/** Wrapper size around a parcel of parcelLen bytes. */
export function wrapperSize(edekLen: i32, parcelLen: i32): i64 {
  return <i64>(1 + sizeUvarint(<u32>edekLen) + edekLen + 1 + IV_BYTES + TAG_BYTES) + <i64>parcelLen;
}

/** Writes cipher id, EDEK length, EDEK, AAD id; returns where the IV goes. */
export function writeWrapperHead(p: usize, edek: usize, edekLen: i32): usize {
  store<u8>(p, CIPHER_AES_256_GCM);
  p = writeUvarint(p + 1, <u32>edekLen);
  memory.copy(p, edek, <usize>edekLen);
  p += <usize>edekLen;
  store<u8>(p, AAD_NONE);
  return p + 1;
}

// Fields of the wrapper last parsed by parseWrapper.
export let wEdek: usize = 0;
export let wEdekLen: i32 = 0;
export let wIv: usize = 0;
export let wCiphertext: usize = 0;
export let wCiphertextLen: i32 = 0;
export let wTag: usize = 0;

/**
 * Parses the wrapper in [p, p+len). Returns OK or the per-record status: REC_CIPHER_UNKNOWN,
 * REC_AAD_UNKNOWN, REC_WRAPPER_TRUNCATED (also for an EDEK length over 32767).
 */
export function parseWrapper(p: usize, len: i32): i32 {
  if (len < 1) return S.REC_WRAPPER_TRUNCATED;
  cursor(p, p + <usize>len);
  if (readU8() != CIPHER_AES_256_GCM) return S.REC_CIPHER_UNKNOWN;
  const edekLen = readUvarint();
  if (fail || edekLen > <u32>MAX_EDEK_BYTES) return S.REC_WRAPPER_TRUNCATED;
  wEdek = pos;
  wEdekLen = <i32>edekLen;
  skip(<i64>edekLen);
  const aad = readU8();
  if (fail) return S.REC_WRAPPER_TRUNCATED;
  if (aad != AAD_NONE) return S.REC_AAD_UNKNOWN;
  wIv = pos;
  skip(IV_BYTES);
  if (fail) return S.REC_WRAPPER_TRUNCATED;
  const rest = <i32>(p + <usize>len - pos);
  if (rest < TAG_BYTES) return S.REC_WRAPPER_TRUNCATED;
  wCiphertext = pos;
  wCiphertextLen = rest - TAG_BYTES;
  wTag = pos + <usize>wCiphertextLen;
  return S.OK;
}
