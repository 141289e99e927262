// Batches from and to a real Kafka broker. kafkajs produces records (headers, tombstone, empty
// value); a raw Fetch v4 brings back the batch exactly as the broker stores it; the filter
// encrypts it (checked field by field with node:crypto), decrypts it back to the broker's bytes,
// and a raw Produce v3 of the encrypted batch must be accepted by the broker (which validates
// the CRC, lengths and counts), then fetched again and decrypted to the original values.
// Produce v3 and Fetch v4 are the lowest versions Kafka 4.x accepts and are not flexible, so
// they are encoded here by hand from the protocol's field lists.
import t from "tap";
import net from "node:net";
import { createTopic, kafkajsClient, kafkaUnavailableReason, useCluster, type ClusterInfo } from "../../rig/index.js";
import { parseBatch } from "./support/kafka-batch.js";
import { ENCRYPTION_HEADER, openWrapper, parcel } from "./support/record-format.js";
import { DEK, EDEK, filterWithKey, u8 } from "./support/fixtures.js";

const str = (s: string): Buffer => { const b = Buffer.from(s, "utf8"); const h = Buffer.alloc(2); h.writeInt16BE(b.length); return Buffer.concat([u8(h), u8(b)]); };
const i8 = (v: number): Buffer => { const b = Buffer.alloc(1); b.writeInt8(v); return b; };
const i16 = (v: number): Buffer => { const b = Buffer.alloc(2); b.writeInt16BE(v); return b; };
const i32 = (v: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(v); return b; };
const i64 = (v: bigint): Buffer => { const b = Buffer.alloc(8); b.writeBigInt64BE(v); return b; };
const cat = (...parts: Buffer[]): Buffer => Buffer.concat(parts.map(u8));

/** One request/response on a fresh connection: header v1 (api key, version, correlation id, client id). */
function call(host: string, port: number, apiKey: number, version: number, body: Buffer): Promise<Buffer> {
  const payload = cat(i16(apiKey), i16(version), i32(1), str("kseal-wasm-test"), body);
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port }, () => s.write(u8(cat(i32(payload.length), payload))));
    let got: Buffer = Buffer.alloc(0);
    s.on("data", (d: Buffer) => {
      got = cat(got, d);
      if (got.length >= 4 && got.length >= 4 + got.readInt32BE(0)) {
        s.destroy();
        resolve(got.subarray(8, 4 + got.readInt32BE(0))); // skip size and correlation id
      }
    });
    s.on("error", reject);
    setTimeout(() => { s.destroy(); reject(new Error("no response")); }, 15_000);
  });
}

class Cursor {
  constructor(private b: Buffer, private p = 0) {}
  i16(): number { const v = this.b.readInt16BE(this.p); this.p += 2; return v; }
  i32(): number { const v = this.b.readInt32BE(this.p); this.p += 4; return v; }
  i64(): bigint { const v = this.b.readBigInt64BE(this.p); this.p += 8; return v; }
  str(): string { const n = this.i16(); const s = this.b.subarray(this.p, this.p + n).toString(); this.p += n; return s; }
  bytes(): Buffer | null { const n = this.i32(); if (n < 0) return null; const v = this.b.subarray(this.p, this.p + n); this.p += n; return v; }
}

/** Fetch v4 of one partition from offset; returns error code and the records bytes. */
async function fetchRecords(host: string, port: number, topic: string, offset: bigint): Promise<{ error: number; records: Buffer }> {
  const body = cat(i32(-1), i32(500), i32(1), i32(10_000_000), i8(0), i32(1), str(topic), i32(1), i32(0), i64(offset), i32(10_000_000));
  const c = new Cursor(await call(host, port, 1, 4, body));
  c.i32(); // throttle
  c.i32(); // topics
  c.str();
  c.i32(); // partitions
  c.i32(); // index
  const error = c.i16();
  c.i64(); // high watermark
  c.i64(); // last stable offset
  const aborted = c.i32();
  for (let i = 0; i < aborted; i++) { c.i64(); c.i64(); }
  return { error, records: c.bytes() ?? Buffer.alloc(0) };
}

/** Produce v3 (acks -1) of one batch; returns the partition error code and base offset. */
async function produceBatch(host: string, port: number, topic: string, batch: Buffer): Promise<{ error: number; baseOffset: bigint }> {
  const body = cat(i16(-1), i16(-1), i32(10_000), i32(1), str(topic), i32(1), i32(0), i32(batch.length), batch);
  const c = new Cursor(await call(host, port, 0, 3, body));
  c.i32();
  c.str();
  c.i32();
  c.i32();
  const error = c.i16();
  return { error, baseOffset: c.i64() };
}

async function leaderOf(info: ClusterInfo, topic: string): Promise<{ host: string; port: number }> {
  const admin = kafkajsClient(info).admin();
  await admin.connect();
  try {
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    const leader = md.topics[0]!.partitions[0]!.leader;
    const b = info.brokers.find((x) => x.nodeId === leader)!;
    return { host: b.host, port: b.port };
  } finally {
    await admin.disconnect();
  }
}

const unavailable = kafkaUnavailableReason();
if (unavailable) t.plan(0, unavailable);
else {
  t.test("a broker's batch: encrypt per spec, decrypt to its bytes, broker accepts the encrypted batch", async (t) => {
    const info = await useCluster(t);
    const topic = await createTopic(info);
    const leader = await leaderOf(info, topic);
    const producer = kafkajsClient(info).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const messages = [
      { key: "k0", value: "first value", headers: { trace: "abc", empty: "" } },
      { key: "k1", value: null },
      { key: null, value: "" },
      { key: "k3", value: "x".repeat(5000) },
    ];
    await producer.send({ topic, acks: -1, messages });
    await producer.disconnect();

    const fetched = await fetchRecords(leader.host, leader.port, topic, 0n);
    t.equal(fetched.error, 0);
    const original = fetched.records.subarray(0, 12 + fetched.records.readInt32BE(8));
    const orig = parseBatch(original);
    t.ok(orig.crcOk, "the independent parser reads the broker's batch");
    t.equal(orig.records.length, 4);

    const f = await filterWithKey();
    const enc = f.encryptBatch(original, 0);
    const e = parseBatch(enc);
    t.ok(e.crcOk);
    t.same(enc.subarray(0, 8), original.subarray(0, 8), "baseOffset");
    t.same(enc.subarray(12, 17), original.subarray(12, 17), "leader epoch, magic");
    t.same(enc.subarray(21, 61), original.subarray(21, 61), "attributes .. records count");
    e.records.forEach((r, i) => {
      const o = orig.records[i]!;
      t.equal(r.timestampDelta, o.timestampDelta);
      t.equal(r.offsetDelta, o.offsetDelta);
      t.same(r.key, o.key);
      if (o.value === null) { t.equal(r.value, null, "tombstone"); return; }
      t.same(r.headers[0], { key: ENCRYPTION_HEADER, value: Buffer.from([2]) });
      t.same(r.headers.slice(1), o.headers);
      const w = openWrapper(DEK, r.value!);
      t.same(w.edek, EDEK);
      t.same(w.parcel, parcel(o.value));
    });
    const back = f.decryptBatch(enc, [[EDEK, 0]]);
    t.ok(back.batch!.equals(u8(original)), "decrypts to the broker's bytes");

    const produced = await produceBatch(leader.host, leader.port, topic, enc);
    t.equal(produced.error, 0, "the broker accepts the encrypted batch");
    t.equal(produced.baseOffset, 4n);
    const again = await fetchRecords(leader.host, leader.port, topic, 4n);
    const stored = again.records.subarray(0, 12 + again.records.readInt32BE(8));
    t.ok(parseBatch(stored).crcOk);
    const plain = f.decryptBatch(stored, [[EDEK, 0]]);
    t.same(plain.failures, []);
    t.same(parseBatch(plain.batch!).records.map((r) => r.value?.toString() ?? null), messages.map((m) => m.value));

    const consumer = kafkajsClient(info).consumer({ groupId: `g-${topic}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: { offset: string; header: Buffer | undefined; value: Buffer | null }[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kafkajs saw ${seen.length} of 8 records`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push({ offset: message.offset, header: message.headers?.[ENCRYPTION_HEADER] as Buffer | undefined, value: message.value });
          if (seen.length === 8) { clearTimeout(timer); resolve(); }
        },
      });
    });
    await consumer.disconnect();
    const encryptedSeen = seen.filter((s) => Number(s.offset) >= 4 && s.value !== null);
    t.equal(encryptedSeen.length, 3, "kafkajs reads the encrypted records");
    for (const s of encryptedSeen) {
      t.same(s.header, Buffer.from([2]), "with the version header");
      t.same(openWrapper(DEK, s.value!).edek, EDEK, "and a wrapper node:crypto opens");
    }
  });
}

if (!unavailable) {
  t.test("a broker's transactional batch and commit marker: metadata kept, marker passes through", async (t) => {
    const info = await useCluster(t);
    const topic = await createTopic(info);
    const leader = await leaderOf(info, topic);
    const producer = kafkajsClient(info).producer({ transactionalId: `tx-${topic}`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const tx = await producer.transaction();
    await tx.send({ topic, messages: [{ key: "a", value: "in a transaction" }, { key: "b", value: "second" }] });
    await tx.commit();
    await producer.disconnect();

    // the coordinator writes the commit marker after EndTxn returns: fetch until it is there
    let error = -1;
    let records: Buffer = Buffer.alloc(0);
    for (let i = 0; i < 50; i++) {
      ({ error, records } = await fetchRecords(leader.host, leader.port, topic, 0n));
      if (error === 0 && records.length > 12 + records.readInt32BE(8)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    t.equal(error, 0);
    const first = records.subarray(0, 12 + records.readInt32BE(8));
    const marker = records.subarray(first.length, first.length + 12 + records.readInt32BE(first.length + 8));
    const data = parseBatch(first);
    t.equal(data.attributes & 0x10, 0x10, "transactional");
    t.ok(data.producerId >= 0n, "idempotent producer id");
    t.equal(parseBatch(marker).attributes & 0x20, 0x20, "second batch is the control batch");

    const f = await filterWithKey();
    const enc = f.encryptRecords(records, 0);
    const encData = enc.subarray(0, 12 + enc.readInt32BE(8));
    t.same(encData.subarray(21, 61), first.subarray(21, 61), "producer id/epoch, base sequence, flags kept");
    t.ok(enc.subarray(encData.length).equals(u8(records.subarray(first.length))), "the marker (and anything after) unchanged");
    t.same(f.listRecordsEdeks(enc), [EDEK]);
    const dec = f.decryptRecords(enc, [[EDEK, 0]]);
    t.ok(dec.records!.equals(u8(records)), "decrypts to the broker's bytes");
  });
}
