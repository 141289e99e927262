/**
 * The local KMS's EDEK form (record-encryption format, "EDEK forms, one per KMS", local):
 *
 *   offset  size  field
 *   0       1     tag length in bits, u8 = 128
 *   1       1     IV length in bytes, u8 = 12
 *   2       12    IV of the KEK's AES-256-GCM encryption
 *   14      16    KEK id: a UUID, most significant half first (big-endian)
 *   30      48    AES-256-GCM(KEK, IV, empty AAD) of the 32-byte DEK: 32 ciphertext || 16 tag
 *   total   78
 *
 * Only 128-bit tags and 12-byte IVs are written or accepted: any other value is refused rather
 * than unwrapped with a weaker tag.
 */
import { KsealError } from "../../errors.js";
import { DEK_BYTES } from "../kms.js";
import { uuidFromBytes, uuidToBytes } from "./uuid-bytes.js";

export const LOCAL_EDEK_TAG_BITS = 128;
export const LOCAL_EDEK_IV_BYTES = 12;
export const LOCAL_EDEK_BYTES = 2 + LOCAL_EDEK_IV_BYTES + 16 + DEK_BYTES + LOCAL_EDEK_TAG_BITS / 8;

export interface LocalEdek {
  iv: Buffer;
  kekId: string;
  /** Encrypted DEK (32 bytes). */
  ciphertext: Buffer;
  tag: Buffer;
}

export function encodeLocalEdek(e: LocalEdek): Buffer {
  if (e.iv.length !== LOCAL_EDEK_IV_BYTES || e.ciphertext.length !== DEK_BYTES || e.tag.length !== LOCAL_EDEK_TAG_BITS / 8) {
    throw new KsealError("KMS_EDEK_INVALID", "field lengths of a local EDEK are off");
  }
  return Buffer.concat([
    Buffer.from([LOCAL_EDEK_TAG_BITS, LOCAL_EDEK_IV_BYTES]),
    e.iv,
    uuidToBytes(e.kekId),
    e.ciphertext,
    e.tag,
  ]);
}

export function decodeLocalEdek(edek: Buffer): LocalEdek {
  if (edek.length !== LOCAL_EDEK_BYTES) {
    throw new KsealError("KMS_EDEK_INVALID", `local EDEK must be ${LOCAL_EDEK_BYTES} bytes, got ${edek.length}`);
  }
  if (edek[0] !== LOCAL_EDEK_TAG_BITS) throw new KsealError("KMS_EDEK_INVALID", `tag length ${edek[0]} bits, expected 128`);
  if (edek[1] !== LOCAL_EDEK_IV_BYTES) throw new KsealError("KMS_EDEK_INVALID", `IV length ${edek[1]}, expected 12`);
  let o = 2;
  const iv = Buffer.from(edek.subarray(o, o += LOCAL_EDEK_IV_BYTES));
  const kekId = uuidFromBytes(edek.subarray(o, o += 16));
  const ciphertext = Buffer.from(edek.subarray(o, o += DEK_BYTES));
  const tag = Buffer.from(edek.subarray(o, o += LOCAL_EDEK_TAG_BITS / 8));
  return { iv, kekId, ciphertext, tag };
}
