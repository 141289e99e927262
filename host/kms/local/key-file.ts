/**
 * The local KMS key file: JSON, UTF-8, mode 0600.
 *
 *   {
 *     "format": "kseal-local-kms",
 *     "version": 1,
 *     "aliases": { "<alias>": "<current KEK id>", ... },
 *     "keks": [ { "id": "<uuid>", "alias": "<alias>", "created": "<ISO 8601>",
 *                 "key": "<base64 of 32 bytes>" }, ... ],
 *     "protection": {                         // only when passphrase-protected
 *       "kdf": "scrypt", "N": 32768, "r": 8, "p": 1, "salt": "<base64, 16 bytes>",
 *       "cipher": "aes-256-gcm", "iv": "<base64, 12 bytes>",
 *       "sealed": "<base64: AES-256-GCM(scrypt key, iv, aad) of the keys || 16-byte tag>"
 *     }
 *   }
 *
 * When protected, the keks entries carry no "key"; the sealed plaintext is the 32-byte keys
 * concatenated in the order of "keks", and the AAD is the UTF-8 JSON text of
 * {"format","version","aliases":[[alias,id],...] sorted by alias,"keks":[[id,alias,created],...],
 * "kdf":[N,r,p,salt]}, so neither metadata nor KDF parameters can change without detection.
 * Old KEKs stay in "keks" after a rotation: EDEKs name their KEK and must still unwrap.
 */
import { KsealError } from "../../errors.js";
import { checkAlias } from "../alias.js";
import { normalizeUuid } from "./uuid-bytes.js";
import { checkScryptParams, seal, unseal, type ScryptParams } from "./passphrase.js";

export const KEY_FILE_FORMAT = "kseal-local-kms";
export const KEY_FILE_VERSION = 1;
export const KEK_BYTES = 32;

export interface Kek {
  id: string;
  alias: string;
  /** ISO 8601 creation (or import) time. */
  created: string;
  /** 32-byte AES-256 key; wiped when the store is dropped. */
  key: Buffer;
}

export interface KeyStore {
  /** alias -> id of its current KEK */
  aliases: Map<string, string>;
  /** id -> KEK, in creation order */
  keks: Map<string, Kek>;
}

export function emptyStore(): KeyStore {
  return { aliases: new Map(), keks: new Map() };
}

export function wipeStore(s: KeyStore): void {
  for (const k of s.keks.values()) k.key.fill(0);
}

/** Deep copy (keys included) so a failed mutation never leaves a half-changed live store. */
export function cloneStore(s: KeyStore): KeyStore {
  const keks = new Map<string, Kek>();
  for (const [id, k] of s.keks) keks.set(id, { ...k, key: Buffer.from(k.key) });
  return { aliases: new Map(s.aliases), keks };
}

export interface Protection {
  params: ScryptParams;
  /** The scrypt output for params; kept in memory while the KMS is open. */
  wrappingKey: Buffer;
}

interface FileKek { id: string; alias: string; created: string; key?: string }
interface FileProtection { kdf: string; N: number; r: number; p: number; salt: string; cipher: string; iv: string; sealed: string }
interface KeyFileJson { format: string; version: number; aliases: Record<string, string>; keks: FileKek[]; protection?: FileProtection }

function aad(store: KeyStore, params: ScryptParams): Buffer {
  const aliases = [...store.aliases].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const keks = [...store.keks.values()].map((k) => [k.id, k.alias, k.created]);
  const kdf = [params.N, params.r, params.p, params.salt.toString("base64")];
  return Buffer.from(JSON.stringify({ format: KEY_FILE_FORMAT, version: KEY_FILE_VERSION, aliases, keks, kdf }), "utf8");
}

export function serializeKeyFile(store: KeyStore, protection?: Protection): string {
  const aliases: Record<string, string> = {};
  for (const [a, id] of [...store.aliases].sort((x, y) => (x[0] < y[0] ? -1 : 1))) aliases[a] = id;
  const keks: FileKek[] = [...store.keks.values()].map((k) => (
    protection ? { id: k.id, alias: k.alias, created: k.created } : { id: k.id, alias: k.alias, created: k.created, key: k.key.toString("base64") }
  ));
  const json: KeyFileJson = { format: KEY_FILE_FORMAT, version: KEY_FILE_VERSION, aliases, keks };
  if (protection) {
    const material = Buffer.concat([...store.keks.values()].map((k) => k.key));
    const { iv, sealed } = seal(protection.wrappingKey, material, aad(store, protection.params));
    material.fill(0);
    const p = protection.params;
    json.protection = {
      kdf: "scrypt", N: p.N, r: p.r, p: p.p, salt: p.salt.toString("base64"),
      cipher: "aes-256-gcm", iv: iv.toString("base64"), sealed: sealed.toString("base64"),
    };
  }
  return JSON.stringify(json, null, 2) + "\n";
}

function bad(detail: string): KsealError {
  return new KsealError("KMS_KEY_FILE", detail);
}

function base64(field: string, s: unknown): Buffer {
  if (typeof s !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw bad(`${field} is not base64`);
  return Buffer.from(s, "base64");
}

/** The file's metadata and, when protected, what unlocking needs. Key material is not read yet. */
export interface ParsedKeyFile {
  json: KeyFileJson;
  /** Present when the file is passphrase-protected. */
  params?: ScryptParams;
}

export function parseKeyFile(text: string): ParsedKeyFile {
  let json: KeyFileJson;
  try {
    json = JSON.parse(text) as KeyFileJson;
  } catch (cause) {
    throw new KsealError("KMS_KEY_FILE", "not JSON", { cause });
  }
  if (typeof json !== "object" || json === null || json.format !== KEY_FILE_FORMAT) throw bad(`format is not "${KEY_FILE_FORMAT}"`);
  if (json.version !== KEY_FILE_VERSION) throw bad(`unsupported version ${String(json.version)}`);
  if (typeof json.aliases !== "object" || json.aliases === null || !Array.isArray(json.keks)) throw bad("aliases or keks missing");
  if (json.protection === undefined) return { json };
  const p = json.protection;
  if (typeof p !== "object" || p === null || p.kdf !== "scrypt" || p.cipher !== "aes-256-gcm") throw bad("unknown protection scheme");
  const params: ScryptParams = { N: p.N, r: p.r, p: p.p, salt: base64("protection.salt", p.salt) };
  checkScryptParams(params);
  return { json, params };
}

/**
 * Builds the key store from a parsed file. A protected file needs `wrappingKey` (derived from the
 * passphrase with the file's params); KMS_PASSPHRASE when it is missing or wrong.
 */
export function openKeyFile(parsed: ParsedKeyFile, wrappingKey?: Buffer): KeyStore {
  const { json, params } = parsed;
  const store = emptyStore();
  for (const k of json.keks) {
    if (typeof k !== "object" || k === null) throw bad("keks entry is not an object");
    let id: string;
    try {
      id = normalizeUuid(String(k.id));
      checkAlias(k.alias);
    } catch (cause) {
      throw new KsealError("KMS_KEY_FILE", "keks entry has a bad id or alias", { cause });
    }
    if (store.keks.has(id)) throw bad(`KEK id ${id} appears twice`);
    if (typeof k.created !== "string" || Number.isNaN(Date.parse(k.created))) throw bad(`KEK ${id} has no valid created time`);
    let key: Buffer = Buffer.alloc(0);
    if (!params) {
      key = base64(`key of ${id}`, k.key);
      if (key.length !== KEK_BYTES) throw bad(`key of ${id} is not ${KEK_BYTES} bytes`);
    }
    store.keks.set(id, { id, alias: k.alias, created: k.created, key });
  }
  for (const [alias, id] of Object.entries(json.aliases)) {
    const kek = typeof id === "string" ? store.keks.get(id) : undefined;
    if (!kek || kek.alias !== alias) throw bad(`alias ${JSON.stringify(alias)} names no KEK of that alias`);
    store.aliases.set(alias, id);
  }
  if (params) {
    const p = json.protection!;
    if (!wrappingKey) throw new KsealError("KMS_PASSPHRASE", "key file is passphrase-protected and no passphrase was given");
    const material = unseal(wrappingKey, base64("protection.iv", p.iv), base64("protection.sealed", p.sealed), aad(store, params));
    if (material.length !== KEK_BYTES * store.keks.size) {
      material.fill(0);
      throw bad("sealed key material has the wrong length");
    }
    let o = 0;
    for (const k of store.keks.values()) {
      k.key = Buffer.from(material.subarray(o, o += KEK_BYTES));
    }
    material.fill(0);
  }
  return store;
}
