import { KsealError } from "../errors.js";

/**
 * Key material for `kseal keys import`: exactly 32 raw bytes, or text holding 64 hex digits or
 * the base64 (standard or URL-safe) of 32 bytes, surrounding whitespace allowed.
 */
export function parseKeyMaterial(input: Buffer): Buffer {
  // 32 bytes that are all printable ASCII are a mistyped text key, not a raw one: a random key
  // is printable with probability (95/256)^32, about 2^-46.
  if (input.length === 32 && !/^[\x20-\x7e]*$/.test(input.toString("latin1"))) return Buffer.from(input);
  const text = input.toString("latin1").trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, "hex");
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const key = Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    if (key.length === 32) return key;
  }
  throw new KsealError("KMS_KEY_INVALID", "key material must be 32 raw bytes, 64 hex digits or base64 of 32 bytes");
}

export type MaterialFormat = "hex" | "base64" | "raw";

export function formatKeyMaterial(key: Buffer, format: MaterialFormat): Buffer {
  if (format === "raw") return Buffer.from(key);
  return Buffer.from(key.toString(format) + "\n", "latin1");
}
