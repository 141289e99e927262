import { randomBytes } from "node:crypto";
import { KsealFilter } from "../../../../host/wasm/filter.js";
import type { TestRecord } from "./kafka-batch.js";

export const DEK = Buffer.from("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "hex");
/** A 78-byte EDEK in the local-KMS shape (tag bits, IV length, IV, KEK id, wrapped DEK). */
export const EDEK = Buffer.concat([new Uint8Array([128, 12]), new Uint8Array(randomBytes(12)), new Uint8Array(randomBytes(16)), new Uint8Array(randomBytes(48))]);

export async function filterWithKey(budget = 1_000_000, ivSeed?: Buffer): Promise<KsealFilter> {
  const f = await KsealFilter.load();
  f.loadKey(0, copy(DEK), EDEK, { budget, ivSeed });
  return f;
}

export const u8 = (b: Buffer): Uint8Array => b as unknown as Uint8Array;

/** A mix of records: plain, with headers, empty value, tombstone, null key, long value. */
export function mixedRecords(): TestRecord[] {
  return [
    { key: Buffer.from("k0"), value: Buffer.from("hello") },
    { key: Buffer.from("k1"), value: Buffer.from("with headers"), headers: [{ key: "a", value: Buffer.from("1") }, { key: "b", value: null }] },
    { key: null, value: Buffer.alloc(0), timestampDelta: 17n },
    { key: Buffer.from("tomb"), value: null, timestampDelta: -3n },
    { key: null, value: randomBytes(3000), timestampDelta: 1n << 40n },
    { key: Buffer.alloc(200, 1), value: randomBytes(70), headers: [{ key: "é", value: Buffer.alloc(300, 2) }] },
  ];
}

/** Runs fn and returns the KsealError code it threw ("no error" if none). */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
    return "no error";
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

/** A fresh copy of b. */
export const copy = (b: Buffer): Buffer => Buffer.from(u8(b));
