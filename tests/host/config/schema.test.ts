// The published schema (config/kseal.schema.json), ${env:}/${file:} substitution and
// `kseal validate`: every example config is valid, each broken config gets the expected message
// at the expected path, and the schema agrees with the parsers on which keys exist.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { parse, parseAllDocuments } from "yaml";
import { applyConfig, DEFAULT_CONFIG, loadConfigFile } from "../../../host/config/proxy-config.js";
import { checkConfigText } from "../../../host/config/schema-check.js";
import { substitute } from "../../../host/config/schema-substitution.js";
import { loadSchema, validateAgainstSchema } from "../../../host/config/schema-validate.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const examples = join(root, "config/examples");
const env = { KSEAL_ADVERTISED_HOST: "kafka.example.com", VAULT_ADDR: "https://vault:8200", KSEAL_VAULT_ROLE_ID: "role", KSEAL_LOCAL_KMS_FILE: "/var/lib/kseal/kms.json" };

t.test("every example config passes the schema and the parsers", async (t) => {
  const files = readdirSync(examples).filter((f) => f.endsWith(".yaml"));
  t.ok(files.length >= 4, `${files.length} examples`);
  for (const f of files) {
    const sub = substitute(parse(readFileSync(join(examples, f), "utf8")), { env, baseDir: examples });
    t.same(sub.errors, [], `${f}: substitution`);
    t.same(validateAgainstSchema(sub.value), [], `${f}: schema`);
    t.doesNotThrow(() => applyConfig(DEFAULT_CONFIG, sub.value), `${f}: parsers`);
  }
});

t.test("the Kubernetes example's ConfigMap holds a valid config", async (t) => {
  const docs = parseAllDocuments(readFileSync(join(root, "deploy/kubernetes/kseal.yaml"), "utf8")).map((d) => d.toJS() as { kind: string; data?: Record<string, string> });
  const cm = docs.find((d) => d.kind === "ConfigMap")!;
  const sub = substitute(parse(cm.data!["kseal.yaml"]!), { env });
  t.same(sub.errors, []);
  t.same(validateAgainstSchema(sub.value), []);
  const c = applyConfig(DEFAULT_CONFIG, sub.value);
  t.equal(c.admin.host, "0.0.0.0", "admin reachable by the kubelet's probes");
  const deployment = docs.find((d) => d.kind === "Deployment") as unknown as { spec: { template: { spec: { terminationGracePeriodSeconds: number } } } };
  t.ok(deployment.spec.template.spec.terminationGracePeriodSeconds * 1000 > c.limits.shutdownDrainMs, "grace period outlasts the drain");
});

t.test("schema and parsers agree on the keys that exist", async (t) => {
  const schema = loadSchema() as { properties: Record<string, unknown> };
  for (const k of Object.keys(schema.properties)) {
    let msg = "";
    try {
      applyConfig(DEFAULT_CONFIG, { [k]: Symbol("bad") });
    } catch (e) {
      msg = (e as Error).message;
    }
    t.notMatch(msg, /unknown key/, `parsers know ${k}`);
  }
  t.throws(() => applyConfig(DEFAULT_CONFIG, { notAKey: 1 }), /unknown key/);
  t.same(validateAgainstSchema({ notAKey: 1 })[0]?.path, "notAKey");
});

const BROKEN: Array<[string, string, Array<[string, RegExp]>]> = [
  ["not yaml", "target: [a:1\n", [["line 2", /YAML syntax/]]],
  ["misspelled key", "targte: a:1\n", [["targte", /unknown key \(did you mean "target"\?\)/]]],
  ["port out of range", "bootstrapPort: 70000\n", [["bootstrapPort", /at most 65535, got 70000/]]],
  ["port as text", "bootstrapPort: nine\n", [["bootstrapPort", /must be an integer, got a string "nine"/]]],
  ["enum typo", "nodePorts: rnage\n", [["nodePorts", /one of "range", "ephemeral".*did you mean "range"/]]],
  ["target form", "target: kafka\n", [["target", /does not have the expected form/]]],
  ["empty target list", "target: []\n", [["target", /at least 1 item/]]],
  ["log level", "logLevel: loud\n", [["logLevel", /must be one of "fatal"/]]],
  ["tls without key", "tls: { certFile: /c.pem }\n", [["tls.keyFile", /required key is missing/]]],
  ["clientAuth value", "tls: { certFile: /c, keyFile: /k, clientAuth: yes }\n", [["tls.clientAuth", /one of "none", "requested", "required"/]]],
  ["clientAuth without CA", "tls: { certFile: /c, keyFile: /k, clientAuth: required }\n", [["(semantic)", /needs tls.caFile/]]],
  ["module pin", "module: { sha256: abc }\n", [["module.sha256", /expected form/]]],
  ["module pool", "module: { pool: 0 }\n", [["module.pool", /at least 1/]]],
  ["upstreamTls type", "upstreamTls: maybe\n", [["upstreamTls", /must be true or false or a mapping/]]],
  ["verifyHostname", "upstreamTls: { verifyHostname: no-thanks }\n", [["upstreamTls.verifyHostname", /true or false/]]],
  ["admin port", "admin: { port: -1 }\n", [["admin.port", /at least 0/]]],
  ["limits", "limits: { maxFrameBytes: 0, speed: 3 }\n", [["limits.maxFrameBytes", /at least 1/], ["limits.speed", /unknown key/]]],
  ["vault without url", "encryption: { kms: { type: vault } }\n", [["encryption.kms.url", /required key is missing/]]],
  ["vault url scheme", "encryption: { kms: { type: vault, url: vault:8200 } }\n", [["encryption.kms.url", /expected form/]]],
  ["local key in vault", "encryption: { kms: { type: vault, url: 'http://v', keyFile: /k } }\n", [["encryption.kms.keyFile", /unknown key/]]],
  ["aws region", "encryption: { kms: { type: aws, region: Europe } }\n", [["encryption.kms.region", /expected form/]]],
  ["kms type", "encryption: { kms: { type: gcp } }\n", [["encryption.kms.type", /one of "local", "vault", "aws"/]]],
  ["rule with two matches", "encryption: { rules: [ { exact: a, prefix: b, kek: k } ] }\n", [["(semantic)", /exactly one of exact, prefix or regex/]]],
  ["rule key typo", "encryption: { rules: [ { exakt: a, kek: k } ] }\n", [["encryption.rules[0].exakt", /did you mean "exact"/]]],
  ["dek order", "encryption: { dek: { refreshMs: 100, expireMs: 50 } }\n", [["(semantic)", /expireMs.*refreshMs/]]],
  ["several at once", "bootstrapPort: -3\nadmin: { host: '' }\nencryption: { enabled: 1 }\n", [["bootstrapPort", /at least 0/], ["admin.host", /must not be empty/], ["encryption.enabled", /true or false/]]],
  ["missing env", "advertisedHost: ${env:KSEAL_TEST_UNSET_VAR}\n", [["advertisedHost", /environment variable KSEAL_TEST_UNSET_VAR is not set/]]],
  ["missing file", "encryption: { kms: { type: vault, url: 'http://v', auth: { tokenEnv: '${file:no-such-file}' } } }\n", [["encryption.kms.auth.tokenEnv", /cannot read .*no-such-file \(ENOENT\)/]]],
  ["unreadable tls files", "tls: { certFile: /nonexistent/c.pem, keyFile: /nonexistent/k.pem }\n", [["tls", /cannot read tls.certFile/]]],
];

t.test("broken configs: each error with its path", async (t) => {
  for (const [name, yaml, expected] of BROKEN) {
    const { errors } = checkConfigText(yaml, { env: {}, baseDir: tmpdir() });
    t.equal(errors.length, expected.length, `${name}: ${expected.length} error(s): ${JSON.stringify(errors)}`);
    expected.forEach(([path, msg], i) => {
      t.match(errors[i]?.path ?? "", path === "line 2" ? /^line \d+, column \d+$/ : new RegExp(`^${path.replace(/[[\]().]/g, "\\$&")}$`), `${name}: path`);
      t.match(errors[i]?.message ?? "", msg, `${name}: message`);
    });
  }
});

t.test("substitution", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "kseal-sub-"));
  writeFileSync(join(dir, "token"), "s3cret\n");
  const r = substitute(
    { a: "${env:HOST}:${env:PORT}", port: "${env:PORT}", on: "${env:ON}", tok: "${file:token}", abs: `\${file:${join(dir, "token")}}`, lit: "$${env:HOST}", list: ["${env:HOST}"], n: 5 },
    { env: { HOST: "h", PORT: "9092", ON: "true" }, baseDir: dir },
  );
  t.same(r.errors, []);
  t.same(r.value, { a: "h:9092", port: 9092, on: true, tok: "s3cret", abs: "s3cret", lit: "${env:HOST}", list: ["h"], n: 5 });
  const bad = substitute({ x: { y: "${env:NOPE}" }, z: "${env:1bad}" }, { env: {} });
  t.same(bad.errors.map((e) => e.path), ["x.y", "z"]);
  t.notMatch(JSON.stringify(substitute({ k: "${file:token}x${env:NOPE}" }, { env: {}, baseDir: dir }).errors), /s3cret/, "errors never show substituted values");

  // kseal start reads files through the same substitution and schema.
  const cfg = join(dir, "kseal.yaml");
  writeFileSync(cfg, "bootstrapPort: ${env:KSEAL_TEST_PORT}\nadvertisedHost: ${file:host.txt}\n");
  writeFileSync(join(dir, "host.txt"), "proxy.example\n");
  process.env.KSEAL_TEST_PORT = "19192";
  t.teardown(() => delete process.env.KSEAL_TEST_PORT);
  const c = loadConfigFile(cfg);
  t.equal(c.bootstrapPort, 19192);
  t.equal(c.advertisedHost, "proxy.example");
  writeFileSync(cfg, "bootstrapPort: x\nadmin: { prot: 1 }\n");
  t.throws(() => loadConfigFile(cfg), { code: "CONFIG_INVALID", message: /bootstrapPort: must be an integer.*admin.prot: unknown key/ });
});

t.test("kseal validate: exit codes and output", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "kseal-validate-"));
  const good = join(dir, "good.yaml");
  const bad = join(dir, "bad.yaml");
  writeFileSync(good, "target: a:1\nadmin: { port: 0 }\n");
  writeFileSync(bad, "targte: a:1\nbootstrapPort: 70000\n");
  const main = join(root, "host/cli/main.ts");
  const run = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", main, "validate", ...args], { encoding: "utf8" });
  const ok = run(good);
  t.equal(ok.status, 0);
  t.equal(ok.stdout, `${good}: valid\n`);
  const no = run(good, bad);
  t.equal(no.status, 1);
  t.equal(no.stdout, `${good}: valid\n${bad}: 2 errors\n  targte: unknown key (did you mean "target"?); known keys: listenHost, bootstrapPort, nodePorts, nodePortBase, advertisedHost, target, logLevel, limits, tls, upstreamTls, sni, admin, encryption, module, virtualClusters\n  bootstrapPort: must be at most 65535, got 70000\n`);
  t.match(run("--help").stdout, /Usage: kseal validate/);
  t.equal(run().status, 1);
});

t.test("module: defaults, and errors that name the field", async (t) => {
  t.same(DEFAULT_CONFIG.module, { watch: true });
  const sha = "AB".repeat(32);
  const c = applyConfig(DEFAULT_CONFIG, { module: { path: "/m.wasm", sha256: sha, watch: false, pool: 2 } });
  t.same(c.module, { path: "/m.wasm", sha256: sha.toLowerCase(), watch: false, pool: 2 });
  t.throws(() => applyConfig(DEFAULT_CONFIG, { module: { sha256: "abc" } }), /module\.sha256 must be 64 hex digits/);
  t.throws(() => applyConfig(DEFAULT_CONFIG, { module: { pool: 0 } }), /module\.pool must be a positive integer/);
  t.throws(() => applyConfig(DEFAULT_CONFIG, { module: { watch: "yes" } }), /module\.watch must be true or false/);
  t.throws(() => applyConfig(DEFAULT_CONFIG, { module: { path: "" } }), /module\.path must be a non-empty string/);
  t.throws(() => applyConfig(DEFAULT_CONFIG, { module: { pth: "x" } }), /unknown key module\.pth/);
});
