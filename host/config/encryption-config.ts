/**
 * The `encryption:` section of the proxy config: which KMS, which KEK each topic uses, what happens
 * to topics without one, and the DEK limits. Every key is optional; the embedded defaults encrypt
 * every topic under `KEK-<topic>` with the local KMS, which creates KEKs on first use.
 *
 * YAML:
 *   encryption:
 *     enabled: true                     # false = transparent proxy, nothing encrypted or decrypted
 *     kms:
 *       type: local                     # the embedded local KMS (the only provider so far)
 *       keyFile: ~/.config/kseal/local-kms.json   # default $KSEAL_LOCAL_KMS_FILE or that path
 *       passphraseEnv: KSEAL_KMS_PASSPHRASE       # env var holding the key file's passphrase
 *       autoCreate: true                # create a KEK for an alias on first use
 *       timeoutMs: 10000                # longest wait for one KMS call
 *     kekTemplate: KEK-$(topicName)     # alias for topics no rule matches
 *     rules:                            # first match wins
 *       - exact: payments               # or prefix: "audit." or regex: "^tmp-"
 *         kek: KEK-payments             # or clear: true (records stay unencrypted)
 *     unresolvedKeyPolicy: passthrough  # KMS does not know the alias: passthrough | reject
 *     dek: { maxRecords: 5000000, refreshMs: 3600000, expireMs: 7200000 }
 *     edekCache: { maxEntries: 10000, ttlMs: 3600000 }
 */
import { homedir } from "node:os";
import { KsealError } from "../errors.js";
import { LIMITS } from "../limits.js";
import { AWS_KMS_KEYS, parseAwsKmsConfig } from "../kms/aws/aws-config.js";
import { RESILIENCE_KEYS, parseResilience, type RemoteKmsConfig } from "../kms/resilient-config.js";
import { VAULT_KMS_KEYS, parseVaultKmsConfig } from "../kms/vault/vault-config.js";

export const TOPIC_NAME_PLACEHOLDER = "$(topicName)";

export type KekRuleMatch = { exact: string } | { prefix: string } | { regex: RegExp };

export interface KekRule {
  match: KekRuleMatch;
  /** The KEK alias, or null: leave the topic's records in clear. */
  kek: string | null;
}

export interface LocalKmsConfig {
  /** local, or a remote KMS whose settings are in `remote` (host/kms/vault/vault-config.ts,
   * host/kms/aws/aws-config.ts, host/kms/resilient-open.ts document their keys). */
  type: "local" | "vault" | "aws";
  remote?: RemoteKmsConfig;
  /** undefined = defaultKeyFilePath() ($KSEAL_LOCAL_KMS_FILE, else ~/.config/kseal/local-kms.json). */
  keyFile?: string;
  /** Environment variable holding the key file passphrase. */
  passphraseEnv?: string;
  autoCreate: boolean;
  timeoutMs: number;
}

export type UnresolvedKeyPolicy = "passthrough" | "reject";

export interface EncryptionConfig {
  enabled: boolean;
  kms: LocalKmsConfig;
  kekTemplate: string;
  rules: KekRule[];
  unresolvedKeyPolicy: UnresolvedKeyPolicy;
  dek: { maxRecords: number; refreshMs: number; expireMs: number };
  edekCache: { maxEntries: number; ttlMs: number };
}

export const DEFAULT_ENCRYPTION_CONFIG: Readonly<EncryptionConfig> = Object.freeze<EncryptionConfig>({
  enabled: true,
  kms: { type: "local", autoCreate: true, timeoutMs: LIMITS.kmsCallTimeoutMs },
  kekTemplate: `KEK-${TOPIC_NAME_PLACEHOLDER}`,
  rules: [],
  unresolvedKeyPolicy: "passthrough",
  dek: { maxRecords: LIMITS.dekMaxRecords, refreshMs: LIMITS.dekRefreshMs, expireMs: LIMITS.dekExpireMs },
  edekCache: { maxEntries: LIMITS.edekCacheMaxEntries, ttlMs: LIMITS.edekCacheTtlMs },
});

const TOP = new Set(["enabled", "kms", "kekTemplate", "rules", "unresolvedKeyPolicy", "dek", "edekCache"]);
const KMS_KEYS = new Set(["type", "keyFile", "passphraseEnv", "autoCreate", "timeoutMs"]);
const VAULT_KEYS = new Set(["type", "timeoutMs", ...VAULT_KMS_KEYS, ...RESILIENCE_KEYS]);
const AWS_KEYS = new Set(["type", "timeoutMs", ...AWS_KMS_KEYS, ...RESILIENCE_KEYS]);
const RULE_KEYS = new Set(["exact", "prefix", "regex", "kek", "clear"]);
const DEK_KEYS = new Set(["maxRecords", "refreshMs", "expireMs"]);
const CACHE_KEYS = new Set(["maxEntries", "ttlMs"]);

function invalid(field: string, detail: string): KsealError {
  return new KsealError("CONFIG_INVALID", `encryption.${field} ${detail}`);
}

function mapping(v: unknown, field: string, keys: Set<string>): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw invalid(field, "must be a mapping");
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!keys.has(k)) throw invalid(`${field}.${k}`, "is not a known key");
  return o;
}

function str(v: unknown, field: string): string {
  if (typeof v !== "string" || v.length === 0) throw invalid(field, "must be a non-empty string");
  return v;
}

function bool(v: unknown, field: string): boolean {
  if (typeof v !== "boolean") throw invalid(field, "must be true or false");
  return v;
}

function positiveInt(v: unknown, field: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > max) throw invalid(field, `must be an integer from 1 to ${max}`);
  return v;
}

function expandHome(p: string): string {
  return p === "~" ? homedir() : p.startsWith("~/") ? homedir() + p.slice(1) : p;
}

function parseRule(v: unknown, i: number): KekRule {
  const field = `rules[${i}]`;
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw invalid(field, "must be a mapping");
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!RULE_KEYS.has(k)) throw invalid(`${field}.${k}`, "is not a known key (exact, prefix, regex, kek, clear)");
  const kinds = ["exact", "prefix", "regex"].filter((k) => o[k] !== undefined);
  if (kinds.length !== 1) throw invalid(field, "must have exactly one of exact, prefix or regex");
  const kind = kinds[0]!;
  const pattern = str(o[kind], `${field}.${kind}`);
  let match: KekRuleMatch;
  if (kind === "exact") match = { exact: pattern };
  else if (kind === "prefix") match = { prefix: pattern };
  else {
    try {
      // Anchored as written: "orders" matches any name containing it; write ^orders$ for one.
      match = { regex: new RegExp(pattern, "u") };
    } catch (e) {
      throw new KsealError("CONFIG_INVALID", `encryption.${field}.regex is not a valid regular expression`, { cause: e });
    }
  }
  const hasKek = o.kek !== undefined;
  const clear = o.clear === undefined ? false : bool(o.clear, `${field}.clear`);
  if (hasKek === clear) throw invalid(field, "must have either kek: <alias> or clear: true");
  return { match, kek: clear ? null : str(o.kek, `${field}.kek`) };
}

/** Parses the YAML `encryption:` value over `base` (defaults for every key it leaves out). */
export function parseEncryptionConfig(raw: unknown, base: Readonly<EncryptionConfig> = DEFAULT_ENCRYPTION_CONFIG): EncryptionConfig {
  const c: EncryptionConfig = {
    ...base,
    kms: { ...base.kms },
    rules: [...base.rules],
    dek: { ...base.dek },
    edekCache: { ...base.edekCache },
  };
  if (raw === null || raw === undefined) return c;
  if (typeof raw !== "object" || Array.isArray(raw)) throw new KsealError("CONFIG_INVALID", "encryption must be a mapping");
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!TOP.has(k)) throw invalid(k, "is not a known key");
  if (o.enabled !== undefined) c.enabled = bool(o.enabled, "enabled");
  if (o.kms !== undefined) {
    const type = (o.kms as { type?: unknown } | null)?.type;
    const k = mapping(o.kms, "kms", type === "vault" ? VAULT_KEYS : type === "aws" ? AWS_KEYS : KMS_KEYS);
    if (k.type !== undefined && k.type !== "local" && k.type !== "vault" && k.type !== "aws") throw invalid("kms.type", "must be local, vault or aws");
    if (k.type === "local") {
      c.kms.type = "local";
      c.kms.remote = undefined;
    } else if (k.type === "vault") {
      c.kms.type = "vault";
      c.kms.remote = { type: "vault", vault: parseVaultKmsConfig(k, expandHome), resilience: parseResilience(k) };
    } else if (k.type === "aws") {
      c.kms.type = "aws";
      c.kms.remote = { type: "aws", aws: parseAwsKmsConfig(k), resilience: parseResilience(k) };
    }
    if (k.keyFile !== undefined) c.kms.keyFile = expandHome(str(k.keyFile, "kms.keyFile"));
    if (k.passphraseEnv !== undefined) {
      const name = str(k.passphraseEnv, "kms.passphraseEnv");
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw invalid("kms.passphraseEnv", "must be an environment variable name");
      c.kms.passphraseEnv = name;
    }
    if (k.autoCreate !== undefined) c.kms.autoCreate = bool(k.autoCreate, "kms.autoCreate");
    if (k.timeoutMs !== undefined) c.kms.timeoutMs = positiveInt(k.timeoutMs, "kms.timeoutMs", 600_000);
  }
  if (o.kekTemplate !== undefined) c.kekTemplate = str(o.kekTemplate, "kekTemplate");
  if (o.rules !== undefined) {
    if (!Array.isArray(o.rules)) throw invalid("rules", "must be a list");
    c.rules = o.rules.map(parseRule);
  }
  if (o.unresolvedKeyPolicy !== undefined) {
    if (o.unresolvedKeyPolicy !== "passthrough" && o.unresolvedKeyPolicy !== "reject") {
      throw invalid("unresolvedKeyPolicy", "must be passthrough or reject");
    }
    c.unresolvedKeyPolicy = o.unresolvedKeyPolicy;
  }
  if (o.dek !== undefined) {
    const d = mapping(o.dek, "dek", DEK_KEYS);
    if (d.maxRecords !== undefined) c.dek.maxRecords = positiveInt(d.maxRecords, "dek.maxRecords", 2 ** 32);
    if (d.refreshMs !== undefined) c.dek.refreshMs = positiveInt(d.refreshMs, "dek.refreshMs");
    if (d.expireMs !== undefined) c.dek.expireMs = positiveInt(d.expireMs, "dek.expireMs");
    if (c.dek.expireMs < c.dek.refreshMs) throw invalid("dek.expireMs", "must not be before dek.refreshMs");
  }
  if (o.edekCache !== undefined) {
    const e = mapping(o.edekCache, "edekCache", CACHE_KEYS);
    if (e.maxEntries !== undefined) c.edekCache.maxEntries = positiveInt(e.maxEntries, "edekCache.maxEntries");
    if (e.ttlMs !== undefined) c.edekCache.ttlMs = positiveInt(e.ttlMs, "edekCache.ttlMs");
  }
  return c;
}
