/**
 * Passphrase protection of the local KMS key file: scrypt derives a 32-byte wrapping key from the
 * passphrase and a per-file random salt; AES-256-GCM under that key seals the KEK material, with
 * the file's metadata as additional authenticated data (key-file.ts).
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from "node:crypto";
import { KsealError } from "../../errors.js";
import { LIMITS } from "../../limits.js";

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
  salt: Buffer;
}

export const SALT_BYTES = 16;
const SEAL_IV_BYTES = 12;
const SEAL_TAG_BYTES = 16;

export function newScryptParams(): ScryptParams {
  return { N: 2 ** LIMITS.localKmsScryptLogN, r: 8, p: 1, salt: randomBytes(SALT_BYTES) };
}

/** Refuses parameters a file must not make us run: huge costs would exhaust memory or CPU. */
export function checkScryptParams(p: ScryptParams): void {
  const logN = Math.log2(p.N);
  const ok = Number.isInteger(logN) && logN >= 10 && logN <= LIMITS.localKmsScryptMaxLogN
    && Number.isInteger(p.r) && p.r >= 1 && p.r <= 32 && Number.isInteger(p.p) && p.p >= 1 && p.p <= 16
    && p.salt.length >= SALT_BYTES;
  if (!ok) throw new KsealError("KMS_KEY_FILE", "scrypt parameters out of range");
}

export async function deriveWrappingKey(passphrase: string, params: ScryptParams): Promise<Buffer> {
  checkScryptParams(params);
  if (passphrase.length === 0) throw new KsealError("KMS_PASSPHRASE", "passphrase is empty");
  const maxmem = 256 * params.N * params.r + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize("NFC"), params.salt, 32, { N: params.N, r: params.r, p: params.p, maxmem }, (err, key) => {
      if (err) reject(new KsealError("KMS_KEY_FILE", "scrypt failed", { cause: err }));
      else resolve(key);
    });
  });
}

/** Seals `plaintext` under the wrapping key: returns iv and ciphertext || tag. */
export function seal(wrappingKey: Buffer, plaintext: Buffer, aad: Buffer): { iv: Buffer; sealed: Buffer } {
  const iv = randomBytes(SEAL_IV_BYTES);
  const c = createCipheriv("aes-256-gcm", wrappingKey, iv, { authTagLength: SEAL_TAG_BYTES });
  c.setAAD(aad);
  const sealed = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
  return { iv, sealed };
}

/** Opens what seal() produced; a wrong passphrase and a tampered file look the same. */
export function unseal(wrappingKey: Buffer, iv: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (iv.length !== SEAL_IV_BYTES || sealed.length < SEAL_TAG_BYTES) {
    throw new KsealError("KMS_KEY_FILE", "sealed key material is malformed");
  }
  const d = createDecipheriv("aes-256-gcm", wrappingKey, iv, { authTagLength: SEAL_TAG_BYTES });
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - SEAL_TAG_BYTES));
  const out = d.update(sealed.subarray(0, sealed.length - SEAL_TAG_BYTES));
  try {
    d.final();
  } catch {
    out.fill(0);
    throw new KsealError("KMS_PASSPHRASE", "wrong passphrase, or the key file was modified");
  }
  return out;
}
