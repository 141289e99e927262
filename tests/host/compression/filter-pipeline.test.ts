// The proxy's path for compressed batches, with the real WASM filter: a batch a real client
// compressed (the captured fixtures) is decompressed, encrypted, recompressed with its codec;
// on the way back decompressed, decrypted and recompressed, ending with the records produced.
import fs from "node:fs";
import path from "node:path";
import t from "tap";
import { CODEC, batchCodec, crc32c, decompressBatch, recompressBatch, type CodecName } from "../../../host/compression/index.js";
import { EDEK, filterWithKey } from "../wasm/support/fixtures.js";
import { parsePlainBatch } from "./batch-records.js";

const DIR = path.resolve(import.meta.dirname, "../../fixtures/compression");
const names = fs.readdirSync(DIR).filter((f) => f.endsWith(".bin")).map((f) => f.slice(0, -4)).sort();

t.test("compressed client batches through encrypt and decrypt", async (t) => {
  const filter = await filterWithKey();
  for (const name of names) {
    const captured = fs.readFileSync(path.join(DIR, `${name}.bin`));
    const meta = JSON.parse(fs.readFileSync(path.join(DIR, `${name}.json`), "utf8")) as { codec: CodecName; records: Array<{ key: string; value: string }> };
    const codec = CODEC[meta.codec];

    // Produce path.
    const plain = decompressBatch(captured);
    const encrypted = filter.encryptBatch(plain, 0);
    const toBroker = recompressBatch(encrypted, codec);
    t.equal(batchCodec(toBroker), codec, `${name}: encrypted batch keeps codec ${meta.codec}`);
    t.equal(crc32c(toBroker.subarray(21)), toBroker.readUInt32BE(17), `${name}: CRC-32C of the batch sent to the broker`);
    const onDisk = decompressBatch(toBroker);
    const values = parsePlainBatch(onDisk).map((r) => r.value?.toString("latin1") ?? "");
    t.notOk(values.some((v, i) => v.includes(meta.records[i]!.value.slice(0, 12))), `${name}: no plaintext value in what the broker stores`);

    // Fetch path.
    const edeks = filter.listEdeks(onDisk);
    t.same(edeks, [EDEK], `${name}: one EDEK`);
    const { batch: decrypted, failures } = filter.decryptBatch(onDisk, [[EDEK, 0]]);
    t.same(failures, [], `${name}: every record decrypts`);
    t.ok(decrypted?.equals(plain), `${name}: decrypted batch is the client's plain batch byte for byte`);
    const toClient = recompressBatch(decrypted!, codec);
    const got = parsePlainBatch(decompressBatch(toClient)).map((r) => ({ key: r.key?.toString("utf8") ?? "", value: r.value?.toString("utf8") ?? "" }));
    t.same(got, meta.records, `${name}: the consumer's batch holds the ${meta.records.length} records produced`);
  }
});
