/**
 * KEK ids of the local KMS are UUIDs. On the wire (inside an EDEK) a UUID is its 16 bytes in
 * textual order, i.e. the most significant 64 bits first, each half big-endian — the same bytes
 * Java's UUID.getMostSignificantBits()/getLeastSignificantBits() write with a ByteBuffer.
 */
import { KsealError } from "../../errors.js";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Lower-cases and checks a UUID string; throws KMS_KEY_INVALID when it is not one. */
export function normalizeUuid(id: string): string {
  const s = id.trim().toLowerCase();
  if (!UUID_RE.test(s)) throw new KsealError("KMS_KEY_INVALID", "key id is not a UUID (8-4-4-4-12 hex digits)");
  return s;
}

export function uuidToBytes(id: string): Buffer {
  return Buffer.from(normalizeUuid(id).replace(/-/g, ""), "hex");
}

export function uuidFromBytes(b: Buffer): string {
  if (b.length !== 16) throw new KsealError("KMS_KEY_INVALID", "a UUID is 16 bytes");
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
