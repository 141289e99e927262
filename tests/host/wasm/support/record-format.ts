/**
 * An independent implementation of the encrypted-record format v2 for tests, written from the
 * spec's tables with node:crypto for AES-256-GCM: builds wrappers (including parcel variants
 * kseal never writes) and opens the filter's output field by field.
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import { Reader, uvarint, varint, type TestHeader } from "./kafka-batch.js";

export const ENCRYPTION_HEADER = "kroxylicious.io/encryption";

const u8 = (b: Buffer): Uint8Array => b as unknown as Uint8Array;
const cat = (parts: (Buffer | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (Array.isArray(p) ? new Uint8Array(p) : u8(p))));

export interface ParcelOptions {
  /** Value length -2: the reader keeps the record's own value. */
  valueAbsent?: boolean;
  /** Headers carried in the parcel (count >= 0) instead of -2. */
  headers?: TestHeader[];
}

export function parcel(value: Buffer | null, opts: ParcelOptions = {}): Buffer {
  const v = opts.valueAbsent ? varint(-2) : value === null ? varint(-1) : [...varint(value.length), ...value];
  if (!opts.headers) return cat([v, varint(-2)]);
  const hs: number[] = [...varint(opts.headers.length)];
  for (const h of opts.headers) {
    const k = Buffer.from(h.key, "utf8");
    hs.push(...uvarint(k.length), ...k);
    hs.push(...(h.value === null ? varint(-1) : [...varint(h.value.length), ...h.value]));
  }
  return cat([v, hs]);
}

export function gcmEncrypt(dek: Buffer, iv: Buffer, plaintext: Buffer): Buffer {
  const c = createCipheriv("aes-256-gcm", u8(dek), u8(iv));
  const ct = c.update(u8(plaintext));
  c.final();
  return cat([ct, c.getAuthTag()]);
}

export function wrapper(dek: Buffer, edek: Buffer, iv: Buffer, plain: Buffer, ids = { cipher: 0, aad: 0 }): Buffer {
  return cat([[ids.cipher], uvarint(edek.length), edek, [ids.aad], iv, gcmEncrypt(dek, iv, plain)]);
}

export interface OpenedWrapper {
  cipherId: number;
  edek: Buffer;
  aadId: number;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
  parcel: Buffer;
}

/** Reads a wrapper field by field and decrypts its parcel with node:crypto (throws on a bad tag). */
export function openWrapper(dek: Buffer, value: Buffer): OpenedWrapper {
  const r = new Reader(value);
  const cipherId = r.u8();
  const edek = r.bytes(Number(r.uvarint()));
  const aadId = r.u8();
  const iv = r.bytes(12);
  const rest = r.bytes(value.length - r.pos);
  const ciphertext = rest.subarray(0, rest.length - 16);
  const tag = rest.subarray(rest.length - 16);
  const d = createDecipheriv("aes-256-gcm", u8(dek), u8(iv));
  d.setAuthTag(u8(tag));
  const p = d.update(u8(ciphertext));
  d.final();
  return { cipherId, edek, aadId, iv, ciphertext, tag, parcel: p };
}
