// Every codec from every available client through kseal: records are encrypted at rest (no
// plaintext in the segment files, batches stored with the producer's codec) and read back
// through kseal by other client implementations (interop: Java ↔ librdkafka ↔ kafkajs ↔ franz-go).
import t from "tap";
import {
  CLIENT_CODECS, CLIENT_DECODES, availableClients, consume, containsBytes, createTopic, kafkaUnavailableReason,
  prepareClient, produce, rawLog, sampleRecords, uniqueTopic, useCluster, type ClientName, type Codec,
} from "../../rig/index.js";
import { startEncryptingProxy } from "./encryption-harness.js";

const CODEC_ID: Record<Codec, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };
const sortKey = (r: { key: string; value: string }) => `${r.key}\u0000${r.value}`;

/** Codec bits of every batch in a raw segment file (record batch v2: batchLength @8, attributes @21). */
function storedCodecs(log: Uint8Array): number[] {
  const b = Buffer.from(log.buffer, log.byteOffset, log.byteLength);
  const out: number[] = [];
  for (let off = 0; off + 61 <= b.length; ) {
    const len = b.readInt32BE(off + 8);
    if (len <= 0) break;
    const attrs = b.readInt16BE(off + 21);
    if ((attrs & 0x20) === 0) out.push(attrs & 7);
    off += 12 + len;
  }
  return out;
}

const unavailable = kafkaUnavailableReason();
if (unavailable) t.plan(0, unavailable);
else {
  t.test("every codec from every client, read back by other clients through kseal", async (t) => {
    const info = await useCluster(t);
    const ep = await startEncryptingProxy(t, info);
    const clients = availableClients();
    for (const c of clients) await prepareClient(c);
    t.comment(`clients: ${clients.join(", ")}`);

    for (const producer of clients) {
      for (const codec of CLIENT_CODECS[producer]) {
        // Readers: up to two other clients that decode this codec (kafkajs only reads gzip).
        const readers = clients.filter((c) => c !== producer && CLIENT_DECODES[c].includes(codec));
        const chosen: ClientName[] = codec === "none" || codec === "gzip" ? readers.slice(0, 3) : readers.slice(0, 1);
        await t.test(`${producer} produces ${codec}; ${chosen.join(" and ")} consume`, async (t) => {
          const topic = await createTopic(info, { topic: uniqueTopic(`enc-${producer}-${codec}`), numPartitions: 1 });
          const tag = `plain-${producer}-${codec}-${Math.random().toString(36).slice(2)}`;
          const records = sampleRecords(30, tag);
          await produce(producer, { info, bootstrap: ep.bootstrap }, topic, records, { codec });
          const log = rawLog(info, topic);
          // Keys stay in clear by design; values hold "<tag> value".
          t.notOk(containsBytes(log, `${tag} value`), "no plaintext value in the segment files");
          t.ok(containsBytes(log, `${tag}-key`) || codec !== "none", "keys stay readable (uncompressed batches)");
          const codecs = storedCodecs(log);
          t.ok(codecs.length > 0 && codecs.every((c) => c === CODEC_ID[codec]), `batches stored with ${codec} (${codecs.join(",")})`);
          for (const reader of chosen) {
            const got = await consume(reader, { info, bootstrap: ep.bootstrap }, topic, records.length);
            t.same(got.map(sortKey).sort(), records.map(sortKey).sort(), `${reader} reads every record in plaintext`);
          }
        });
      }
    }
  });
}
