// Fetch decryption in the sandbox pool: key hints make a partition's next fetch one worker call;
// a sandbox failure (timeout, lost worker) fails the partitions closed with a retriable code;
// a worker that keeps asking for a key already sent cannot loop the filter.
import { readFile } from "node:fs/promises";
import t, { type Test } from "tap";
import type { FetchPartOutcome, FilterPool } from "../../../host/filters/encryption-filter.js";
import { KsealError } from "../../../host/errors.js";
import type { FetchResponse } from "../../../host/protocol/messages/fetch.js";
import { WorkerPool } from "../../../host/sandbox/worker-pool.js";
import { defaultWasmPath } from "../../../host/wasm/filter.js";
import { ctx, fixCrc, makeRig, plainBatch, type Rig } from "./filter-fixtures.js";

function fetchResponse(records: Buffer): FetchResponse {
  return {
    throttleTimeMs: 0, errorCode: 0, sessionId: 0,
    responses: [{ topic: "orders", partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 10n, lastStableOffset: 10n, logStartOffset: 0n, abortedTransactions: [], records }] }],
  };
}

async function encrypted(writer: Rig, batch: Buffer): Promise<Buffer> {
  const req = { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: "orders", partitionData: [{ index: 0, records: batch }] }] };
  await writer.filter.onRequest!(ctx(writer, 0, 9), req);
  return req.topicData[0]!.partitionData[0]!.records!;
}

/** A writer encrypting inline and a reader decrypting through `pool`, sharing one KMS. */
async function writerAndReader(t: Test, pool: FilterPool): Promise<{ writer: Rig; reader: Rig }> {
  const writer = await makeRig();
  t.teardown(writer.close);
  const reader = await makeRig({ kms: writer.kms, pool });
  t.teardown(reader.close);
  return { writer, reader };
}

async function fetchThrough(rig: Rig, records: Buffer) {
  const res = fetchResponse(Buffer.from(records));
  await rig.filter.onResponse!(ctx(rig, 1, 12), res);
  return res.responses[0]!.partitions[0]!;
}

t.test("a partition's next fetch takes one worker call: its last DEKs go along as hints", async (t) => {
  const pool = await WorkerPool.start(await readFile(defaultWasmPath()), { size: 2 });
  t.teardown(() => pool.close());
  let calls = 0;
  const counting: FilterPool = {
    size: pool.size,
    encryptProduce: (r, k) => pool.encryptProduce(r, k),
    decryptFetch: (p, k, u) => { calls++; return pool.decryptFetch(p, k, u); },
  };
  const { writer, reader } = await writerAndReader(t, counting);
  const enc = await encrypted(writer, plainBatch(4));
  const first = await fetchThrough(reader, enc);
  t.ok(first.records!.equals(plainBatch(4)), "decrypted");
  t.equal(calls, 2, "first fetch: the worker names the missing EDEK, then decrypts with it");
  calls = 0;
  const second = await fetchThrough(reader, enc);
  t.ok(second.records!.equals(plainBatch(4)), "decrypted again");
  t.equal(calls, 1, "next fetch: one call, the DEK went along as a hint");
  t.equal(writer.kms.calls.decrypt, 1, "the EDEK was unwrapped once");
});

t.test("a sandbox failure fails the partition closed with a retriable code, nothing released", async (t) => {
  const failing: FilterPool = {
    size: 2,
    encryptProduce: async () => { throw new KsealError("WASM_TIMEOUT", "test"); },
    decryptFetch: async () => { throw new KsealError("WASM_TIMEOUT", "test"); },
  };
  const { writer, reader } = await writerAndReader(t, failing);
  const part = await fetchThrough(reader, await encrypted(writer, plainBatch(3)));
  t.equal(part.errorCode, 56, "KAFKA_STORAGE_ERROR: consumers retry");
  t.equal(part.records!.length, 0, "no ciphertext handed out");
  t.ok(reader.logs.some((l) => l.msg === "fetched batch could not be decrypted" && l.topic === "orders"), "logged with the topic");
});

t.test("a worker that keeps naming a key it was sent cannot loop the filter", async (t) => {
  let calls = 0;
  const stuck: FilterPool = {
    size: 1,
    encryptProduce: async () => [],
    decryptFetch: async (parts, keys): Promise<FetchPartOutcome[]> => {
      calls++;
      const edek = keys[0]?.edek ?? Buffer.from("edek-that-the-kms-knows");
      return parts.map(() => ({ missing: [edek], seen: [edek] }));
    },
  };
  const { writer, reader } = await writerAndReader(t, stuck);
  const part = await fetchThrough(reader, await encrypted(writer, plainBatch(2)));
  t.not(part.errorCode, 0, "the partition gets an error");
  t.equal(part.records!.length, 0, "nothing released");
  t.ok(calls <= 5, `bounded rounds (${calls} calls)`);
});

t.test("a large partition is decrypted in pieces on every worker; a bad batch stops it there", async (t) => {
  const pool = await WorkerPool.start(await readFile(defaultWasmPath()), { size: 2 });
  t.teardown(() => pool.close());
  const calls: number[] = [];
  const counting: FilterPool = {
    size: pool.size,
    encryptProduce: (r, k) => pool.encryptProduce(r, k),
    decryptFetch: (p, k, u) => { calls.push(p.length); return pool.decryptFetch(p, k, u); },
  };
  const { writer, reader } = await writerAndReader(t, counting);
  const plain: Buffer[] = [];
  const enc: Buffer[] = [];
  for (let i = 0; i < 60; i++) {
    const b = plainBatch(60, BigInt(i * 60), `big${i}`);
    plain.push(b);
    enc.push(await encrypted(writer, Buffer.from(b)));
  }
  const field = Buffer.concat(enc);
  t.ok(field.length > 256 * 1024, `one partition of ${field.length} bytes`);
  await fetchThrough(reader, field);
  calls.length = 0;
  const part = await fetchThrough(reader, field);
  t.equal(part.errorCode, 0);
  t.ok(part.records!.equals(Buffer.concat(plain)), "every batch decrypted, in order");
  t.same(calls.length, 2, "one call per worker");
  t.ok(calls.every((n) => n >= 2), `each call carries pieces (${calls.join(", ")})`);

  const tampered = Buffer.concat(enc.map((b, i) => {
    if (i !== 25) return b;
    const c = Buffer.from(b);
    // the last record's GCM tag ends just before its header count and the header's key length
    c[c.lastIndexOf(Buffer.from("kroxylicious.io/encryption")) - 3]! ^= 1;
    return fixCrc(c);
  }));
  const cut = await fetchThrough(reader, tampered);
  t.ok(cut.records!.equals(Buffer.concat(plain.slice(0, 25))), "the batches before the bad one are delivered, none after it");
  t.ok(reader.logs.some((l) => String(l.msg).startsWith("record failed to decrypt") && l.batchOffset === String(25 * 60)), "the failure is logged at its offset");
});
