/**
 * The Vault Transit EDEK form (record-encryption format, "EDEK forms", Vault Transit):
 *
 *   uvarint   length of the transit key name (LEB128, low 7-bit group first)
 *   n bytes   transit key name, UTF-8
 *   rest      Vault ciphertext string ("vault:vN:<base64>"), UTF-8, to the end
 *
 * No version byte. The key name, not an alias, is stored: decrypt/<name> must find the key after
 * any rotation.
 */
import { KsealError } from "../../errors.js";

export interface VaultEdek {
  keyName: string;
  ciphertext: string;
}

/** The wrapper's EDEK length field allows at most this many bytes. */
export const EDEK_MAX_BYTES = 32767;

const VAULT_CIPHERTEXT = /^vault:v[1-9][0-9]*:[A-Za-z0-9+/=]+$/;

export function writeUvarint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

/** Reads an unsigned LEB128 varint of at most 5 bytes; returns [value, bytes read]. */
export function readUvarint(b: Buffer, offset: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (let i = 0; i < 5; i++) {
    const byte = b[offset + i];
    if (byte === undefined) throw new KsealError("KMS_EDEK_INVALID", "EDEK ends inside a varint");
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, i + 1];
    shift += 7;
  }
  throw new KsealError("KMS_EDEK_INVALID", "varint longer than 5 bytes");
}

export function encodeVaultEdek(e: VaultEdek): Buffer {
  const name = Buffer.from(e.keyName, "utf8");
  const edek = Buffer.concat([writeUvarint(name.length), name, Buffer.from(e.ciphertext, "utf8")]);
  if (edek.length > EDEK_MAX_BYTES) throw new KsealError("KMS_EDEK_INVALID", `Vault EDEK would be ${edek.length} bytes`);
  return edek;
}

export function decodeVaultEdek(edek: Buffer): VaultEdek {
  const [len, n] = readUvarint(edek, 0);
  if (len === 0 || n + len >= edek.length) throw new KsealError("KMS_EDEK_INVALID", "Vault EDEK key name length is out of range");
  const nameBytes = edek.subarray(n, n + len);
  let keyName: string;
  try {
    keyName = new TextDecoder("utf-8", { fatal: true }).decode(nameBytes);
  } catch {
    throw new KsealError("KMS_EDEK_INVALID", "Vault EDEK key name is not UTF-8");
  }
  const ciphertext = edek.subarray(n + len).toString("latin1");
  if (!VAULT_CIPHERTEXT.test(ciphertext)) throw new KsealError("KMS_EDEK_INVALID", "Vault EDEK does not end in a vault:vN: ciphertext");
  return { keyName, ciphertext };
}
