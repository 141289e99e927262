/**
 * docs/kms.md must not drift from the code: the interface block, the error codes and the limit
 * names it lists are compared with the source.
 */
import { readFileSync } from "node:fs";
import t from "tap";
import { KEYS_HELP } from "../../../host/cli/keys.js";
import { ERRORS } from "../../../host/errors.js";
import { LIMITS } from "../../../host/limits.js";

const root = new URL("../../../", import.meta.url);
const doc = readFileSync(new URL("docs/kms.md", root), "utf8");
const source = readFileSync(new URL("host/kms/kms.ts", root), "utf8");

const members = (block: string) =>
  block
    .replace(/\/\*\*[\s\S]*?\*\//g, "")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("//"));

t.test("the documented Kms interface is the one in host/kms/kms.ts", async (t) => {
  const docBlock = /## The KMS interface[\s\S]*?```ts\ninterface Kms \{\n([\s\S]*?)\n\}\n```/.exec(doc)?.[1];
  const srcBlock = /export interface Kms \{\n([\s\S]*?)\n\}/.exec(source)?.[1];
  t.ok(docBlock && srcBlock);
  t.same(members(docBlock!), members(srcBlock!));
});

t.test("every KMS and keys error code is documented, and only those", async (t) => {
  const codes = Object.keys(ERRORS).filter((c) => c.startsWith("KMS_") || c.startsWith("KEYS_")).sort();
  const documented = [...new Set([...doc.matchAll(/`((?:KMS|KEYS)_[A-Z_]+)`/g)].map((m) => m[1]!))].sort();
  t.same(documented, codes);
  for (const c of codes) t.match(doc, new RegExp(`\\| \`${c}\` \\|`), `${c} has a table row`);
});

t.test("the limits the doc names exist, and every key limit is named", async (t) => {
  const section = doc.slice(doc.indexOf("## Limits"));
  const named = [...section.matchAll(/`([a-zA-Z]+)`/g)].map((m) => m[1]!);
  for (const n of named) t.ok(n in LIMITS, `${n} is in LIMITS`);
  const keyLimits = Object.keys(LIMITS).filter((k) => /^(dek|kms|edek|localKms)/.test(k));
  for (const k of keyLimits) t.ok(named.includes(k), `${k} is documented`);
});

t.test("the documented defaults are the limits' values", async (t) => {
  t.equal(LIMITS.dekMaxRecords, 5_000_000);
  t.match(doc, /`dekMaxRecords` \(5,000,000\)/);
  t.equal(LIMITS.dekRefreshMs, 3_600_000);
  t.match(doc, /`dekRefreshMs` \(1 h\)/);
  t.equal(LIMITS.dekExpireMs, 7_200_000);
  t.match(doc, /`dekExpireMs` \(2 h\)/);
  t.equal(LIMITS.edekCacheMaxEntries, 10_000);
  t.match(doc, /`edekCacheMaxEntries` \(10,000\)/);
  t.equal(2 ** LIMITS.localKmsScryptLogN, 32768);
});

t.test("every documented kseal keys command is in the command's help", async (t) => {
  const commands = [...doc.matchAll(/^kseal keys (\w+)/gm)].map((m) => m[1]!);
  t.ok(commands.length >= 6);
  for (const c of commands) t.match(KEYS_HELP, new RegExp(`^  ${c}\\b`, "m"), c);
});
