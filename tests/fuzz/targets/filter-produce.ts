// The produce path of the encryption filter: a Produce request for an encrypted topic whose
// partition records are a mutated records field (marker values; plain and compressed with every
// codec; real client batches). The partition must either be taken out of the request (answered
// with an error) or carry records with no marker value left in clear.
import type { ProduceRequest } from "../../../host/protocol/messages/produce.js";
import { clientBatches, markerBatches, recordsFields, repairRecords, type BatchMeta } from "../corpus.js";
import { plaintextLeak } from "../oracle.js";
import type { Prng } from "../prng.js";
import { Finding, type FuzzTarget } from "../target.js";
import { SECRET_TOPIC, filterRig, type FilterRig } from "./filter-rig.js";

let rig: FilterRig;

export const filterProduceTarget: FuzzTarget<BatchMeta> = {
  name: "filter-produce",
  about: "host/filters/encryption-filter.ts onRequest (Produce) with the local KMS and the WASM module",
  weight: 5,
  async setup() {
    rig = await filterRig();
    return recordsFields([...markerBatches(), ...clientBatches()]);
  },
  fixup: (b) => repairRecords(b),
  async run(records: Buffer, meta: BatchMeta, r: Prng) {
    const v = r.pick([3, 7, 9, 12]);
    const msg: ProduceRequest = {
      transactionalId: null, acks: r.chance(0.9) ? -1 : 0, timeoutMs: 30000,
      topicData: [{ name: SECRET_TOPIC, partitionData: [{ index: 0, records }] }],
    };
    await rig.filter.onRequest!(rig.ctx(0, v), msg);
    const part = msg.topicData.find((t) => t.name === SECRET_TOPIC)?.partitionData.find((p) => p.index === 0);
    if (!part || !part.records) return "failed closed"; // answered by the proxy with an error
    const leak = plaintextLeak(part.records, meta.secrets);
    if (leak) throw new Finding("plaintext", `forwarded to the broker: ${leak}`);
    return part.records === records ? "forwarded unchanged" : "encrypted";
  },
};
