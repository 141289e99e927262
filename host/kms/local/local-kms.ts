/**
 * The embedded local KMS: AES-256 KEKs kept in a key file (key-file.ts) outside the repository,
 * optionally sealed under a passphrase. Aliases name KEKs; rotating an alias gives it a new KEK
 * and keeps the old ones, so every EDEK ever written still unwraps. DEKs are wrapped with
 * AES-256-GCM under the KEK with a random 96-bit IV (local-edek.ts has the byte layout).
 *
 * Several processes may share one key file: every change is a locked read-modify-write of the
 * file; resolveAlias, and meeting a KEK id this process does not know, re-read it if it changed.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomFillSync, randomUUID } from "node:crypto";
import { KsealError } from "../../errors.js";
import { log } from "../../log.js";
import { checkAlias } from "../alias.js";
import { DEK_BYTES, type DekPair, type Kms } from "../kms.js";
import { defaultKeyFilePath } from "./default-path.js";
import {
  KEK_BYTES, cloneStore, emptyStore, openKeyFile, parseKeyFile, serializeKeyFile, wipeStore,
  type Kek, type KeyStore, type Protection,
} from "./key-file.js";
import { fileIdentity, readKeyFileText, sameFile, withFileLock, writeFileAtomic, type FileIdentity } from "./key-file-io.js";
import { LOCAL_EDEK_IV_BYTES, LOCAL_EDEK_TAG_BITS, decodeLocalEdek, encodeLocalEdek } from "./local-edek.js";
import { deriveWrappingKey, newScryptParams, type ScryptParams } from "./passphrase.js";
import { normalizeUuid } from "./uuid-bytes.js";

export interface LocalKmsOptions {
  /** Key file; default defaultKeyFilePath() (~/.config/kseal/local-kms.json). */
  path?: string;
  /** Unlocks a protected key file, and protects a key file this KMS creates. */
  passphrase?: string;
  /** resolveAlias creates a KEK for an alias it does not know (default true). */
  autoCreate?: boolean;
}

/** What `list` shows about a KEK: never its key material. */
export interface KekInfo {
  id: string;
  alias: string;
  created: string;
  /** The alias's current KEK (new DEKs are wrapped under it). */
  current: boolean;
}

const TAG_BYTES = LOCAL_EDEK_TAG_BITS / 8;

function info(store: KeyStore, k: Kek): KekInfo {
  return { id: k.id, alias: k.alias, created: k.created, current: store.aliases.get(k.alias) === k.id };
}

function newKek(alias: string, id: string = randomUUID(), key?: Buffer): Kek {
  const material = Buffer.alloc(KEK_BYTES);
  if (key) key.copy(material);
  else randomFillSync(material);
  return { id, alias, created: new Date().toISOString(), key: material };
}

function paramsEqual(a: ScryptParams, b: ScryptParams): boolean {
  return a.N === b.N && a.r === b.r && a.p === b.p && a.salt.equals(b.salt);
}

export class LocalKms implements Kms {
  readonly name = "local";
  readonly path: string;
  readonly autoCreate: boolean;
  private store: KeyStore = emptyStore();
  private protection: Protection | undefined;
  private fileId: FileIdentity | undefined;
  private readonly passphrase: string | undefined;
  private closed = false;
  /** Serializes changes within this process (the lock file serializes across processes). */
  private mutex: Promise<unknown> = Promise.resolve();
  private reloading: Promise<void> | undefined;
  private readonly creating = new Map<string, Promise<string>>();

  private constructor(options: LocalKmsOptions) {
    this.path = options.path ?? defaultKeyFilePath();
    this.passphrase = options.passphrase || undefined;
    this.autoCreate = options.autoCreate ?? true;
  }

  /** Opens the key file (a missing file is an empty KMS; it is written on the first new KEK). */
  static async open(options: LocalKmsOptions = {}): Promise<LocalKms> {
    const kms = new LocalKms(options);
    await kms.load();
    if (kms.passphrase && kms.fileId && !kms.protection) {
      log.warn({ path: kms.path }, "local KMS key file is not passphrase-protected; the passphrase is ignored (kseal keys passphrase sets one)");
    }
    return kms;
  }

  get isProtected(): boolean {
    return this.protection !== undefined;
  }

  // ---- Kms -------------------------------------------------------------------------------------

  async resolveAlias(alias: string): Promise<string> {
    this.checkOpen();
    checkAlias(alias);
    // Called once per DEK generation: a stat is cheap enough to pick up rotations made by
    // `kseal keys` in another process.
    await this.refreshIfChanged();
    const id = this.store.aliases.get(alias);
    if (id) return id;
    if (!this.autoCreate) throw new KsealError("KMS_UNKNOWN_ALIAS", "local KMS has no such alias (auto-create is off)");
    let pending = this.creating.get(alias);
    if (!pending) {
      pending = this.mutate((s) => {
        const existing = s.aliases.get(alias);
        if (existing) return existing;
        const kek = newKek(alias);
        s.keks.set(kek.id, kek);
        s.aliases.set(alias, kek.id);
        log.info({ alias, kekId: kek.id }, "local KMS created a KEK for a new alias");
        return kek.id;
      }).finally(() => this.creating.delete(alias));
      this.creating.set(alias, pending);
    }
    return pending;
  }

  async generateDek(kekId: string): Promise<DekPair> {
    this.checkOpen();
    const kek = this.kekNow(await this.findKek(kekId));
    const dek = Buffer.alloc(DEK_BYTES);
    randomFillSync(dek);
    const iv = randomBytes(LOCAL_EDEK_IV_BYTES);
    const c = createCipheriv("aes-256-gcm", kek.key, iv, { authTagLength: TAG_BYTES });
    const ciphertext = Buffer.concat([c.update(dek), c.final()]);
    const edek = encodeLocalEdek({ iv, kekId: kek.id, ciphertext, tag: c.getAuthTag() });
    return { dek, edek };
  }

  async decryptEdek(edek: Buffer): Promise<Buffer> {
    this.checkOpen();
    const e = decodeLocalEdek(edek);
    const kek = this.kekNow(await this.findKek(e.kekId));
    const d = createDecipheriv("aes-256-gcm", kek.key, e.iv, { authTagLength: TAG_BYTES });
    d.setAuthTag(e.tag);
    const plain = d.update(e.ciphertext);
    try {
      d.final();
    } catch {
      plain.fill(0);
      throw new KsealError("KMS_INTEGRITY", `EDEK does not authenticate under KEK ${kek.id}`);
    }
    const dek = Buffer.alloc(DEK_BYTES);
    plain.copy(dek);
    plain.fill(0);
    return dek;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.mutex.catch(() => undefined);
    wipeStore(this.store);
    this.protection?.wrappingKey.fill(0);
    this.store = emptyStore();
    this.protection = undefined;
  }

  // ---- management (kseal keys ...) ---------------------------------------------------------

  async list(): Promise<KekInfo[]> {
    this.checkOpen();
    await this.refreshIfChanged();
    return [...this.store.keks.values()].map((k) => info(this.store, k));
  }

  /** A first KEK for a new alias; KMS_KEY_EXISTS when the alias exists. */
  async createKek(alias: string): Promise<KekInfo> {
    this.checkOpen();
    checkAlias(alias);
    return this.mutate((s) => {
      if (s.aliases.has(alias)) throw new KsealError("KMS_KEY_EXISTS", `alias ${JSON.stringify(alias)} exists; rotate it instead`);
      const kek = newKek(alias);
      s.keks.set(kek.id, kek);
      s.aliases.set(alias, kek.id);
      return info(s, kek);
    });
  }

  /** Gives the alias a new current KEK; the old ones stay for decryption. */
  async rotate(alias: string): Promise<KekInfo> {
    this.checkOpen();
    checkAlias(alias);
    return this.mutate((s) => {
      if (!s.aliases.has(alias)) throw new KsealError("KMS_UNKNOWN_ALIAS", `no alias ${JSON.stringify(alias)}`);
      const kek = newKek(alias);
      s.keks.set(kek.id, kek);
      s.aliases.set(alias, kek.id);
      return info(s, kek);
    });
  }

  /**
   * Adds a KEK made elsewhere (another kseal's export) so that EDEKs naming `id` unwrap here. It
   * becomes the alias's current KEK when the alias is new or `makeCurrent` is set. Importing the
   * same id with the same key again is a no-op; with another key it is KMS_KEY_EXISTS.
   */
  async importKek(alias: string, id: string, key: Buffer, makeCurrent = false): Promise<KekInfo> {
    this.checkOpen();
    checkAlias(alias);
    const kekId = normalizeUuid(id);
    if (key.length !== KEK_BYTES) throw new KsealError("KMS_KEY_INVALID", `a KEK is ${KEK_BYTES} bytes, got ${key.length}`);
    return this.mutate((s) => {
      const old = s.keks.get(kekId);
      if (old) {
        if (old.alias !== alias || !old.key.equals(key)) throw new KsealError("KMS_KEY_EXISTS", `KEK ${kekId} exists with another key or alias`);
      } else {
        s.keks.set(kekId, newKek(alias, kekId, key));
      }
      if (makeCurrent || !s.aliases.has(alias)) s.aliases.set(alias, kekId);
      return info(s, s.keks.get(kekId)!);
    });
  }

  /** A copy of a KEK's key material (for `kseal keys export`); the caller wipes it. */
  async exportKek(id: string): Promise<Buffer> {
    this.checkOpen();
    return Buffer.from(this.kekNow(await this.findKek(id)).key);
  }

  /** Re-seals the file under a new passphrase, or stores it unprotected when undefined. */
  async setPassphrase(passphrase: string | undefined): Promise<void> {
    this.checkOpen();
    const protection = passphrase
      ? await (async () => {
        const params = newScryptParams();
        return { params, wrappingKey: await deriveWrappingKey(passphrase, params) };
      })()
      : undefined;
    await this.mutate(() => undefined, { protection });
  }

  // ---- internals ---------------------------------------------------------------------------

  private checkOpen(): void {
    if (this.closed) throw new KsealError("KMS_UNAVAILABLE", "local KMS is closed");
  }

  /**
   * Makes sure the KEK is loaded (re-reading a changed file) and returns its normalized id. Use
   * the KEK through kekNow() in the same synchronous step as the crypto: a reload swaps the store
   * and wipes the old one's keys, so a Kek held across an await could turn to zeros.
   */
  private async findKek(id: string): Promise<string> {
    let kekId: string;
    try {
      kekId = normalizeUuid(id);
    } catch {
      throw new KsealError("KMS_UNKNOWN_KEY", "KEK id is not a UUID");
    }
    let kek = this.store.keks.get(kekId);
    if (!kek) {
      await this.refreshIfChanged();
      kek = this.store.keks.get(kekId);
    }
    if (!kek) throw new KsealError("KMS_UNKNOWN_KEY", `local KMS has no KEK ${kekId}`);
    return kekId;
  }

  private kekNow(kekId: string): Kek {
    this.checkOpen();
    const kek = this.store.keks.get(kekId);
    if (!kek) throw new KsealError("KMS_UNKNOWN_KEY", `local KMS has no KEK ${kekId}`);
    return kek;
  }

  private async wrappingKeyFor(params: ScryptParams): Promise<Buffer> {
    if (this.protection && paramsEqual(this.protection.params, params)) return this.protection.wrappingKey;
    if (!this.passphrase) throw new KsealError("KMS_PASSPHRASE", "key file is passphrase-protected and no passphrase was given");
    return deriveWrappingKey(this.passphrase, params);
  }

  /** Reads the file into memory (only when it changed since the last read, unless forced). */
  private async load(force = false): Promise<void> {
    const read = await readKeyFileText(this.path);
    if (!read) {
      if (this.fileId) throw new KsealError("KMS_KEY_FILE", `${this.path} has disappeared`);
      return;
    }
    if (!force && sameFile(read.id, this.fileId)) return;
    const parsed = parseKeyFile(read.text);
    let protection: Protection | undefined;
    if (parsed.params) protection = { params: parsed.params, wrappingKey: await this.wrappingKeyFor(parsed.params) };
    const store = openKeyFile(parsed, protection?.wrappingKey);
    this.swap(store, protection, read.id);
  }

  private swap(store: KeyStore, protection: Protection | undefined, id: FileIdentity | undefined): void {
    const oldStore = this.store;
    const oldProtection = this.protection;
    this.store = store;
    this.protection = protection;
    this.fileId = id;
    wipeStore(oldStore);
    if (oldProtection && oldProtection.wrappingKey !== protection?.wrappingKey) oldProtection.wrappingKey.fill(0);
  }

  private async refreshIfChanged(): Promise<void> {
    if (!this.reloading) {
      this.reloading = (async () => {
        if (!sameFile(await fileIdentity(this.path), this.fileId)) await this.load();
      })().finally(() => { this.reloading = undefined; });
    }
    return this.reloading;
  }

  /**
   * Locked read-modify-write: re-reads the file, applies `change` to a copy, writes the copy
   * atomically, then makes it live. A failure leaves both the file and memory as they were.
   */
  private mutate<T>(change: (s: KeyStore) => T, opts?: { protection: Protection | undefined }): Promise<T> {
    const run = async (): Promise<T> => withFileLock(this.path, async () => {
      this.checkOpen();
      await this.load(true);
      const next = cloneStore(this.store);
      let result: T;
      try {
        result = change(next);
      } catch (e) {
        wipeStore(next);
        throw e;
      }
      let protection = opts ? opts.protection : this.protection;
      if (!opts && !protection && !this.fileId && this.passphrase) {
        const params = newScryptParams();
        protection = { params, wrappingKey: await deriveWrappingKey(this.passphrase, params) };
      }
      try {
        await writeFileAtomic(this.path, serializeKeyFile(next, protection));
      } catch (e) {
        wipeStore(next);
        throw e;
      }
      this.swap(next, protection, await fileIdentity(this.path));
      return result;
    });
    const p = this.mutex.then(run, run);
    this.mutex = p.catch(() => undefined);
    return p;
  }
}
