import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import t from "tap";
import { runKeysCommand } from "../../../host/cli/keys.js";
import { parseKeyMaterial } from "../../../host/cli/keys-material.js";
import { LocalKms } from "../../../host/kms/local/local-kms.js";
import { readJson, tempDir } from "./helpers.js";

async function keys(argv: string[], opts: { env?: NodeJS.ProcessEnv; stdin?: Buffer } = {}) {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on("data", (c: Buffer) => out.push(c));
  stderr.on("data", (c: Buffer) => err.push(c));
  const code = await runKeysCommand(argv, {
    stdout, stderr, env: opts.env ?? {}, stdin: Readable.from(opts.stdin ? [opts.stdin] : []),
  });
  return { code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() };
}

t.test("create, list, rotate", async (t) => {
  const file = join(tempDir(t), "k.json");
  const kf = ["--key-file", file];
  const c = await keys(["create", "orders", ...kf]);
  t.equal(c.code, 0, c.stderr);
  t.match(c.stdout.toString(), /created KEK [0-9a-f-]{36} for alias orders/);
  t.equal(statSync(file).mode & 0o777, 0o600);
  const again = await keys(["create", "orders", ...kf]);
  t.equal(again.code, 1);
  t.match(again.stderr, /KMS_KEY_EXISTS/);
  t.equal((await keys(["rotate", "orders", ...kf])).code, 0);
  const list = await keys(["list", ...kf]);
  t.equal(list.code, 0);
  const lines = list.stdout.toString().trim().split("\n");
  t.equal(lines.length, 3, "header and two KEKs");
  t.match(lines[0], /ID\s+CREATED\s+ALIAS/);
  t.equal(lines.filter((l) => l.startsWith("*")).length, 1, "one current KEK");
  const json = JSON.parse((await keys(["list", "--json", ...kf])).stdout.toString()) as Array<Record<string, unknown>>;
  t.same(json.map((k) => Object.keys(k).sort()), [["alias", "created", "current", "id"], ["alias", "created", "current", "id"]]);
  for (const k of readJson(file).keks) t.notOk(list.stdout.toString().includes(k.key!), "no key material listed");
  t.match((await keys(["rotate", "missing", ...kf])).stderr, /KMS_UNKNOWN_ALIAS/);
});

t.test("export warns on stderr and round-trips through import (hex, base64, raw, stdin)", async (t) => {
  const dir = tempDir(t);
  const a = ["--key-file", join(dir, "a.json")];
  const b = ["--key-file", join(dir, "b.json")];
  await keys(["create", "orders", ...a]);
  const id = readJson(join(dir, "a.json")).keks[0]!.id;
  const key = Buffer.from(readJson(join(dir, "a.json")).keks[0]!.key!, "base64");
  const hex = await keys(["export", id, ...a]);
  t.equal(hex.code, 0);
  t.equal(hex.stdout.toString(), key.toString("hex") + "\n");
  t.match(hex.stderr, /warning: .*secret key material/);
  const b64 = await keys(["export", id, "--format", "base64", ...a]);
  t.equal(b64.stdout.toString(), key.toString("base64") + "\n");
  const raw = await keys(["export", id, "--format", "raw", ...a]);
  t.ok(raw.stdout.equals(key));
  const outFile = join(dir, "kek.bin");
  const toFile = await keys(["export", id, "--format", "raw", "--out", outFile, ...a]);
  t.equal(toFile.code, 0);
  t.equal(toFile.stdout.length, 0);
  t.ok(readFileSync(outFile).equals(key));
  t.equal(statSync(outFile).mode & 0o777, 0o600);
  t.equal((await keys(["export", id, "--out", outFile, ...a])).code, 1, "never overwrites");

  const imp = await keys(["import", "orders", "--id", id, "--material", "-", ...b], { stdin: b64.stdout });
  t.equal(imp.code, 0, imp.stderr);
  t.match(imp.stdout.toString(), /current/);
  const kms = await LocalKms.open({ path: join(dir, "b.json") });
  t.ok((await kms.exportKek(id)).equals(key));
  await kms.close();
  t.equal((await keys(["import", "orders", "--id", id, "--material", outFile, ...b])).code, 0, "same key again: no-op");
  const other = join(dir, "other.hex");
  writeFileSync(other, randomBytes(32).toString("hex"));
  t.match((await keys(["import", "orders", "--id", id, "--material", other, ...b])).stderr, /KMS_KEY_EXISTS/);
});

t.test("passphrase from an environment variable", async (t) => {
  const file = join(tempDir(t), "k.json");
  const kf = ["--key-file", file];
  const env = { PW: "s3cret", BAD: "nope" };
  t.equal((await keys(["create", "a", ...kf, "--passphrase-env", "PW"], { env })).code, 0);
  t.ok(readJson(file).protection, "a new file is protected when a passphrase is given");
  t.match((await keys(["list", ...kf], { env })).stderr, /KMS_PASSPHRASE: .*no passphrase was given/);
  t.match((await keys(["list", ...kf, "--passphrase-env", "BAD"], { env })).stderr, /KMS_PASSPHRASE: .*wrong passphrase/);
  t.match((await keys(["list", ...kf, "--passphrase-env", "UNSET"], { env })).stderr, /UNSET: that environment variable is not set/);
  t.equal((await keys(["list", ...kf, "--passphrase-env", "PW"], { env })).code, 0);
  t.equal((await keys(["passphrase", "--new-passphrase-env", "BAD", ...kf, "--passphrase-env", "PW"], { env })).code, 0);
  t.equal((await keys(["list", ...kf, "--passphrase-env", "BAD"], { env })).code, 0, "changed");
  t.equal((await keys(["passphrase", "--remove", ...kf, "--passphrase-env", "BAD"], { env })).code, 0);
  t.notOk(readJson(file).protection);
});

t.test("usage errors", async (t) => {
  const file = join(tempDir(t), "k.json");
  const kf = ["--key-file", file];
  t.equal((await keys([])).code, 1);
  const help = await keys(["--help"]);
  t.equal(help.code, 0);
  t.match(help.stdout.toString(), /Usage: kseal keys/);
  t.match((await keys(["frobnicate", ...kf])).stderr, /unknown keys command/);
  t.match((await keys(["create", ...kf])).stderr, /expected one alias/);
  t.match((await keys(["create", "a", "--bogus", ...kf])).stderr, /Unknown option/);
  t.match((await keys(["import", "a", ...kf])).stderr, /needs --id/);
  t.match((await keys(["passphrase", ...kf])).stderr, /exactly one of/);
  t.notOk(existsSync(file), "no key file made by a failed command");
});

t.test("key material parsing", async (t) => {
  const key = randomBytes(32);
  t.ok(parseKeyMaterial(key).equals(key), "32 raw bytes");
  t.ok(parseKeyMaterial(Buffer.from(key.toString("hex") + "\n")).equals(key), "hex");
  t.ok(parseKeyMaterial(Buffer.from(key.toString("hex").toUpperCase())).equals(key), "HEX");
  t.ok(parseKeyMaterial(Buffer.from(`  ${key.toString("base64")}\n`)).equals(key), "base64");
  t.ok(parseKeyMaterial(Buffer.from(key.toString("base64url"))).equals(key), "base64url");
  t.throws(() => parseKeyMaterial(randomBytes(31)), { code: "KMS_KEY_INVALID" });
  t.throws(() => parseKeyMaterial(Buffer.from(randomBytes(24).toString("base64"))), { code: "KMS_KEY_INVALID" });
  t.throws(() => parseKeyMaterial(Buffer.from("zz".repeat(32))), { code: "KMS_KEY_INVALID" });
  t.end();
});
