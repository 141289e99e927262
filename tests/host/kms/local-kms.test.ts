import { createDecipheriv, randomBytes, scryptSync } from "node:crypto";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { defaultKeyFilePath } from "../../../host/kms/local/default-path.js";
import type { DekPair } from "../../../host/kms/kms.js";
import { LocalKms } from "../../../host/kms/local/local-kms.js";
import { readJson, tempDir } from "./helpers.js";

const mode = (p: string) => statSync(p).mode & 0o777;

t.test("the key file is 0600 in a 0700 directory, whatever the umask", async (t) => {
  const old = process.umask(0o000);
  t.teardown(() => process.umask(old));
  const path = join(tempDir(t), "new", "dir", "local-kms.json");
  const kms = await LocalKms.open({ path });
  t.teardown(() => kms.close());
  t.notOk(existsSync(path), "nothing written before a key exists");
  await kms.resolveAlias("a");
  t.equal(mode(path), 0o600);
  t.equal(mode(join(path, "..")), 0o700);
  t.equal(mode(join(path, "..", "..")), 0o700);
  await kms.rotate("a");
  t.equal(mode(path), 0o600, "still 0600 after a rewrite");
});

t.test("writes replace the file atomically and leave no temp or lock files", async (t) => {
  const dir = tempDir(t);
  const path = join(dir, "k.json");
  const kms = await LocalKms.open({ path });
  t.teardown(() => kms.close());
  await kms.createKek("a");
  // An fd opened now keeps seeing the old file if writes replace it, but would see new bytes if
  // they rewrote it in place.
  const before = readFileSync(path, "utf8");
  const fd = openSync(path, "r");
  t.teardown(() => closeSync(fd));
  let reads = 0;
  let bad = 0;
  let stop = false;
  // A reader in a tight loop never sees a half-written file.
  const reader = (async () => {
    while (!stop) {
      try {
        JSON.parse(readFileSync(path, "utf8"));
      } catch {
        bad++;
      }
      reads++;
      await new Promise((r) => setImmediate(r));
    }
  })();
  for (let i = 0; i < 30; i++) await kms.rotate("a");
  stop = true;
  await reader;
  t.equal(bad, 0, `${reads} reads, all complete JSON`);
  t.equal(readFileSync(fd, "utf8"), before, "replaced by rename, not rewritten in place");
  t.same(readdirSync(dir), ["k.json"]);
  t.equal(readJson(path).keks.length, 31);
});

t.test("a refused change leaves the file byte for byte as it was", async (t) => {
  const path = join(tempDir(t), "k.json");
  const kms = await LocalKms.open({ path });
  t.teardown(() => kms.close());
  await kms.createKek("a");
  const before = readFileSync(path);
  await t.rejects(kms.createKek("a"), { code: "KMS_KEY_EXISTS" });
  await t.rejects(kms.rotate("missing"), { code: "KMS_UNKNOWN_ALIAS" });
  await t.rejects(kms.importKek("b", "not-a-uuid", randomBytes(32)), { code: "KMS_KEY_INVALID" });
  await t.rejects(kms.importKek("b", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", randomBytes(31)), { code: "KMS_KEY_INVALID" });
  await t.rejects(kms.createKek(""), { code: "KMS_ALIAS_INVALID" });
  await t.rejects(kms.createKek("a\nb"), { code: "KMS_ALIAS_INVALID" });
  t.ok(readFileSync(path).equals(before));
});

t.test("two processes adding keys to one file lose nothing", async (t) => {
  const path = join(tempDir(t), "k.json");
  const a = await LocalKms.open({ path });
  const b = await LocalKms.open({ path });
  t.teardown(async () => { await a.close(); await b.close(); });
  const ids = await Promise.all([
    ...Array.from({ length: 8 }, (_, i) => a.resolveAlias(`a-${i}`)),
    ...Array.from({ length: 8 }, (_, i) => b.resolveAlias(`b-${i}`)),
  ]);
  const file = readJson(path);
  t.equal(file.keks.length, 16);
  t.same(new Set(file.keks.map((k) => k.id)), new Set(ids));
  // Both see each other's keys: an EDEK from one unwraps in the other.
  const fromA = await a.generateDek(ids[0]!);
  t.ok((await b.decryptEdek(fromA.edek)).equals(fromA.dek));
  t.equal(await b.resolveAlias("a-3"), ids[3]);
});

t.test("the same new alias asked for concurrently gets one KEK", async (t) => {
  const path = join(tempDir(t), "k.json");
  const a = await LocalKms.open({ path });
  const b = await LocalKms.open({ path });
  t.teardown(async () => { await a.close(); await b.close(); });
  const ids = await Promise.all([a.resolveAlias("x"), a.resolveAlias("x"), b.resolveAlias("x"), b.resolveAlias("x")]);
  t.equal(new Set(ids).size, 1);
  t.equal(readJson(path).keks.length, 1);
});

t.test("a stale lock left by a crashed process is removed", async (t) => {
  const path = join(tempDir(t), "k.json");
  writeFileSync(`${path}.lock`, "99999\n");
  const old = new Date(Date.now() - 60_000);
  utimesSync(`${path}.lock`, old, old);
  const kms = await LocalKms.open({ path });
  t.teardown(() => kms.close());
  await kms.createKek("a");
  t.notOk(existsSync(`${path}.lock`));
});

t.test("rotation: new DEKs under the new KEK, old EDEKs still decrypt", async (t) => {
  const path = join(tempDir(t), "k.json");
  const kms = await LocalKms.open({ path });
  t.teardown(() => kms.close());
  const id1 = await kms.resolveAlias("orders");
  const old = await kms.generateDek(id1);
  const rotated = await kms.rotate("orders");
  t.not(rotated.id, id1);
  t.equal(rotated.current, true);
  t.equal(await kms.resolveAlias("orders"), rotated.id);
  const fresh = await kms.generateDek(await kms.resolveAlias("orders"));
  t.equal(fresh.edek.subarray(14, 30).toString("hex"), rotated.id.replace(/-/g, ""));
  t.ok((await kms.decryptEdek(old.edek)).equals(old.dek), "old EDEK still unwraps");
  t.ok((await kms.decryptEdek(fresh.edek)).equals(fresh.dek));
  const list = await kms.list();
  t.same(list.map((k) => [k.id, k.current]), [[id1, false], [rotated.id, true]]);
  t.notMatch(JSON.stringify(list), /key"/, "list shows no key material");
});

t.test("a rotation by another process is picked up", async (t) => {
  const path = join(tempDir(t), "k.json");
  const proxy = await LocalKms.open({ path });
  const cli = await LocalKms.open({ path, autoCreate: false });
  t.teardown(async () => { await proxy.close(); await cli.close(); });
  const id1 = await proxy.resolveAlias("orders");
  const r = await cli.rotate("orders");
  t.equal(await proxy.resolveAlias("orders"), r.id, "resolveAlias re-reads the changed file");
  t.not(r.id, id1);
  const edek = (await cli.generateDek(r.id)).edek;
  t.ok(await proxy.decryptEdek(edek), "and knows the new KEK");
});

t.test("auto-create on (default) and off", async (t) => {
  const path = join(tempDir(t), "k.json");
  const off = await LocalKms.open({ path, autoCreate: false });
  t.teardown(() => off.close());
  const err = await off.resolveAlias("topic-a").then(() => undefined, (e: unknown) => e as { code: string; retriable: boolean });
  t.equal(err?.code, "KMS_UNKNOWN_ALIAS");
  t.equal(err?.retriable, false);
  t.notOk(existsSync(path), "nothing created");
  const on = await LocalKms.open({ path });
  t.teardown(() => on.close());
  t.equal(on.autoCreate, true);
  const id = await on.resolveAlias("topic-a");
  t.equal(await on.resolveAlias("topic-a"), id, "stable");
  t.equal(await off.resolveAlias("topic-a"), id, "an existing alias resolves with auto-create off");
});

t.test("unknown KEK ids", async (t) => {
  const path = join(tempDir(t), "k.json");
  const kms = await LocalKms.open({ path });
  t.teardown(() => kms.close());
  await t.rejects(kms.generateDek("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"), { code: "KMS_UNKNOWN_KEY" });
  await t.rejects(kms.generateDek("nonsense"), { code: "KMS_UNKNOWN_KEY" });
  await t.rejects(kms.exportKek("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"), { code: "KMS_UNKNOWN_KEY" });
});

t.test("passphrase: keys sealed, right passphrase opens, wrong or missing one fails clearly", async (t) => {
  const path = join(tempDir(t), "k.json");
  const kms = await LocalKms.open({ path, passphrase: "correct horse" });
  const id = await kms.resolveAlias("orders");
  const pair = await kms.generateDek(id);
  const kek = await kms.exportKek(id);
  await kms.close();
  const file = readJson(path);
  t.ok(file.protection, "protected");
  t.notOk(file.keks.some((k) => "key" in k), "no clear key material in the file");
  t.notOk(readFileSync(path, "latin1").includes(kek.toString("base64")));

  // The documented construction, rebuilt here with node:crypto: scrypt key, AES-256-GCM, AAD.
  const p = file.protection!;
  const wrapping = scryptSync("correct horse", Buffer.from(p.salt, "base64"), 32, { N: p.N, r: p.r, p: p.p, maxmem: 64 * 1024 * 1024 });
  const aliases = Object.entries(file.aliases).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const aad = JSON.stringify({ format: file.format, version: file.version, aliases, keks: file.keks.map((k) => [k.id, k.alias, k.created]), kdf: [p.N, p.r, p.p, p.salt] });
  const sealed = Buffer.from(p.sealed, "base64");
  const d = createDecipheriv("aes-256-gcm", wrapping, Buffer.from(p.iv, "base64"));
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  const keys = Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
  t.ok(keys.equals(kek), "sealed plaintext is the KEKs in file order");
  t.equal(p.N, 32768);

  const right = await LocalKms.open({ path, passphrase: "correct horse" });
  t.ok((await right.decryptEdek(pair.edek)).equals(pair.dek));
  await right.rotate("orders");
  await right.close();
  t.equal(readJson(path).protection!.salt, p.salt, "rewrites keep the salt");
  t.not(readJson(path).protection!.iv, p.iv, "and take a fresh IV");

  const wrong = await LocalKms.open({ path, passphrase: "wrong horse" }).then(() => undefined, (e: unknown) => e as Error & { code: string });
  t.equal(wrong?.code, "KMS_PASSPHRASE");
  t.match(wrong?.message, /wrong passphrase/);
  await t.rejects(LocalKms.open({ path }), { code: "KMS_PASSPHRASE", message: /no passphrase was given/ });
});

t.test("passphrase: edited metadata is detected", async (t) => {
  const path = join(tempDir(t), "k.json");
  const kms = await LocalKms.open({ path, passphrase: "pw" });
  await kms.resolveAlias("a");
  await kms.resolveAlias("b");
  await kms.close();
  const file = readJson(path);
  // Swap the aliases' KEKs: a well-formed file that would silently move traffic between keys.
  const swapped = {
    ...file,
    aliases: { a: file.aliases.b!, b: file.aliases.a! },
    keks: file.keks.map((k) => ({ ...k, alias: k.alias === "a" ? "b" : "a" })),
  };
  writeFileSync(path, JSON.stringify(swapped));
  await t.rejects(LocalKms.open({ path, passphrase: "pw" }), { code: "KMS_PASSPHRASE" }, "aliases swapped");
  writeFileSync(path, JSON.stringify({ ...file, keks: file.keks.map((k) => ({ ...k, created: "2020-01-01T00:00:00.000Z" })) }));
  await t.rejects(LocalKms.open({ path, passphrase: "pw" }), { code: "KMS_PASSPHRASE" }, "creation time edited");
  writeFileSync(path, JSON.stringify(file));
  const ok = await LocalKms.open({ path, passphrase: "pw" });
  t.equal((await ok.list()).length, 2, "the untouched file opens");
  await ok.close();
  writeFileSync(path, JSON.stringify({ ...file, protection: { ...file.protection!, N: 16384 } }));
  await t.rejects(LocalKms.open({ path, passphrase: "pw" }), { code: "KMS_PASSPHRASE" }, "weakened KDF cost");
  writeFileSync(path, JSON.stringify({ ...file, protection: { ...file.protection!, N: 2 ** 24 } }));
  await t.rejects(LocalKms.open({ path, passphrase: "pw" }), { code: "KMS_KEY_FILE" }, "absurd KDF cost refused before running it");
});

t.test("passphrase can be added, changed and removed", async (t) => {
  const path = join(tempDir(t), "k.json");
  const kms = await LocalKms.open({ path });
  const id = await kms.resolveAlias("a");
  const pair = await kms.generateDek(id);
  await kms.setPassphrase("one");
  await kms.close();
  t.ok(readJson(path).protection);
  const one = await LocalKms.open({ path, passphrase: "one" });
  await one.setPassphrase("two");
  await one.close();
  await t.rejects(LocalKms.open({ path, passphrase: "one" }), { code: "KMS_PASSPHRASE" });
  const two = await LocalKms.open({ path, passphrase: "two" });
  t.ok((await two.decryptEdek(pair.edek)).equals(pair.dek));
  await two.setPassphrase(undefined);
  await two.close();
  t.notOk(readJson(path).protection);
  t.equal(Buffer.from(readJson(path).keks[0]!.key!, "base64").length, 32);
});

t.test("corrupt key files are refused with KMS_KEY_FILE", async (t) => {
  const path = join(tempDir(t), "k.json");
  const good = { format: "kseal-local-kms", version: 1, aliases: {}, keks: [] as unknown[] };
  const cases: Array<[string, unknown]> = [
    ["not json", "{"],
    ["other format", { ...good, format: "x" }],
    ["future version", { ...good, version: 2 }],
    ["short key", { ...good, keks: [{ id: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", alias: "a", created: "2026-01-01T00:00:00Z", key: "AAAA" }] }],
    ["alias to nowhere", { ...good, aliases: { a: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" } }],
  ];
  for (const [name, content] of cases) {
    writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
    await t.rejects(LocalKms.open({ path }), { code: "KMS_KEY_FILE" }, name);
  }
});

t.test("import and export move a KEK between key files", async (t) => {
  const dir = tempDir(t);
  const a = await LocalKms.open({ path: join(dir, "a.json") });
  const b = await LocalKms.open({ path: join(dir, "b.json") });
  t.teardown(async () => { await a.close(); await b.close(); });
  const id = await a.resolveAlias("orders");
  const pair = await a.generateDek(id);
  const key = await a.exportKek(id);
  const bOwn = await b.resolveAlias("orders");
  const imported = await b.importKek("orders", id, key);
  t.equal(imported.current, false, "an existing alias keeps its current KEK");
  t.equal(await b.resolveAlias("orders"), bOwn);
  t.ok((await b.decryptEdek(pair.edek)).equals(pair.dek));
  t.same(await b.importKek("orders", id, key), imported, "importing the same key again is a no-op");
  await t.rejects(b.importKek("orders", id, randomBytes(32)), { code: "KMS_KEY_EXISTS" });
  const cur = await b.importKek("orders", id, key, true);
  t.equal(cur.current, true);
  t.equal(await b.resolveAlias("orders"), id);
});

t.test("close wipes the KEKs and later calls fail", async (t) => {
  const path = join(tempDir(t), "k.json");
  const kms = await LocalKms.open({ path });
  const id = await kms.resolveAlias("a");
  await kms.close();
  await t.rejects(kms.generateDek(id), { code: "KMS_UNAVAILABLE" });
});

t.test("default key file location", async (t) => {
  t.equal(defaultKeyFilePath({ KSEAL_LOCAL_KMS_FILE: "/x/k.json" }), "/x/k.json");
  t.equal(defaultKeyFilePath({ XDG_CONFIG_HOME: "/cfg" }), "/cfg/kseal/local-kms.json");
  t.match(defaultKeyFilePath({}), /\.config\/kseal\/local-kms\.json$/);
  t.end();
});

t.test("DEKs generated while the key file is re-read all unwrap (no KEK wiped under a call)", async (t) => {
  const path = join(tempDir(t), "k.json");
  const kms = await LocalKms.open({ path });
  const admin = await LocalKms.open({ path, autoCreate: false });
  t.teardown(async () => { await kms.close(); await admin.close(); });
  const id = await kms.resolveAlias("x");
  const pairs: DekPair[] = [];
  for (let round = 0; round < 15; round++) {
    const work: Array<Promise<unknown>> = [admin.rotate("x")];
    for (let i = 0; i < 20; i++) {
      work.push(kms.resolveAlias("x")); // re-reads the file the admin is rewriting
      work.push(kms.generateDek(id).then((p) => pairs.push(p)));
    }
    await Promise.all(work);
  }
  const fresh = await LocalKms.open({ path, autoCreate: false });
  t.teardown(() => fresh.close());
  let ok = 0;
  for (const p of pairs) if ((await fresh.decryptEdek(p.edek)).equals(p.dek)) ok++;
  t.equal(ok, pairs.length, `${pairs.length} DEKs`);
});
