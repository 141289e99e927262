// Vault provider against a fake Vault (node:https/http on loopback): the wire requests it makes
// (paths, headers, namespace), TLS with a private CA and a client certificate, error mapping and
// config errors. The real-server behaviour is in vault-kms-contract.test.ts.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttp, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttps } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import t from "tap";
import { parseEncryptionConfig } from "../../../host/config/encryption-config.js";
import { isKsealError } from "../../../host/errors.js";
import { VaultKms } from "../../../host/kms/vault/vault-kms.js";

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
interface Seen { method: string; url: string; token?: string; namespace?: string; body: string; clientCert?: string }

function json(res: ServerResponse, status: number, v: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(v));
}

const DEK = Buffer.alloc(32, 0x5a);
const fakeVault: Handler = (req, body, res) => {
  const u = req.url ?? "";
  if (u.startsWith("/v1/sealed/")) return json(res, 503, { errors: ["Vault is sealed"] });
  if (u.endsWith("/keys/missing") || u.includes("/datakey/plaintext/missing")) return json(res, 404, { errors: [] });
  if (u.includes("/keys/")) return json(res, 200, { data: { name: u.split("/").pop(), type: "aes256-gcm96", supports_encryption: true } });
  if (u.includes("/datakey/plaintext/")) return json(res, 200, { data: { plaintext: DEK.toString("base64"), ciphertext: "vault:v3:AAAA", key_version: 3 } });
  if (u.includes("/decrypt/")) {
    const ct = (JSON.parse(body) as { ciphertext: string }).ciphertext;
    if (ct !== "vault:v3:AAAA") return json(res, 400, { errors: ["cipher: message authentication failed"] });
    return json(res, 200, { data: { plaintext: DEK.toString("base64") } });
  }
  json(res, 404, { errors: [] });
};

function serve(tls: { key: Buffer; cert: Buffer; ca: Buffer } | undefined, seen: Seen[], handler: Handler = fakeVault) {
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.setEncoding("utf8").on("data", (d: string) => (body += d)).on("end", () => {
      const peer = tls ? (req.socket as TLSSocket).getPeerCertificate() : undefined;
      seen.push({
        method: req.method!, url: req.url!, body,
        token: req.headers["x-vault-token"] as string | undefined,
        namespace: req.headers["x-vault-namespace"] as string | undefined,
        clientCert: peer?.subject?.CN as string | undefined,
      });
      handler(req, body, res);
    });
  };
  const server = tls
    ? createHttps({ key: tls.key, cert: tls.cert, ca: tls.ca, requestCert: true, rejectUnauthorized: true }, onRequest)
    : createHttp(onRequest);
  return new Promise<{ url: string; close: () => Promise<void> }>((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      resolve({
        url: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
        close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
      });
    });
  });
}

t.test("wire: paths under the mount, token and namespace headers, EDEK form", async (t) => {
  const seen: Seen[] = [];
  const s = await serve(undefined, seen);
  const kms = new VaultKms({ url: s.url, mountPath: "/ns-team/transit/", namespace: "team-a", auth: { method: "token", token: "tok-1" } });
  t.teardown(async () => { await kms.close(); await s.close(); });
  t.equal(await kms.resolveAlias("KEK-orders"), "KEK-orders");
  const p = await kms.generateDek("KEK-orders");
  t.ok(p.dek.equals(DEK));
  t.same([...p.edek], [...Buffer.concat([Buffer.from([10]), Buffer.from("KEK-orders"), Buffer.from("vault:v3:AAAA")])], "uvarint name length, name, ciphertext");
  t.ok((await kms.decryptEdek(p.edek)).equals(DEK));
  t.same(seen.map((x) => `${x.method} ${x.url}`), [
    "GET /v1/ns-team/transit/keys/KEK-orders",
    "POST /v1/ns-team/transit/datakey/plaintext/KEK-orders",
    "POST /v1/ns-team/transit/decrypt/KEK-orders",
  ]);
  t.ok(seen.every((x) => x.token === "tok-1" && x.namespace === "team-a"));
  t.same(JSON.parse(seen[2]!.body), { ciphertext: "vault:v3:AAAA" });
});

t.test("errors: 404 unknown, 400 on decrypt integrity, 503 unavailable, refused connection", async (t) => {
  const seen: Seen[] = [];
  const s = await serve(undefined, seen);
  const kms = new VaultKms({ url: s.url, auth: { method: "token", token: "tok" } });
  t.teardown(async () => { await kms.close(); });
  const err = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);
  t.ok(isKsealError(await err(kms.resolveAlias("missing")), "KMS_UNKNOWN_ALIAS"));
  t.ok(isKsealError(await err(kms.generateDek("missing")), "KMS_UNKNOWN_KEY"));
  const forged = Buffer.concat([Buffer.from([1]), Buffer.from("k"), Buffer.from("vault:v3:BBBB")]);
  t.ok(isKsealError(await err(kms.decryptEdek(forged)), "KMS_INTEGRITY"));
  t.ok(isKsealError(await err(kms.decryptEdek(Buffer.from("\x01kvault:v1:not base64!"))), "KMS_EDEK_INVALID"));
  t.ok(isKsealError(await err(kms.decryptEdek(Buffer.from([5, 0x61]))), "KMS_EDEK_INVALID"));
  const sealed = new VaultKms({ url: s.url, mountPath: "sealed", auth: { method: "token", token: "tok" } });
  const e503 = await err(sealed.generateDek("x"));
  t.ok(isKsealError(e503, "KMS_UNAVAILABLE"), "503 (sealed) is retriable");
  await sealed.close();
  await s.close();
  const gone = await err(kms.resolveAlias("a"));
  t.ok(isKsealError(gone, "KMS_UNAVAILABLE"), `refused connection: ${String(gone)}`);
  t.notMatch(String(gone), /tok/, "no token in messages");
});

t.test("TLS: private CA and client certificate", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "kseal-vault-tls-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const ossl = (...a: string[]) => execFileSync("openssl", a, { cwd: dir, stdio: "pipe" });
  ossl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=kseal test CA");
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:vault.test\n");
  for (const who of ["server", "client"]) {
    ossl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${who}.key`, "-out", `${who}.csr`, "-subj", `/CN=kseal-${who}`);
    ossl("x509", "-req", "-in", `${who}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${who}.pem`, "-days", "2", "-extfile", "san.ext");
  }
  const rd = (f: string) => readFileSync(join(dir, f));
  const seen: Seen[] = [];
  const s = await serve({ key: rd("server.key"), cert: rd("server.pem"), ca: rd("ca.pem") }, seen);
  t.teardown(() => s.close());
  const kms = new VaultKms({
    url: s.url, auth: { method: "token", token: "tok" },
    tls: { caFile: join(dir, "ca.pem"), certFile: join(dir, "client.pem"), keyFile: join(dir, "client.key") },
  });
  t.teardown(() => kms.close());
  t.equal(await kms.resolveAlias("k"), "k");
  t.equal(seen[0]!.clientCert, "kseal-client", "the client certificate was presented");
  const byName = new VaultKms({
    url: s.url, auth: { method: "token", token: "tok" },
    tls: { caFile: join(dir, "ca.pem"), certFile: join(dir, "client.pem"), keyFile: join(dir, "client.key"), serverName: "vault.test" },
  });
  t.teardown(() => byName.close());
  t.equal(await byName.resolveAlias("k"), "k", "serverName checks the certificate under that name");
  const noCa = new VaultKms({ url: s.url, auth: { method: "token", token: "tok" } });
  t.teardown(() => noCa.close());
  const e = await noCa.resolveAlias("k").then(() => undefined, (x: unknown) => x);
  t.ok(isKsealError(e, "KMS_UNAVAILABLE"), `an unknown CA is refused (${String(e)})`);
  t.equal(seen.length, 2, "nothing reached the server without trust");
});

t.test("config: encryption.kms type vault, errors name the field", async (t) => {
  const c = parseEncryptionConfig({ kms: { type: "vault", url: "https://vault:8200", mountPath: "kms/transit", namespace: "ns1", auth: { method: "approle", roleId: "r", secretIdEnv: "SID" }, tls: { caFile: "/etc/ca.pem" }, retry: { maxAttempts: 3 }, timeoutMs: 5000 } });
  t.equal(c.kms.type, "vault");
  t.same(c.kms.remote, { type: "vault", vault: { url: "https://vault:8200", mountPath: "kms/transit", namespace: "ns1", auth: { method: "approle", roleId: "r", secretIdEnv: "SID" }, tls: { caFile: "/etc/ca.pem" } }, resilience: { maxAttempts: 3 } });
  const bad = (kms: unknown, re: RegExp) => t.throws(() => parseEncryptionConfig({ kms }), re);
  bad({ type: "vault", url: "not a url" }, /encryption\.kms\.url is not a URL/);
  bad({ type: "vault", url: "ftp://x" }, /encryption\.kms\.url must start with http/);
  bad({ type: "vault" }, /encryption\.kms\.url must be a non-empty string/);
  bad({ type: "vault", url: "http://x", keyFile: "/k" }, /encryption\.kms\.keyFile is not a known key/);
  bad({ type: "vault", url: "http://x", auth: { method: "ldap" } }, /encryption\.kms\.auth\.method must be token or approle/);
  bad({ type: "vault", url: "http://x", auth: { token: "s3cret" } }, /encryption\.kms\.auth\.token is not a known key/);
  bad({ type: "vault", url: "http://x", tls: { certFile: "/c" } }, /encryption\.kms\.tls certFile and keyFile go together/);
  bad({ type: "hsm" }, /encryption\.kms\.type must be local, vault or aws/);
  // Files and env vars are checked when the KMS is opened, at start.
  const dir = mkdtempSync(join(tmpdir(), "kseal-vault-cfg-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.throws(() => new VaultKms({ url: "http://127.0.0.1:1", auth: { method: "token", tokenFile: join(dir, "missing") } }), /encryption\.kms\.tokenFile: cannot read/);
  t.throws(() => new VaultKms({ url: "http://127.0.0.1:1", auth: { method: "token", tokenEnv: "KSEAL_NO_SUCH_VAR" }, env: {} }), /encryption\.kms\.tokenEnv: environment variable KSEAL_NO_SUCH_VAR is not set/);
  t.throws(() => new VaultKms({ url: "http://127.0.0.1:1", auth: { method: "token", token: "x" }, tls: { caFile: join(dir, "nope.pem") } }), /encryption\.kms\.tls\.caFile: cannot read/);
  t.throws(() => new VaultKms({ url: "http://127.0.0.1:1", auth: { method: "approle", roleId: "r", secretIdFile: join(dir, "sid") } }), /encryption\.kms\.approle\.secretIdFile: cannot read/);
});
