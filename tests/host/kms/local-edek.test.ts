/**
 * The local KMS's EDEK bytes, checked against the format spec with node:crypto and an
 * independent parser (not our decoder).
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { LocalKms } from "../../../host/kms/local/local-kms.js";
import { kekFromFile, tempDir } from "./helpers.js";

t.test("generateDek writes the spec's 78-byte local EDEK; node:crypto unwraps it with the file's KEK", async (t) => {
  const path = join(tempDir(t), "k.json");
  const kms = await LocalKms.open({ path });
  t.teardown(() => kms.close());
  const kekId = await kms.resolveAlias("orders");
  const { dek, edek } = await kms.generateDek(kekId);
  t.equal(dek.length, 32);
  t.equal(edek.length, 78, "1 + 1 + 12 + 16 + 48");
  // Independent parse: u8 tag bits || u8 IV length || IV || UUID (16, big-endian) || ct(32) || tag(16)
  t.equal(edek[0], 128, "tag bits");
  t.equal(edek[1], 12, "IV length");
  const iv = edek.subarray(2, 14);
  const uuidBytes = edek.subarray(14, 30);
  t.equal(uuidBytes.toString("hex"), kekId.replace(/-/g, ""), "KEK id, most significant byte first");
  const ct = edek.subarray(30, 62);
  const tag = edek.subarray(62, 78);
  const d = createDecipheriv("aes-256-gcm", kekFromFile(path, kekId), iv);
  d.setAuthTag(tag);
  const unwrapped = Buffer.concat([d.update(ct), d.final()]);
  t.ok(unwrapped.equals(dek), "node:crypto recovers the DEK under empty AAD");
  t.ok((await kms.decryptEdek(edek)).equals(dek), "and so does the KMS");
  const again = await kms.generateDek(kekId);
  t.notOk(again.edek.subarray(2, 14).equals(iv), "fresh IV per DEK");
  t.notOk(again.dek.equals(dek), "fresh DEK");
});

t.test("decryptEdek opens an EDEK built by node:crypto from a hand-written key file", async (t) => {
  const dir = tempDir(t);
  const path = join(dir, "k.json");
  const kek = Buffer.from("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "hex");
  const id = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
  writeFileSync(path, JSON.stringify({
    format: "kseal-local-kms", version: 1, aliases: { fixed: id },
    keks: [{ id, alias: "fixed", created: "2026-01-01T00:00:00.000Z", key: kek.toString("base64") }],
  }), { mode: 0o600 });
  const dek = Buffer.from("ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100", "hex");
  const iv = Buffer.from("cafebabefacedbaddecaf888", "hex");
  const c = createCipheriv("aes-256-gcm", kek, iv);
  const ct = Buffer.concat([c.update(dek), c.final()]);
  const edek = Buffer.concat([Buffer.from([0x80, 0x0c]), iv, Buffer.from(id.replace(/-/g, ""), "hex"), ct, c.getAuthTag()]);
  t.equal(edek.length, 78);
  t.equal(edek.subarray(14, 30).toString("hex"), "0f1e2d3c4b5a69788796a5b4c3d2e1f0");
  const kms = await LocalKms.open({ path, autoCreate: false });
  t.teardown(() => kms.close());
  t.equal(await kms.resolveAlias("fixed"), id);
  t.ok((await kms.decryptEdek(edek)).equals(dek));
});

t.test("malformed, tampered and foreign EDEKs fail with distinct errors", async (t) => {
  const path = join(tempDir(t), "k.json");
  const kms = await LocalKms.open({ path });
  t.teardown(() => kms.close());
  const { edek } = await kms.generateDek(await kms.resolveAlias("a"));
  const flip = (i: number) => {
    const e = Buffer.from(edek);
    e[i]! ^= 0x01;
    return e;
  };
  await t.rejects(kms.decryptEdek(edek.subarray(0, 77)), { code: "KMS_EDEK_INVALID" }, "short");
  await t.rejects(kms.decryptEdek(Buffer.concat([edek, Buffer.from([0])])), { code: "KMS_EDEK_INVALID" }, "long");
  await t.rejects(kms.decryptEdek(flip(0)), { code: "KMS_EDEK_INVALID" }, "tag bits 129");
  const shortTag = Buffer.from(edek);
  shortTag[0] = 96;
  await t.rejects(kms.decryptEdek(shortTag), { code: "KMS_EDEK_INVALID" }, "96-bit tags refused");
  await t.rejects(kms.decryptEdek(flip(1)), { code: "KMS_EDEK_INVALID" }, "IV length 13");
  await t.rejects(kms.decryptEdek(flip(5)), { code: "KMS_INTEGRITY" }, "IV bit");
  await t.rejects(kms.decryptEdek(flip(20)), { code: "KMS_UNKNOWN_KEY" }, "KEK id bit: no such KEK");
  await t.rejects(kms.decryptEdek(flip(40)), { code: "KMS_INTEGRITY" }, "ciphertext bit");
  await t.rejects(kms.decryptEdek(flip(77)), { code: "KMS_INTEGRITY" }, "tag bit");
  const foreign = Buffer.from(edek);
  randomBytes(16).copy(foreign, 14);
  const err = await kms.decryptEdek(foreign).then(() => undefined, (e: unknown) => e as { code: string; retriable: boolean; message: string });
  t.equal(err?.code, "KMS_UNKNOWN_KEY");
  t.equal(err?.retriable, false);
});

t.test("the same KEK id with other key material is an integrity failure", async (t) => {
  const dir = tempDir(t);
  const a = await LocalKms.open({ path: join(dir, "a.json") });
  const b = await LocalKms.open({ path: join(dir, "b.json") });
  t.teardown(async () => { await a.close(); await b.close(); });
  const id = await a.resolveAlias("x");
  await b.importKek("x", id, randomBytes(32));
  const { edek } = await a.generateDek(id);
  await t.rejects(b.decryptEdek(edek), { code: "KMS_INTEGRITY" });
  const err = await b.decryptEdek(edek).catch((e: Error) => e);
  t.notMatch((err as Error).message, /[0-9a-f]{64}/, "no key material in the message");
});
