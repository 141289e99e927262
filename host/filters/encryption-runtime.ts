/**
 * Builds record encryption from its config: the KMS (the embedded local KMS), the DEK manager
 * (which primes the EDEK cache with every DEK it generates, so reading fresh records back costs
 * no KMS call), the EDEK cache, the WASM module and the proxy filter. close() wipes the keys.
 */
import type { Logger } from "pino";
import type { EncryptionConfig } from "../config/encryption-config.js";
import { KsealError } from "../errors.js";
import { DekManager } from "../keys/dek-manager.js";
import { EdekCache } from "../keys/edek-cache.js";
import type { Kms } from "../kms/kms.js";
import { LocalKms } from "../kms/local/local-kms.js";
import { log as rootLog } from "../log.js";
import { KsealFilter } from "../wasm/filter.js";
import { createEncryptionFilter, type EncryptionFilter, type EncryptionFilterOptions, type FilterPool } from "./encryption-filter.js";
import { KekSelector } from "./kek-selector.js";

export interface EncryptionRuntime {
  filter: EncryptionFilter;
  kms: Kms;
  deks: DekManager;
  edeks: EdekCache;
  wasm: KsealFilter;
  close(): Promise<void>;
}

export interface EncryptionRuntimeOptions {
  /** A KMS to use instead of the configured one (tests); closed with the runtime. */
  kms?: Kms;
  wasmPath?: string;
  /** A filter handle to use instead of loading wasmPath (host/sandbox ModuleManager.filter). */
  wasm?: KsealFilter;
  /** True while the running module's policy refuses produce to a topic without a KEK (strict):
   * unresolvedKeyPolicy is then reject, whatever the config says. */
  requireKek?: () => boolean;
  /** Sandbox worker pool for produce encryption (host/sandbox ModuleManager.pool). */
  pool?: FilterPool;
  /** Per-topic record counts by outcome (host/admin/topic-records.ts topicOutcomes). */
  onRecords?: EncryptionFilterOptions["onRecords"];
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

export async function openKms(cfg: EncryptionConfig, env: NodeJS.ProcessEnv = process.env): Promise<Kms> {
  if (cfg.kms.remote) {
    // Loaded on demand: the AWS SDK and undici stay out of local-KMS deployments.
    const { openRemoteKms } = await import("../kms/resilient-open.js");
    return openRemoteKms(cfg.kms.remote, cfg.kms.timeoutMs, env);
  }
  let passphrase: string | undefined;
  if (cfg.kms.passphraseEnv) {
    passphrase = env[cfg.kms.passphraseEnv];
    if (!passphrase) {
      throw new KsealError("CONFIG_INVALID", `encryption.kms.passphraseEnv names ${cfg.kms.passphraseEnv}, which is not set or empty`);
    }
  }
  return LocalKms.open({ path: cfg.kms.keyFile, passphrase, autoCreate: cfg.kms.autoCreate });
}

export async function startEncryption(cfg: EncryptionConfig, opts: EncryptionRuntimeOptions = {}): Promise<EncryptionRuntime> {
  const logger = opts.logger ?? rootLog;
  const wasm = opts.wasm ?? (await KsealFilter.load(opts.wasmPath));
  const kms = opts.kms ?? (await openKms(cfg, opts.env));
  const edeks = new EdekCache({ kms, maxEntries: cfg.edekCache.maxEntries, ttlMs: cfg.edekCache.ttlMs, kmsTimeoutMs: cfg.kms.timeoutMs });
  const deks = new DekManager({
    kms,
    maxRecords: cfg.dek.maxRecords,
    refreshMs: cfg.dek.refreshMs,
    expireMs: cfg.dek.expireMs,
    kmsTimeoutMs: cfg.kms.timeoutMs,
    onNewDek: (edek, dek) => edeks.insert(edek, dek),
  });
  const filter = createEncryptionFilter({
    wasm,
    deks,
    edeks,
    selector: new KekSelector(cfg.kekTemplate, cfg.rules),
    get unresolvedKeyPolicy() {
      return opts.requireKek?.() ? "reject" : cfg.unresolvedKeyPolicy;
    },
    requireKek: opts.requireKek,
    maxLeaseRecords: cfg.dek.maxRecords,
    pool: opts.pool,
    onRecords: opts.onRecords,
    logger,
  });
  logger.info({ kms: kms.name, kekTemplate: cfg.kekTemplate, rules: cfg.rules.length, unresolvedKeyPolicy: cfg.unresolvedKeyPolicy }, "record encryption on");
  let closed = false;
  return {
    filter, kms, deks, edeks, wasm,
    async close() {
      if (closed) return;
      closed = true;
      deks.close();
      edeks.close();
      await kms.close();
    },
  };
}
