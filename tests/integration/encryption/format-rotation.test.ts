// The stored format, checked without kseal's code: record batches parsed from the broker's
// segment files by the test's own reader, EDEKs unwrapped with node:crypto using the KEK read
// straight from the local KMS key file, values decrypted with node:crypto (record-encryption
// format v2). And KEK rotation: records written before and after `kseal keys rotate` all decrypt.
import { createDecipheriv } from "node:crypto";
import { readFileSync } from "node:fs";
import t from "tap";
import { PassThrough } from "node:stream";
import { createTopic, kafkaUnavailableReason, kafkajsClient, segmentFiles, uniqueTopic, useCluster, type ClusterInfo } from "../../rig/index.js";
import { runKeysCommand } from "../../../host/cli/keys.js";
import { startEncryptingProxy, tempKeyFile } from "./encryption-harness.js";

// ---- an independent reader of record batches v2 and the encrypted-record format ----

class Reader {
  constructor(readonly b: Buffer, public o = 0) {}
  uvarint(): number {
    let v = 0, shift = 0;
    for (;;) {
      const byte = this.b[this.o++]!;
      v += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return v;
      shift += 7;
    }
  }
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
  bytes(n: number): Buffer {
    const s = this.b.subarray(this.o, this.o + n);
    this.o += n;
    return s;
  }
}

interface StoredRecord { offset: bigint; timestamp: bigint; key: Buffer | null; value: Buffer | null; headers: [string, Buffer | null][] }

function parseSegment(seg: Buffer): StoredRecord[] {
  const out: StoredRecord[] = [];
  for (let off = 0; off + 61 <= seg.length; ) {
    const baseOffset = seg.readBigInt64BE(off);
    const len = seg.readInt32BE(off + 8);
    if (len <= 0) break;
    const attrs = seg.readInt16BE(off + 21);
    const baseTs = seg.readBigInt64BE(off + 27);
    const count = seg.readInt32BE(off + 57);
    if ((attrs & 7) !== 0) throw new Error("this reader takes uncompressed batches only");
    if ((attrs & 0x20) === 0) {
      const r = new Reader(seg, off + 61);
      for (let i = 0; i < count; i++) {
        r.varint(); // length
        r.bytes(1); // attributes
        const tsDelta = r.varint();
        const offDelta = r.varint();
        const kl = r.varint();
        const key = kl < 0 ? null : Buffer.from(r.bytes(kl));
        const vl = r.varint();
        const value = vl < 0 ? null : Buffer.from(r.bytes(vl));
        const hc = r.varint();
        const headers: [string, Buffer | null][] = [];
        for (let h = 0; h < hc; h++) {
          const hk = r.bytes(r.varint()).toString("utf8");
          const hl = r.varint();
          headers.push([hk, hl < 0 ? null : Buffer.from(r.bytes(hl))]);
        }
        out.push({ offset: baseOffset + BigInt(offDelta), timestamp: baseTs + BigInt(tsDelta), key, value, headers });
      }
    }
    off += 12 + len;
  }
  return out;
}

function uuidOf(b: Buffer): string {
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function gcmOpen(key: Buffer, iv: Buffer, sealed: Buffer): Buffer {
  const d = createDecipheriv("aes-256-gcm", key, iv);
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
}

interface Opened { kekId: string; iv: Buffer; plain: Buffer | null; wrapperBytes: number }

/** Opens one stored value per the spec, with KEKs from the key file's JSON. */
function openValue(value: Buffer, keyFile: string): Opened {
  const r = new Reader(value);
  if (r.bytes(1)[0] !== 0x00) throw new Error("cipher id is not AES-256-GCM");
  const edek = r.bytes(r.uvarint());
  if (r.bytes(1)[0] !== 0x00) throw new Error("AAD id is not 'none'");
  const iv = Buffer.from(r.bytes(12));
  const sealed = value.subarray(r.o);
  // Local EDEK: tag bits u8 | IV length u8 | IV | KEK id (16) | AES-GCM(KEK, DEK) 48 bytes.
  if (edek.length !== 78 || edek[0] !== 128 || edek[1] !== 12) throw new Error(`local EDEK form expected, got ${edek.length} bytes`);
  const kekId = uuidOf(edek.subarray(14, 30));
  const file = JSON.parse(readFileSync(keyFile, "utf8")) as { keks: { id: string; key: string }[] };
  const kek = file.keks.find((k) => k.id === kekId);
  if (!kek) throw new Error(`KEK ${kekId} not in the key file`);
  const dek = gcmOpen(Buffer.from(kek.key, "base64"), edek.subarray(2, 14), edek.subarray(30));
  const parcel = new Reader(gcmOpen(dek, iv, sealed));
  const vl = parcel.varint();
  const plain = vl < 0 ? null : Buffer.from(parcel.bytes(vl));
  if (parcel.varint() !== -2) throw new Error("parcel should say headers are not carried (-2)");
  if (parcel.o !== parcel.b.length) throw new Error("bytes after the parcel");
  return { kekId, iv, plain, wrapperBytes: value.length };
}

function storedRecords(info: ClusterInfo, topic: string): StoredRecord[] {
  return segmentFiles(info, topic).flatMap((f) => parseSegment(readFileSync(f)));
}

async function send(info: ClusterInfo, bootstrap: string, topic: string, messages: { key?: string; value: Buffer | string; headers?: Record<string, string> }[]): Promise<void> {
  const p = kafkajsClient({ ...info, bootstrap } as ClusterInfo).producer();
  await p.connect();
  await p.send({ topic, acks: -1, messages });
  await p.disconnect();
}

async function readValues(info: ClusterInfo, bootstrap: string, topic: string, count: number): Promise<string[]> {
  const c = kafkajsClient({ ...info, bootstrap } as ClusterInfo).consumer({ groupId: uniqueTopic("g") });
  await c.connect();
  await c.subscribe({ topic, fromBeginning: true });
  const got: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${got.length} of ${count} records`)), 60_000);
    c.run({ eachMessage: async ({ message }) => {
      got.push(message.value?.toString() ?? "<null>");
      if (got.length >= count) { clearTimeout(timer); resolve(); }
    } }).catch(reject);
  });
  await c.disconnect();
  return got;
}

async function keys(args: string[]): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough();
  let out = "";
  stdout.on("data", (d: Buffer) => (out += d.toString()));
  const code = await runKeysCommand(args, { stdout, stderr: stdout });
  return { code, out };
}

const unavailable = kafkaUnavailableReason();
if (unavailable) t.plan(0, unavailable);
else {
  t.test("stored records decode per the format spec and open with node:crypto", async (t) => {
    const info = await useCluster(t);
    const ep = await startEncryptingProxy(t, info);
    const topic = await createTopic(info, { topic: uniqueTopic("enc-format"), numPartitions: 1 });
    const values = ["a", "", "format-check value with ünïcödé", "x".repeat(5000)];
    await send(info, ep.bootstrap, topic, [
      ...values.map((v, i) => ({ key: `k${i}`, value: v, headers: i === 2 ? { first: "1", second: "2" } : undefined })),
    ]);
    const stored = storedRecords(info, topic);
    t.equal(stored.length, values.length, "every record stored");
    const ivs = new Set<string>();
    const keks = new Set<string>();
    stored.forEach((r, i) => {
      t.equal(r.key?.toString(), `k${i}`, `key ${i} in clear`);
      t.same(r.headers[0], ["kroxylicious.io/encryption", Buffer.from([0x02])], `record ${i}: encryption header first, value 0x02`);
      t.same(r.headers.slice(1).map(([k, v]) => [k, v?.toString()]), i === 2 ? [["first", "1"], ["second", "2"]] : [], `record ${i}: original headers follow in order`);
      const o = openValue(r.value!, ep.keyFile);
      t.equal(o.plain?.toString(), values[i], `record ${i} decrypts with node:crypto`);
      ivs.add(o.iv.toString("hex"));
      keks.add(o.kekId);
      if (i === 0) t.equal(o.wrapperBytes, 112, "a 1-byte value becomes 112 bytes (spec, Overhead)");
    });
    t.equal(ivs.size, values.length, "every record has its own IV");
    t.equal(keks.size, 1, "one KEK for the topic");
    const { out } = await keys(["list", "--json", "--key-file", ep.keyFile]);
    t.match(out, `KEK-${topic}`, "the KEK was created on first use under the template's alias");
  });

  t.test("records written before and after a KEK rotation all decrypt", async (t) => {
    const info = await useCluster(t);
    const keyFile = tempKeyFile(t);
    const topic = await createTopic(info, { topic: uniqueTopic("enc-rotate"), numPartitions: 1 });
    const first = await startEncryptingProxy(t, info, { keyFile });
    await send(info, first.bootstrap, topic, [{ value: "before-rotation-1" }, { value: "before-rotation-2" }]);
    await first.stop();

    const rot = await keys(["rotate", `KEK-${topic}`, "--key-file", keyFile]);
    t.equal(rot.code, 0, `kseal keys rotate ${rot.out}`);
    const second = await startEncryptingProxy(t, info, { keyFile });
    await send(info, second.bootstrap, topic, [{ value: "after-rotation-3" }]);
    await second.stop();

    const stored = storedRecords(info, topic).map((r) => openValue(r.value!, keyFile));
    t.equal(new Set(stored.map((o) => o.kekId)).size, 2, "records name two different KEKs");
    // A fresh proxy (empty EDEK cache) unwraps DEKs of both KEKs through the KMS.
    const third = await startEncryptingProxy(t, info, { keyFile });
    const got = await readValues(info, third.bootstrap, topic, 3);
    t.same(got.sort(), ["after-rotation-3", "before-rotation-1", "before-rotation-2"], "all records decrypt");
  });
}
