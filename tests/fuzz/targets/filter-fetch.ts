// The fetch path of the encryption filter: a Fetch response whose partition records are a
// mutated records field of batches the filter itself encrypted (every codec), plus clear ones.
// Whatever happens, only KsealError may escape; a partition either decrypts or gets an error.
import type { FetchResponse } from "../../../host/protocol/messages/fetch.js";
import type { ProduceRequest } from "../../../host/protocol/messages/produce.js";
import { clientBatches, markerBatches, recordsFields, repairRecords, type BatchMeta } from "../corpus.js";
import type { Prng } from "../prng.js";
import { Finding, type FuzzTarget, type Seed } from "../target.js";
import { SECRET_TOPIC, filterRig, type FilterRig } from "./filter-rig.js";

let rig: FilterRig;

export const filterFetchTarget: FuzzTarget<BatchMeta> = {
  name: "filter-fetch",
  about: "host/filters/encryption-filter.ts onResponse (Fetch) with the local KMS and the WASM module",
  weight: 5,
  async setup() {
    rig = await filterRig();
    const seeds: Seed<BatchMeta>[] = [];
    for (const s of [...markerBatches(), ...clientBatches()]) {
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
    return part.records === records ? "passed unchanged" : "decrypted";
  },
};
