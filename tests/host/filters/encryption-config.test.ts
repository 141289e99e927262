// The `encryption:` config section: embedded defaults, every key, and errors that name the field.
import t from "tap";
import { DEFAULT_ENCRYPTION_CONFIG, parseEncryptionConfig } from "../../../host/config/encryption-config.js";
import { applyConfig, DEFAULT_CONFIG } from "../../../host/config/proxy-config.js";
import { KekSelector } from "../../../host/filters/kek-selector.js";
import { startConfig } from "../../../host/cli/main.js";

t.test("defaults: local KMS with auto-create, KEK-$(topicName), passthrough", async (t) => {
  const c = parseEncryptionConfig(undefined);
  t.same(c, { ...DEFAULT_ENCRYPTION_CONFIG });
  t.equal(c.enabled, true);
  t.equal(c.kms.type, "local");
  t.equal(c.kms.autoCreate, true);
  t.equal(c.kekTemplate, "KEK-$(topicName)");
  t.equal(c.unresolvedKeyPolicy, "passthrough");
  t.equal(c.dek.maxRecords, 5_000_000);
  t.equal(c.dek.refreshMs, 3_600_000);
  t.equal(c.dek.expireMs, 7_200_000);
});

t.test("every key", async (t) => {
  const c = parseEncryptionConfig({
    enabled: true,
    kms: { type: "local", keyFile: "/tmp/k.json", passphraseEnv: "MY_PASS", autoCreate: false, timeoutMs: 500 },
    kekTemplate: "kek-$(topicName)-v1",
    rules: [{ exact: "payments", kek: "KEK-pay" }, { prefix: "audit.", clear: true }, { regex: "^tmp-\\d+$", kek: "tmp" }],
    unresolvedKeyPolicy: "reject",
    dek: { maxRecords: 1000, refreshMs: 1000, expireMs: 2000 },
    edekCache: { maxEntries: 5, ttlMs: 100 },
  });
  t.match(c, { kms: { keyFile: "/tmp/k.json", passphraseEnv: "MY_PASS", autoCreate: false, timeoutMs: 500 }, unresolvedKeyPolicy: "reject", dek: { maxRecords: 1000 }, edekCache: { maxEntries: 5 } });
  const s = new KekSelector(c.kekTemplate, c.rules);
  t.same(s.select("payments"), { kind: "alias", alias: "KEK-pay" });
  t.same(s.select("audit.login"), { kind: "clear" });
  t.same(s.select("tmp-42"), { kind: "alias", alias: "tmp" });
  t.same(s.select("tmp-x"), { kind: "alias", alias: "kek-tmp-x-v1" }, "regex did not match: template");
  t.same(s.select("orders"), { kind: "alias", alias: "kek-orders-v1" });
});

t.test("errors name the bad field", async (t) => {
  const cases: [unknown, RegExp][] = [
    [{ kms: { type: "hsm" } }, /encryption\.kms\.type must be local, vault or aws/],
    [{ kms: { keyfile: "x" } }, /encryption\.kms\.keyfile is not a known key/],
    [{ kms: { passphraseEnv: "not a var" } }, /encryption\.kms\.passphraseEnv/],
    [{ kms: { autoCreate: "yes" } }, /encryption\.kms\.autoCreate/],
    [{ kekTemplate: "" }, /encryption\.kekTemplate/],
    [{ rules: {} }, /encryption\.rules must be a list/],
    [{ rules: [{ exact: "a", prefix: "b", kek: "k" }] }, /encryption\.rules\[0\] must have exactly one of exact, prefix or regex/],
    [{ rules: [{ exact: "a" }] }, /encryption\.rules\[0\] must have either kek/],
    [{ rules: [{ exact: "a", kek: "k" }, { regex: "(", kek: "k" }] }, /encryption\.rules\[1\]\.regex is not a valid regular expression/],
    [{ rules: [{ exact: "a", kek: "k", clear: true }] }, /encryption\.rules\[0\] must have either kek/],
    [{ unresolvedKeyPolicy: "drop" }, /encryption\.unresolvedKeyPolicy must be passthrough or reject/],
    [{ dek: { maxRecords: 0 } }, /encryption\.dek\.maxRecords/],
    [{ dek: { maxRecords: 2 ** 33 } }, /encryption\.dek\.maxRecords/],
    [{ dek: { refreshMs: 5000, expireMs: 1000 } }, /encryption\.dek\.expireMs must not be before/],
    [{ edekCache: { ttlMs: -1 } }, /encryption\.edekCache\.ttlMs/],
    [{ colour: "blue" }, /encryption\.colour is not a known key/],
    ["yes", /encryption must be a mapping/],
  ];
  for (const [raw, re] of cases) {
    t.throws(() => parseEncryptionConfig(raw), { code: "CONFIG_INVALID", message: re }, JSON.stringify(raw));
  }
});

t.test("proxy config and kseal start carry the section", async (t) => {
  const c = applyConfig(DEFAULT_CONFIG, { encryption: { unresolvedKeyPolicy: "reject" } });
  t.equal(c.encryption?.unresolvedKeyPolicy, "reject");
  t.equal(c.encryption?.kekTemplate, "KEK-$(topicName)", "defaults fill the rest");
  t.throws(() => applyConfig(DEFAULT_CONFIG, { encryption: { rules: [{}] } }), { message: /encryption\.rules\[0\]/ });
  const started = startConfig(["--kms-key-file", "/tmp/keys.json", "--no-encryption"]);
  t.not(started, "help");
  if (started !== "help") {
    t.equal(started.encryption?.kms.keyFile, "/tmp/keys.json");
    t.equal(started.encryption?.enabled, false);
  }
  const plain = startConfig([]);
  t.equal(plain !== "help" && plain.encryption, undefined, "no flags, no file: the embedded defaults apply at start");
});
