/**
 * IV ranges of one DEK (record-encryption format, "IVs and key use"; NIST SP 800-38D §8.2.1,
 * deterministic construction). A DEK gets a random 96-bit counter base when generated; a lease of
 * R records reserves offsets [used, used + R) and receives base + used as the seed of the filter
 * slot's counter, which counts up by one per record. Ranges of different leases never overlap,
 * so no IV repeats under a DEK however many connections share it. The base is drawn so that
 * base + budget stays below 2^96: the filter refuses a counter that would wrap.
 */
import { randomBytes } from "node:crypto";

export const IV_BYTES = 12;
const SPACE = 1n << 96n;

export function randomIvBase(budget: number): bigint {
  const r = BigInt("0x" + randomBytes(IV_BYTES).toString("hex"));
  return r % (SPACE - BigInt(budget));
}

/** base + offset as a 12-byte big-endian counter seed. */
export function ivSeed(base: bigint, offset: number): Buffer {
  const v = base + BigInt(offset);
  if (v >= SPACE) throw new RangeError("IV counter would wrap");
  return Buffer.from(v.toString(16).padStart(IV_BYTES * 2, "0"), "hex");
}
