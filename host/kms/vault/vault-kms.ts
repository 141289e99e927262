/**
 * Vault Transit as kseal's KMS (works with HashiCorp Vault and OpenBao). A KEK is a transit key
 * (type aes256-gcm96); the alias is the key's name, and rotating the key in Vault
 * (keys/<name>/rotate) makes new DEKs use its latest version while every older version still
 * decrypts. Calls:
 *   resolveAlias  GET  {mount}/keys/{alias}              -> data.name
 *   generateDek   POST {mount}/datakey/plaintext/{name}  -> data.plaintext (base64), data.ciphertext
 *   decryptEdek   POST {mount}/decrypt/{name}            {"ciphertext"} -> data.plaintext
 * The EDEK form is in vault-edek.ts.
 */
import { KsealError, isKsealError } from "../../errors.js";
import { checkAlias } from "../alias.js";
import { DEK_BYTES, type DekPair, type Kms } from "../kms.js";
import { tokenSource, type TokenSource } from "./vault-auth.js";
import { decodeVaultEdek, encodeVaultEdek } from "./vault-edek.js";
import { VaultHttp, dataOf, type VaultResponse } from "./vault-http.js";
import type { VaultKmsOptions } from "./vault-options.js";

type Op = "resolveAlias" | "generateDek" | "decryptEdek";

function cleanMount(path: string | undefined): string {
  const m = (path ?? "transit").replace(/^\/+|\/+$/g, "");
  if (!m || m.split("/").some((s) => s === "" || s === "." || s === "..")) {
    throw new KsealError("CONFIG_INVALID", "encryption.kms.mountPath is not a Vault mount path");
  }
  return m.split("/").map(encodeURIComponent).join("/");
}

/** The 32-byte DEK from Vault's base64 plaintext; the decoded copy is wiped on every path. */
function dekFrom(b64: unknown, what: string): Buffer {
  if (typeof b64 !== "string") throw new KsealError("KMS_UNAVAILABLE", `Vault ${what}: answer has no plaintext`);
  const raw = Buffer.from(b64, "base64");
  if (raw.length !== DEK_BYTES) {
    raw.fill(0);
    throw new KsealError("KMS_UNAVAILABLE", `Vault ${what}: key is not ${DEK_BYTES} bytes (is the transit key aes256-gcm96 and bits 256?)`);
  }
  return raw;
}

export class VaultKms implements Kms {
  readonly name = "vault";
  private readonly http: VaultHttp;
  private readonly mount: string;
  private readonly auth: TokenSource;
  private closed = false;

  constructor(opts: VaultKmsOptions) {
    this.http = new VaultHttp(opts.url, { tls: opts.tls, namespace: opts.namespace, requestTimeoutMs: opts.requestTimeoutMs });
    this.mount = cleanMount(opts.mountPath);
    this.auth = tokenSource(opts.auth, this.http, opts.env ?? process.env);
  }

  async resolveAlias(alias: string): Promise<string> {
    checkAlias(alias);
    const r = await this.call("resolveAlias", "GET", `keys/${encodeURIComponent(alias)}`);
    if (r.status === 404 || (r.status === 400 && /not found/i.test(r.errors))) {
      throw new KsealError("KMS_UNKNOWN_ALIAS", `Vault transit has no key ${JSON.stringify(alias)}`);
    }
    this.expectOk(r, "resolveAlias");
    const d = dataOf(r, "keys");
    if (d.supports_encryption === false) {
      throw new KsealError("KMS_DENIED", `Vault transit key ${JSON.stringify(alias)} (type ${String(d.type)}) cannot encrypt`);
    }
    return typeof d.name === "string" && d.name ? d.name : alias;
  }

  async generateDek(kekId: string): Promise<DekPair> {
    const r = await this.call("generateDek", "POST", `datakey/plaintext/${encodeURIComponent(kekId)}`, { bits: DEK_BYTES * 8 });
    if (r.status === 404 || (r.status === 400 && /not found/i.test(r.errors))) {
      throw new KsealError("KMS_UNKNOWN_KEY", `Vault transit has no key ${JSON.stringify(kekId)}`);
    }
    this.expectOk(r, "generateDek");
    const d = dataOf(r, "datakey");
    const dek = dekFrom(d.plaintext, "datakey");
    if (typeof d.ciphertext !== "string") {
      dek.fill(0);
      throw new KsealError("KMS_UNAVAILABLE", "Vault datakey: answer has no ciphertext");
    }
    try {
      return { dek, edek: encodeVaultEdek({ keyName: kekId, ciphertext: d.ciphertext }) };
    } catch (e) {
      dek.fill(0);
      throw e;
    }
  }

  async decryptEdek(edek: Buffer): Promise<Buffer> {
    const e = decodeVaultEdek(edek);
    const r = await this.call("decryptEdek", "POST", `decrypt/${encodeURIComponent(e.keyName)}`, { ciphertext: e.ciphertext });
    if (r.status === 404 || (r.status === 400 && /key not found/i.test(r.errors))) {
      throw new KsealError("KMS_UNKNOWN_KEY", `Vault transit has no key ${JSON.stringify(e.keyName)}`);
    }
    // Any other 400 on decrypt is Vault refusing this ciphertext (tag mismatch, a version the key
    // no longer allows, bad base64): the EDEK will never unwrap, so it is not retried.
    if (r.status === 400) throw new KsealError("KMS_INTEGRITY", `Vault could not decrypt the EDEK under key ${JSON.stringify(e.keyName)}`);
    this.expectOk(r, "decryptEdek");
    return dekFrom(dataOf(r, "decrypt").plaintext, "decrypt");
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.auth.close();
    await this.http.close();
  }

  /** One request; a 403 gets one retry with a fresh token (token file changed, AppRole token gone). */
  private async call(op: Op, method: "GET" | "POST", path: string, body?: unknown): Promise<VaultResponse> {
    if (this.closed) throw new KsealError("KMS_UNAVAILABLE", "Vault KMS is closed");
    const full = `${this.mount}/${path}`;
    let r = await this.http.call(method, full, await this.auth.token(), body);
    if (r.status === 403) {
      try {
        await this.auth.refresh();
      } catch (e) {
        if (isKsealError(e, "KMS_UNAVAILABLE")) throw e;
        throw new KsealError("KMS_DENIED", `Vault ${op}: token refused and no new token could be had`, { cause: e });
      }
      r = await this.http.call(method, full, await this.auth.token(), body);
    }
    return r;
  }

  private expectOk(r: VaultResponse, op: Op): void {
    if (r.status === 200) return;
    if (r.status === 429 || r.status >= 500 || r.status === 412) {
      throw new KsealError("KMS_UNAVAILABLE", `Vault ${op}: HTTP ${r.status}${r.errors ? ` (${r.errors.slice(0, 200)})` : ""}`);
    }
    throw new KsealError("KMS_DENIED", `Vault ${op}: HTTP ${r.status}${r.errors ? ` (${r.errors.slice(0, 200)})` : ""}`);
  }
}
