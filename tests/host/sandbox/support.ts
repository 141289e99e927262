import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildBatch, type TestBatch } from "../wasm/support/kafka-batch.js";
import { mixedRecords } from "../wasm/support/fixtures.js";

export const buildPath = (name: string): string =>
  fileURLToPath(new URL(`../../../build/${name}`, import.meta.url));

/** A policy build from build/ (npm run build makes them). */
export const policyBuild = (policy: string): Buffer => readFileSync(buildPath(`kseal-${policy}.wasm`));

export const META: Omit<TestBatch, "records" | "lastOffsetDelta"> = {
  baseOffset: 0n,
  partitionLeaderEpoch: 0,
  attributes: 0,
  baseTimestamp: 1_760_000_000_000n,
  maxTimestamp: 1_760_000_000_000n,
  producerId: -1n,
  producerEpoch: -1,
  baseSequence: -1,
};

/** A records field of `batches` plain batches (mixed records: tombstone, headers, long value). */
export function plainRecords(batches = 1): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < batches; i++) {
    const records = mixedRecords();
    out.push(buildBatch({ ...META, baseOffset: BigInt(i * 100), lastOffsetDelta: records.length - 1, records }));
  }
  return Buffer.concat(out);
}
