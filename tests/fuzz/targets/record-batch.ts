// Record batch layer on the host: splitting a records field into batches, reading codec bits,
// decompressing a batch (CRC checked or not), recompressing the plain batch, and the produce and
// fetch splitters the encryption filter uses. A batch that decompresses must recompress and come
// back to the same plain batch.
import { batchCodec, decompressBatch, recompressBatch } from "../../../host/compression/index.js";
import { countProduceRecords, splitFetchedRecords } from "../../../host/filters/record-batches.js";
import { splitRecordBatches } from "../../../host/wasm/records-blob.js";
import { clientBatches, markerBatches, recordsFields, repairRecords, type BatchMeta } from "../corpus.js";
import type { Prng } from "../prng.js";
import { Finding, type FuzzTarget } from "../target.js";

export const recordBatchTarget: FuzzTarget<BatchMeta> = {
  name: "record-batch",
  about: "host/compression/record-batch.ts, host/wasm/records-blob.ts, host/filters/record-batches.ts splitters",
  weight: 10,
  async setup() {
    return recordsFields([...clientBatches(), ...markerBatches()]);
  },
  fixup: (b) => repairRecords(b),
  run(records: Buffer, _meta: BatchMeta, r: Prng) {
    const { batches, trailing } = splitRecordBatches(records);
    const total = batches.reduce((n, b) => n + b.length, 0) + trailing.length;
    if (total !== records.length) throw new Finding("invariant", `split covers ${total} of ${records.length} bytes`);
    const step = r.int(3);
    if (step === 0) countProduceRecords(records);
    else if (step === 1) splitFetchedRecords(records);
    for (const b of batches) {
      const codec = batchCodec(b);
      const plain = decompressBatch(b, { verifyCrc: r.chance(0.8), maxBytes: r.chance(0.7) ? undefined : r.pick([0, 100, 65_536]) });
      if (codec === 0) continue;
      const again = recompressBatch(plain, codec);
      const back = decompressBatch(again);
      if (!back.equals(plain as unknown as Uint8Array)) throw new Finding("invariant", "recompressed batch does not decompress to the same plain batch");
    }
  },
};
