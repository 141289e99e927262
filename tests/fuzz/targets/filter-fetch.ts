// The fetch path of the encryption filter: a Fetch response whose partition records are a
// mutated records field of batches the filter itself encrypted (every codec), plus clear ones.
// Whatever happens, only KsealError may escape; a partition either decrypts or gets an error; and
// every record released in place of an encrypted one holds a value that was encrypted (never
// ciphertext, never anything else). The encrypted corpus comes from the local KMS's random DEKs
// and IVs, so it differs between runs: a failure prints the input bytes, and a replay repeats the
// same mutations on that run's ciphertext.
import { decompressBatch } from "../../../host/compression/index.js";
import type { FetchResponse } from "../../../host/protocol/messages/fetch.js";
import { splitRecordBatches } from "../../../host/wasm/records-blob.js";
import { forgedPlaintext, valuesOf } from "../oracle.js";
import type { ProduceRequest } from "../../../host/protocol/messages/produce.js";
import { clientBatches, markerBatches, recordsFields, repairRecords, type BatchMeta } from "../corpus.js";
import type { Prng } from "../prng.js";
import { Finding, type FuzzTarget, type Seed } from "../target.js";
import { SECRET_TOPIC, filterRig, type FilterRig } from "./filter-rig.js";

let rig: FilterRig;
let originals: Set<string> = new Set();

/** Batches of a records field, decompressed where they decompress (null where not: passed
 * through untouched, like a batch that is not magic 2). */
function plainBatches(records: Buffer): Array<Buffer | null> {
  return splitRecordBatches(records).batches.map((b) => {
    try {
      return decompressBatch(b, { verifyCrc: false });
    } catch {
      return null;
    }
  });
}

const isControl = (b: Buffer): boolean => b.length >= 23 && (b.readInt16BE(21) & 0x20) !== 0;

/** The integrity oracle over a whole records field, batch by batch (the filter keeps the order
 * of batches and releases a prefix of them at most). */
function forgedRecords(input: Buffer, output: Buffer): string | undefined {
  const a = plainBatches(input);
  const b = plainBatches(output);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    // Control batches pass through by design: consumers never hand their records to the app.
    if (!a[i] || !b[i] || isControl(a[i]!) || isControl(b[i]!)) continue;
    const f = forgedPlaintext(a[i]!, b[i]!, originals);
    if (f) return `batch ${i}: ${f}`;
  }
  return undefined;
}

export const filterFetchTarget: FuzzTarget<BatchMeta> = {
  name: "filter-fetch",
  about: "host/filters/encryption-filter.ts onResponse (Fetch) with the local KMS and the WASM module",
  weight: 5,
  async setup() {
    rig = await filterRig();
    const seeds: Seed<BatchMeta>[] = [];
    const sources = [...markerBatches(), ...clientBatches()];
    originals = valuesOf(sources.map((b) => decompressBatch(b.bytes)));
    for (const s of sources) {
      const msg: ProduceRequest = { transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{ name: SECRET_TOPIC, partitionData: [{ index: 0, records: s.bytes }] }] };
      await rig.filter.onRequest!(rig.ctx(0, 9), msg);
      const records = msg.topicData[0]?.partitionData[0]?.records;
      if (!records) throw new Error(`filter refused corpus item ${s.label}`);
      seeds.push({ bytes: records, meta: s.meta, label: `encrypted ${s.label}` });
    }
    return recordsFields([...seeds, ...markerBatches().slice(0, 5)]);
  },
  fixup: (b) => repairRecords(b),
  async run(records: Buffer, _meta: BatchMeta, r: Prng) {
    const res: FetchResponse = {
      throttleTimeMs: 0, errorCode: 0, sessionId: 0,
      responses: [{ topic: SECRET_TOPIC, partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 100n, lastStableOffset: 100n, logStartOffset: 0n, abortedTransactions: null, preferredReadReplica: -1, records }] }],
    };
    await rig.filter.onResponse!(rig.ctx(1, r.pick([4, 11, 12])), res);
    const part = res.responses[0]!.partitions[0]!;
    if (part.errorCode !== 0 && part.records && part.records.length > 0 && part.records !== records) {
      throw new Finding("invariant", `partition has error ${part.errorCode} and ${part.records.length} rewritten record bytes`);
    }
    if (part.errorCode !== 0) return "failed closed";
    if (part.records === records || !part.records) return "passed unchanged";
    const forged = forgedRecords(records, part.records);
    if (forged?.includes("still carries the encryption header")) throw new Finding("invariant", `fetch released ciphertext without an error code: ${forged}`);
    if (forged) throw new Finding("plaintext", `fetch released forged plaintext: ${forged}`);
    return "decrypted";
  },
};
