// The KMS contract against a real Vault-API server (Vault/OpenBao dev mode on loopback, built by
// the rig into ~/.cache/kseal), plus auth (token file, AppRole), nested mount and EDEK form.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { isKsealError } from "../../../host/errors.js";
import { decodeVaultEdek, encodeVaultEdek } from "../../../host/kms/vault/vault-edek.js";
import { VaultKms } from "../../../host/kms/vault/vault-kms.js";
import { startVault, vaultUnavailableReason, type VaultServer } from "../../rig/openbao.js";
import { runRemoteKmsCases } from "../../integration/kms/remote-kms-cases.js";
import { runKmsContract } from "./kms-contract.js";

const reason = vaultUnavailableReason();
if (reason) {
  t.plan(0, reason);
} else {
  let vault: VaultServer;
  t.before(async () => {
    vault = await startVault();
    await vault.mountTransit();
  });
  t.teardown(() => vault?.stop());
  const kmsAt = (url: string) => new VaultKms({ url, auth: { method: "token", token: vault.rootToken }, requestTimeoutMs: 5000 });

  runKmsContract(t, "Vault Transit", async () => ({
    kms: kmsAt(vault.url),
    createKey: (alias) => vault.createKey(alias),
    rotateKey: (alias) => vault.rotateKey(alias),
    unknownKekId: () => `never-made-${randomUUID()}`,
    close: async () => undefined,
  }));

  runRemoteKmsCases(t, "Vault Transit", async () => ({
    makeKms: kmsAt,
    serverPort: vault.port,
    createKey: (alias) => vault.createKey(alias),
    retarget: (edek, keyName) => encodeVaultEdek({ keyName, ciphertext: decodeVaultEdek(edek).ciphertext }),
    close: async () => undefined,
  }));

  t.test("EDEK form: uvarint name length, key name, vault:vN: ciphertext; rotation moves N", async (t) => {
    const kms = kmsAt(vault.url);
    t.teardown(() => kms.close());
    const name = `form-${randomUUID()}`;
    await vault.createKey(name);
    t.equal(await kms.resolveAlias(name), name);
    const a = await kms.generateDek(name);
    t.equal(a.edek[0], name.length);
    t.equal(a.edek.subarray(1, 1 + name.length).toString("utf8"), name);
    const ct = a.edek.subarray(1 + name.length).toString("utf8");
    t.match(ct, /^vault:v1:/);
    // Vault itself decrypts the ciphertext kseal stored to the DEK kseal used.
    const r = await vault.api("POST", `transit/decrypt/${name}`, { ciphertext: ct });
    t.ok(Buffer.from((r!.data as { plaintext: string }).plaintext, "base64").equals(a.dek), "Vault's own decrypt gives the DEK");
    await vault.rotateKey(name);
    const b = await kms.generateDek(name);
    t.match(b.edek.subarray(1 + name.length).toString("utf8"), /^vault:v2:/, "new DEKs use the rotated version");
    t.ok((await kms.decryptEdek(a.edek)).equals(a.dek), "v1 EDEKs still unwrap");
  });

  t.test("token from a file (re-read when refused), least-privilege token, nested mount", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "kseal-vault-token-"));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const mount = `team-${randomUUID().slice(0, 8)}/transit`;
    await vault.mountTransit(mount);
    const name = `nested-${randomUUID()}`;
    await vault.createKey(name, mount);
    const file = join(dir, "token");
    writeFileSync(file, "not-a-valid-token\n");
    const kms = new VaultKms({ url: vault.url, mountPath: mount, auth: { method: "token", tokenFile: file } });
    t.teardown(() => kms.close());
    const denied = await kms.resolveAlias(name).then(() => undefined, (e: unknown) => e);
    t.ok(isKsealError(denied, "KMS_DENIED"), "a bad token is KMS_DENIED, not retried");
    writeFileSync(file, `${await vault.transitToken(mount)}\n`);
    t.equal(await kms.resolveAlias(name), name, "the new token in the file is picked up");
    const p = await kms.generateDek(name);
    t.ok((await kms.decryptEdek(p.edek)).equals(p.dek));
  });

  t.test("AppRole login, renewal and re-login", async (t) => {
    const { roleId, secretId } = await vault.appRole({ tokenTtl: "3s", tokenMaxTtl: "6s" });
    const name = `approle-${randomUUID()}`;
    await vault.createKey(name);
    const kms = new VaultKms({ url: vault.url, auth: { method: "approle", roleId, secretId } });
    t.teardown(() => kms.close());
    const p = await kms.generateDek(name);
    // Past the max TTL (6 s) the first token is dead; renewal and re-login keep calls working.
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      t.ok((await kms.decryptEdek(p.edek)).equals(p.dek), `decrypt at ${i + 1} s`);
    }
    const bad = new VaultKms({ url: vault.url, auth: { method: "approle", roleId, secretId: "wrong" } });
    t.teardown(() => bad.close());
    const e = await bad.resolveAlias(name).then(() => undefined, (x: unknown) => x);
    t.ok(isKsealError(e, "KMS_DENIED"), `a wrong secret id is KMS_DENIED (${String(e)})`);
  });
}
