// Batches captured from real clients (see tests/integration/compression/real-clients.test.ts)
// decompress to the records those clients produced, without a broker.
import fs from "node:fs";
import path from "node:path";
import t from "tap";
import { CODEC, batchCodec, crc32c, decompressBatch, recompressBatch, type CodecName } from "../../../host/compression/index.js";
import { parsePlainBatch } from "./batch-records.js";

const DIR = path.resolve(import.meta.dirname, "../../fixtures/compression");
const names = fs.readdirSync(DIR).filter((f) => f.endsWith(".bin")).map((f) => f.slice(0, -4)).sort();

t.ok(names.length >= 8, `${names.length} captured batches`);
for (const codec of ["gzip", "snappy", "lz4", "zstd"]) {
  t.ok(names.some((n) => n.startsWith("java-") && n.endsWith(`-${codec}`)), `a Java producer ${codec} batch`);
  t.ok(names.some((n) => n.startsWith("kcat-") && n.endsWith(`-${codec}`)), `a librdkafka ${codec} batch`);
}

for (const name of names) {
  t.test(name, async (t) => {
    const batch = fs.readFileSync(path.join(DIR, `${name}.bin`));
    const meta = JSON.parse(fs.readFileSync(path.join(DIR, `${name}.json`), "utf8")) as { codec: CodecName; records: Array<{ key: string; value: string }> };
    t.equal(batchCodec(batch), CODEC[meta.codec], `codec bits say ${meta.codec}`);
    t.equal(crc32c(batch.subarray(21)), batch.readUInt32BE(17), "the client's CRC-32C matches ours");
    const plain = decompressBatch(batch);
    t.equal(plain.readInt16BE(21) & 7, 0, "plain batch has codec bits 0");
    t.equal(plain.readInt32BE(8), plain.length - 12, "plain batchLength");
    t.equal(crc32c(plain.subarray(21)), plain.readUInt32BE(17), "plain batch CRC-32C");
    const got = parsePlainBatch(plain).map((r) => ({ key: r.key?.toString("utf8") ?? "", value: r.value?.toString("utf8") ?? "" }));
    t.same(got, meta.records, `${meta.records.length} records as produced`);
    // And back: kseal's own framing decodes to the same plain batch.
    const again = recompressBatch(plain, CODEC[meta.codec]);
    t.same(decompressBatch(again), plain, "recompressed with kseal's framing, decompresses to the same plain batch");
  });
}
