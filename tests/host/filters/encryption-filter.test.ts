// The encryption filter on decoded Produce requests and Fetch/ShareFetch responses, with the real
// WASM module, the real DEK manager and EDEK cache, and batches from an independent writer.
import t from "tap";
import { decompressBatch, recompressBatch } from "../../../host/compression/index.js";
import type { FetchResponse } from "../../../host/protocol/messages/fetch.js";
import type { ProduceRequest, ProduceResponse } from "../../../host/protocol/messages/produce.js";
import type { ShareFetchResponse } from "../../../host/protocol/messages/share-fetch.js";
import { createEncryptionFilter } from "../../../host/filters/encryption-filter.js";
import { KekSelector } from "../../../host/filters/kek-selector.js";
import { SwitchKms, asControl, ctx, fixCrc, makeRig, plainBatch, type Rig } from "./filter-fixtures.js";
import { buildBatch } from "../../integration/protocol/record-batch.js";

const TOPIC_ID = "0123456789abcdef0123456789abcdef";

function produce(topic: string, records: Buffer, acks = -1): ProduceRequest {
  return { transactionalId: null, acks, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] };
}

function fetchResponse(records: Buffer | null, topic = "orders"): FetchResponse {
  return {
    throttleTimeMs: 0, errorCode: 0, sessionId: 0,
    responses: [{ topic, partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 10n, lastStableOffset: 10n, logStartOffset: 0n, abortedTransactions: [{ producerId: 5n, firstOffset: 3n }], records }] }],
  };
}

async function encrypt(rig: Rig, batch: Buffer, topic = "orders"): Promise<Buffer> {
  const req = produce(topic, batch);
  t.equal(await rig.filter.onRequest!(ctx(rig, 0, 9), req), true, "request changed");
  return req.topicData[0]!.partitionData[0]!.records!;
}

async function decrypt(rig: Rig, records: Buffer | null, version = 12) {
  const res = fetchResponse(records);
  const changed = await rig.filter.onResponse!(ctx(rig, 1, version), res);
  return { changed, part: res.responses[0]!.partitions[0]! };
}

t.test("produce encrypts values; fetch gives back the original batch byte for byte", async (t) => {
  const rig = await makeRig();
  t.teardown(rig.close);
  const plain = plainBatch(5);
  const enc = await encrypt(rig, Buffer.from(plain));
  t.notOk(enc.includes(Buffer.from("v-0-")), "no plaintext value in the produced batch");
  t.ok(enc.includes(Buffer.from("kroxylicious.io/encryption")), "encryption header present");
  t.equal(enc.readBigInt64BE(0), 0n);
  t.equal(enc.readInt32BE(57), 5, "record count kept");
  const { changed, part } = await decrypt(rig, enc);
  t.equal(changed, true);
  t.equal(part.errorCode, 0);
  t.same(part.abortedTransactions, [{ producerId: 5n, firstOffset: 3n }], "aborted transactions kept");
  t.ok(part.records!.equals(plain), "decrypted batch is byte-identical to what the client produced");
  t.equal(rig.kms.calls.decrypt, 0, "fresh DEK came from the EDEK cache primed at generation");
});

t.test("compressed batches are encrypted and recompressed with the same codec", async (t) => {
  const rig = await makeRig();
  t.teardown(rig.close);
  for (const codec of [1, 2, 3, 4]) {
    const plain = plainBatch(8, 0n, `codec${codec}`);
    const packed = recompressBatch(plain, codec);
    const enc = await encrypt(rig, packed);
    t.equal(enc.readInt16BE(21) & 7, codec, `codec ${codec} kept on the produced batch`);
    t.notOk(decompressBatch(enc).includes(Buffer.from(`codec${codec}-0`)), "no plaintext inside");
    const { part } = await decrypt(rig, enc);
    t.equal(part.records!.readInt16BE(21) & 7, codec, `codec ${codec} on the fetched batch`);
    t.ok(decompressBatch(part.records!).equals(plain), `codec ${codec}: decrypts to the original records`);
  }
});

t.test("fetch: control batches and a truncated trailing batch pass through untouched", async (t) => {
  const rig = await makeRig();
  t.teardown(rig.close);
  const a = plainBatch(3, 0n, "a");
  const encA = await encrypt(rig, Buffer.from(a));
  const control = asControl(plainBatch(1, 3n, "ctl"));
  const b = plainBatch(4, 4n, "b");
  const encB = await encrypt(rig, Buffer.from(b));
  encB.writeBigInt64BE(4n, 0);
  fixCrc(encB);
  const trailing = encB.subarray(0, 40);
  const { part } = await decrypt(rig, Buffer.concat([encA, control, encB, trailing]));
  t.ok(part.records!.equals(Buffer.concat([a, control, fixCrc(Buffer.from(b)), trailing])), "decrypted, control and trailing bytes as expected");
  const onlyControl = await decrypt(rig, Buffer.from(control));
  t.equal(onlyControl.changed, false, "a response with nothing encrypted is not re-encoded");
});

t.test("tampered record: the good batches before it are delivered, then CORRUPT_MESSAGE; logged without keys", async (t) => {
  const rig = await makeRig();
  t.teardown(rig.close);
  const good = await encrypt(rig, plainBatch(2, 0n, "good"));
  const bad = await encrypt(rig, plainBatch(3, 2n, "bad"));
  bad.writeBigInt64BE(2n, 0);
  // The last byte of the last record's GCM tag: its header count and key length come next.
  bad[bad.lastIndexOf(Buffer.from("kroxylicious.io/encryption")) - 3]! ^= 1;
  fixCrc(bad);
  const first = await decrypt(rig, Buffer.concat([good, bad]));
  t.equal(first.part.errorCode, 0, "no error while good batches come first");
  t.ok(first.part.records!.equals(plainBatch(2, 0n, "good")), "only the good batch is delivered");
  const second = await decrypt(rig, bad);
  t.equal(second.part.errorCode, 2, "CORRUPT_MESSAGE when the bad batch comes first");
  t.equal(second.part.records!.length, 0, "nothing of it is released");
  const line = rig.logs.find((l) => l.msg === "record failed to decrypt (integrity or format); nothing of its batch is released");
  t.match(line, { topic: "orders", partition: 0, batchOffset: "2", recordIndex: 2, reason: "TAG_MISMATCH" }, "logged with topic, partition and offset");
  const dump = JSON.stringify(rig.logs);
  t.notOk(/dek|edek/i.test(dump.replace(/"msg":"[^"]*"/g, "")), "no key material fields in logs");
});

t.test("KEK unknown on fetch: RESOURCE_NOT_FOUND; KMS down: KAFKA_STORAGE_ERROR; ShareFetch too", async (t) => {
  const writer = await makeRig();
  t.teardown(writer.close);
  const enc = await encrypt(writer, plainBatch(3));
  const reader = await makeRig();
  t.teardown(reader.close);
  const r = await decrypt(reader, Buffer.from(enc));
  t.equal(r.part.errorCode, 91, "RESOURCE_NOT_FOUND");
  t.equal(r.part.records!.length, 0, "no ciphertext handed out");

  const cold = await makeRig({ kms: writer.kms });
  t.teardown(cold.close);
  writer.kms.down = true;
  const down = await decrypt(cold, Buffer.from(enc));
  t.equal(down.part.errorCode, 56, "KAFKA_STORAGE_ERROR while the KMS is down");
  writer.kms.down = false;
  const up = await decrypt(cold, Buffer.from(enc));
  t.ok(up.part.records!.equals(plainBatch(3)), "decrypts once the KMS is back (through the KMS: cold cache)");

  const share: ShareFetchResponse = {
    throttleTimeMs: 0, errorCode: 0, errorMessage: null, acquisitionLockTimeoutMs: 30000, nodeEndpoints: [],
    responses: [{ topicId: TOPIC_ID, partitions: [{
      partitionIndex: 0, errorCode: 0, errorMessage: null, acknowledgeErrorCode: 0, acknowledgeErrorMessage: null,
      currentLeader: { leaderId: 1, leaderEpoch: 0 }, records: Buffer.from(enc), acquiredRecords: [{ firstOffset: 0n, lastOffset: 2n, deliveryCount: 1 }],
    }] }],
  };
  await reader.filter.onResponse!(ctx(reader, 78, 1), share);
  const sp = share.responses[0]!.partitions[0]!;
  t.equal(sp.errorCode, 91);
  t.same(sp.acquiredRecords, [], "nothing acquired that was not delivered");
  const share2 = structuredClone(share);
  share2.responses[0]!.partitions[0]!.records = Buffer.from(enc);
  share2.responses[0]!.partitions[0]!.errorCode = 0;
  await writer.filter.onResponse!(ctx(writer, 78, 1), share2);
  t.ok(share2.responses[0]!.partitions[0]!.records.equals(plainBatch(3)), "ShareFetch records decrypted");
});

t.test("produce failures: answered locally, never forwarded in clear", async (t) => {
  const kms = new SwitchKms();
  const rig = await makeRig({ kms, rules: [{ match: { prefix: "clear-" }, kek: null }] });
  t.teardown(rig.close);
  kms.down = true;
  const c = ctx(rig, 0, 9);
  const req: ProduceRequest = {
    transactionalId: null, acks: -1, timeoutMs: 1000,
    topicData: [
      { name: "orders", partitionData: [{ index: 0, records: plainBatch(2) }, { index: 1, records: plainBatch(2) }] },
      { name: "clear-logs", partitionData: [{ index: 0, records: plainBatch(2) }] },
    ],
  };
  t.equal(await rig.filter.onRequest!(c, req), true);
  t.same(req.topicData.map((x) => x.name), ["clear-logs"], "only the clear topic goes upstream");
  t.ok(req.topicData[0]!.partitionData[0]!.records!.equals(plainBatch(2)), "clear topic untouched");
  const res: ProduceResponse = { throttleTimeMs: 0, responses: [{ name: "clear-logs", partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 7n, logAppendTimeMs: -1n }] }] };
  t.equal(await rig.filter.onResponse!(c, res), true);
  const orders = res.responses.find((x) => x.name === "orders")!;
  t.same(orders.partitionResponses.map((p) => [p.index, p.errorCode]), [[0, 56], [1, 56]], "KAFKA_STORAGE_ERROR for both partitions");
  t.equal(res.responses.find((x) => x.name === "clear-logs")!.partitionResponses[0]!.baseOffset, 7n, "broker's answer kept");

  // acks=0: dropped, nothing remembered.
  const zero = produce("orders", plainBatch(1), 0);
  const c0 = ctx(rig, 0, 9);
  await rig.filter.onRequest!(c0, zero);
  t.same(zero.topicData, [], "acks=0: nothing forwarded");
  t.equal(await rig.filter.onResponse!(c0, { throttleTimeMs: 0, responses: [] }), false);
});

t.test("Produce v13: topic ids through the topic map; an unknown id fails closed", async (t) => {
  const rig = await makeRig();
  t.teardown(rig.close);
  const c = ctx(rig, 0, 13);
  const req: ProduceRequest = { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ topicId: TOPIC_ID, partitionData: [{ index: 0, records: plainBatch(2) }] }] };
  await rig.filter.onRequest!(c, req);
  t.same(req.topicData, [], "unknown id: nothing forwarded");
  const res: ProduceResponse = { throttleTimeMs: 0, responses: [] };
  await rig.filter.onResponse!(c, res);
  t.same(res.responses.map((r) => [r.topicId, r.partitionResponses[0]!.errorCode]), [[TOPIC_ID, 100]], "UNKNOWN_TOPIC_ID");

  rig.topics.set(TOPIC_ID, "orders");
  const req2: ProduceRequest = { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ topicId: TOPIC_ID, partitionData: [{ index: 0, records: plainBatch(2) }] }] };
  t.equal(await rig.filter.onRequest!(ctx(rig, 0, 13), req2), true);
  t.notOk(req2.topicData[0]!.partitionData[0]!.records!.includes(Buffer.from("v-0-")), "known id: encrypted");
  t.ok(rig.kms.keks.has("KEK-orders"), "KEK alias from the topic's name");
});

t.test("unresolved KEK alias: passthrough leaves records in clear, reject answers INVALID_RECORD", async (t) => {
  const kms = new SwitchKms();
  kms.unknownAliases.add("KEK-orders");
  const pass = await makeRig({ kms });
  t.teardown(pass.close);
  const req = produce("orders", plainBatch(2));
  t.equal(await pass.filter.onRequest!(ctx(pass, 0, 9), req), false, "passthrough: request unchanged");
  t.ok(req.topicData[0]!.partitionData[0]!.records!.equals(plainBatch(2)));

  const rej = await makeRig({ kms, policy: "reject" });
  t.teardown(rej.close);
  const c = ctx(rej, 0, 9);
  const req2 = produce("orders", plainBatch(2));
  await rej.filter.onRequest!(c, req2);
  t.same(req2.topicData, []);
  const res: ProduceResponse = { throttleTimeMs: 0, responses: [] };
  await rej.filter.onResponse!(c, res);
  const p = res.responses[0]!.partitionResponses[0]!;
  t.equal(p.errorCode, 87, "INVALID_RECORD");
  t.match(p.errorMessage, /unresolvedKeyPolicy is reject/);
});

t.test("rules pick aliases or leave topics in clear", async (t) => {
  const rig = await makeRig({ rules: [{ match: { exact: "payments" }, kek: "KEK-pay" }, { match: { regex: /^tmp-/ }, kek: null }] });
  t.teardown(rig.close);
  const clear = produce("tmp-1", plainBatch(2));
  t.equal(await rig.filter.onRequest!(ctx(rig, 0, 9), clear), false, "tmp-1 stays in clear");
  await encrypt(rig, plainBatch(2), "payments");
  t.ok(rig.kms.keks.has("KEK-pay") && !rig.kms.keks.has("KEK-payments"), "exact rule's alias used");
});

t.test("a policy that requires a KEK refuses topics a rule marks clear: nothing forwarded in clear", async (t) => {
  const rig = await makeRig();
  t.teardown(rig.close);
  let strict = true;
  const filter = createEncryptionFilter({
    wasm: rig.wasm, deks: rig.deks, edeks: rig.edeks, unresolvedKeyPolicy: "passthrough", requireKek: () => strict,
    selector: new KekSelector("KEK-$(topicName)", [{ match: { prefix: "logs." }, kek: null }]),
  });
  const c = ctx(rig, 0, 9);
  const req = produce("logs.app", plainBatch(2));
  await filter.onRequest!(c, req);
  t.same(req.topicData, [], "clear topic taken out of the request");
  const res: ProduceResponse = { throttleTimeMs: 0, responses: [] };
  await filter.onResponse!(c, res);
  const p = res.responses[0]!.partitionResponses[0]!;
  t.equal(p.errorCode, 87, "INVALID_RECORD, like a topic without a KEK");
  t.match(p.errorMessage, /requires a KEK/);
  t.equal(filter.stats().clearPartitions, 0);
  strict = false;
  const again = produce("logs.app", plainBatch(2));
  t.equal(await filter.onRequest!(ctx(rig, 0, 9), again), false, "standard policy: the clear rule applies");
  t.ok(again.topicData[0]!.partitionData[0]!.records!.equals(plainBatch(2)));
});

t.test("partitions under one alias share a DEK, with distinct IVs", async (t) => {
  const rig = await makeRig();
  t.teardown(rig.close);
  const req: ProduceRequest = {
    transactionalId: null, acks: -1, timeoutMs: 1000,
    topicData: [{ name: "orders", partitionData: [0, 1, 2].map((index) => ({ index, records: plainBatch(4, 0n, `p${index}`) })) }],
  };
  await rig.filter.onRequest!(ctx(rig, 0, 9), req);
  t.equal(rig.kms.calls.generate, 1, "one DEK");
  t.equal(rig.deks.stats().leases, 1, "one lease for the three partitions");
  const edek = rig.deks.snapshot("KEK-orders").current!.edek;
  const ivs: string[] = [];
  for (const p of req.topicData[0]!.partitionData) {
    const r = p.records!;
    for (let at = r.indexOf(edek); at >= 0; at = r.indexOf(edek, at + 1)) ivs.push(r.subarray(at + edek.length + 1, at + edek.length + 13).toString("hex"));
  }
  t.equal(ivs.length, 9, "9 encrypted records (one tombstone per partition stays null)");
  t.equal(new Set(ivs).size, 9, "every IV distinct across the partitions");
  for (const p of req.topicData[0]!.partitionData) {
    const { part } = await decrypt(rig, p.records!);
    t.ok(part.records!.equals(plainBatch(4, 0n, `p${p.index}`)), `partition ${p.index} decrypts`);
  }
});

t.test("a large request is split over the sandbox's workers, one lease per worker call", { skip: !process.env.KSEAL_TEST_FILTER_POOL && "pooled runs only" }, async (t) => {
  const rig = await makeRig();
  t.teardown(rig.close);
  // 4 partitions of about 100 KiB: over LIMITS.sandboxSplitBytes (256 KiB) in total, so the
  // 2-worker pool gets two calls, each with its own lease (an IV range used by one call only).
  const big = (i: number) => buildBatch(Array.from({ length: 50 }, (_, k) => ({ key: null, value: Buffer.alloc(2000, 65 + i + k % 20) })), 1_700_000_000_000n);
  const req: ProduceRequest = {
    transactionalId: null, acks: -1, timeoutMs: 1000,
    topicData: [{ name: "orders", partitionData: [0, 1, 2, 3].map((index) => ({ index, records: big(index) })) }],
  };
  await rig.filter.onRequest!(ctx(rig, 0, 9), req);
  t.equal(rig.deks.stats().leases, 2, "two leases: one per worker call");
  for (const p of req.topicData[0]!.partitionData) {
    const { part } = await decrypt(rig, p.records!);
    t.ok(part.records!.equals(big(p.index)), `partition ${p.index} decrypts`);
  }
});

t.test("produce fails closed on batches the filter would not encrypt", async (t) => {
  const rig = await makeRig();
  t.teardown(rig.close);
  const magic1 = plainBatch(2);
  magic1[16] = 1;
  for (const [what, records, code] of [["control batch", asControl(plainBatch(2)), 2], ["magic 1", magic1, 2], ["truncated batch", plainBatch(2).subarray(0, 70), 2]] as const) {
    const c = ctx(rig, 0, 9);
    const req = produce("orders", Buffer.from(records));
    await rig.filter.onRequest!(c, req);
    t.same(req.topicData, [], `${what}: not forwarded`);
    const res: ProduceResponse = { throttleTimeMs: 0, responses: [] };
    await rig.filter.onResponse!(c, res);
    t.equal(res.responses[0]!.partitionResponses[0]!.errorCode, code, `${what}: CORRUPT_MESSAGE`);
  }
});

t.test("fetch: batches under different DEKs in one partition are resolved in rounds, in order", async (t) => {
  const kms = new SwitchKms();
  const w1 = await makeRig({ kms });
  t.teardown(w1.close);
  const w2 = await makeRig({ kms });
  t.teardown(w2.close);
  const a = await encrypt(w1, plainBatch(3, 0n, "dek-a"));
  const b = await encrypt(w2, plainBatch(3, 0n, "dek-b"));
  b.writeBigInt64BE(3n, 0);
  fixCrc(b);
  const c = await encrypt(w1, plainBatch(2, 0n, "dek-a2"));
  c.writeBigInt64BE(6n, 0);
  fixCrc(c);
  const reader = await makeRig({ kms });
  t.teardown(reader.close);
  const before = kms.calls.decrypt;
  const { part } = await decrypt(reader, Buffer.concat([a, b, c]));
  t.equal(part.errorCode, 0);
  const expectB = fixCrc(plainBatch(3, 3n, "dek-b"));
  const expectC = fixCrc(plainBatch(2, 6n, "dek-a2"));
  t.ok(part.records!.equals(Buffer.concat([plainBatch(3, 0n, "dek-a"), expectB, expectC])), "all three batches decrypted, in order");
  t.equal(kms.calls.decrypt - before, 2, "each DEK unwrapped once");
});
