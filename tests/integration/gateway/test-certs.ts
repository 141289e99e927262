/**
 * Test PKI made at test time with the openssl CLI (never committed): a CA, a server certificate
 * for 127.0.0.1 / localhost / *.kafka.example.test, a client certificate, and a second CA that
 * signed nothing we trust (for negative tests). Keys are unencrypted PKCS#8 PEM, which both Node
 * and Kafka's PEM key stores read.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestPki {
  dir: string;
  caFile: string;
  otherCaFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  /** Key then certificate in one file (Kafka's PEM key store). */
  serverKeyStoreFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  read(file: string): Buffer;
  remove(): void;
}

export function opensslAvailable(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function ssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

function key(cwd: string, name: string): void {
  ssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name], cwd);
}

function ca(cwd: string, name: string, cn: string): void {
  key(cwd, `${name}.key`);
  ssl(["req", "-x509", "-new", "-key", `${name}.key`, "-subj", `/CN=${cn}`, "-days", "2", "-out", `${name}.crt`,
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], cwd);
}

function leaf(cwd: string, name: string, cn: string, ext: string): void {
  key(cwd, `${name}.key`);
  ssl(["req", "-new", "-key", `${name}.key`, "-subj", `/CN=${cn}`, "-out", `${name}.csr`], cwd);
  writeFileSync(join(cwd, `${name}.ext`), ext);
  ssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
    "-extfile", `${name}.ext`, "-out", `${name}.crt`], cwd);
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "kseal-pki-"));
  ca(dir, "ca", "kseal test CA");
  ca(dir, "other-ca", "untrusted test CA");
  leaf(dir, "server", "localhost",
    "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n" +
    "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:*.kafka.example.test,DNS:kafka.example.test\n");
  leaf(dir, "client", "kseal-test-client", "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n");
  writeFileSync(join(dir, "server-keystore.pem"), Buffer.concat([readFileSync(join(dir, "server.key")), readFileSync(join(dir, "server.crt"))]));
  const f = (n: string) => join(dir, n);
  return {
    dir,
    caFile: f("ca.crt"),
    otherCaFile: f("other-ca.crt"),
    serverCertFile: f("server.crt"),
    serverKeyFile: f("server.key"),
    serverKeyStoreFile: f("server-keystore.pem"),
    clientCertFile: f("client.crt"),
    clientKeyFile: f("client.key"),
    read: (file) => readFileSync(file),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * server.properties entries that turn the rig's SASL_PLAINTEXT listener (`sasl: true`) into an
 * SSL listener with these certificates (the listener keeps its name; only its protocol changes).
 */
export function sslListenerProps(pki: TestPki, clientAuth: "required" | "none"): Record<string, string> {
  const p = "listener.name.sasl_plaintext.";
  return {
    "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SSL",
    [`${p}ssl.keystore.type`]: "PEM",
    [`${p}ssl.keystore.location`]: pki.serverKeyStoreFile,
    [`${p}ssl.truststore.type`]: "PEM",
    [`${p}ssl.truststore.location`]: pki.caFile,
    [`${p}ssl.client.auth`]: clientAuth,
  };
}
