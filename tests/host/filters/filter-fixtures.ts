/**
 * Fixtures for the encryption filter tests: a KMS with switches (down, unknown aliases and keys)
 * that wraps DEKs with node:crypto, batches from the protocol tests' independent writer, and a
 * filter context with its own topic map.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { KsealError } from "../../../host/errors.js";
import { DekManager } from "../../../host/keys/dek-manager.js";
import { EdekCache } from "../../../host/keys/edek-cache.js";
import type { DekPair, Kms } from "../../../host/kms/kms.js";
import { createEncryptionFilter, type EncryptionFilter, type FilterPool } from "../../../host/filters/encryption-filter.js";
import { KekSelector } from "../../../host/filters/kek-selector.js";
import type { KekRule, UnresolvedKeyPolicy } from "../../../host/config/encryption-config.js";
import type { FilterContext } from "../../../host/proxy/filter.js";
import { NodePorts } from "../../../host/proxy/node-ports.js";
import { TopicMap } from "../../../host/proxy/topic-map.js";
import { KsealFilter, defaultWasmPath } from "../../../host/wasm/filter.js";
import { WorkerPool } from "../../../host/sandbox/worker-pool.js";
import { readFile } from "node:fs/promises";
import { buildBatch, crc32c } from "../../integration/protocol/record-batch.js";
import { pino } from "pino";

/** KEKs in memory; EDEK = 12-byte IV ‖ 16-byte KEK-name hash-free label length ‖ ... kept simple:
 * kekIdLen u8 ‖ kekId ‖ IV(12) ‖ AES-256-GCM(DEK) ‖ tag. */
export class SwitchKms implements Kms {
  readonly name = "switch";
  down = false;
  unknownAliases = new Set<string>();
  readonly keks = new Map<string, Buffer>();
  calls = { resolve: 0, generate: 0, decrypt: 0 };

  private check(): void {
    if (this.down) throw new KsealError("KMS_UNAVAILABLE", "test: KMS down");
  }
  async resolveAlias(alias: string): Promise<string> {
    this.calls.resolve++;
    this.check();
    if (this.unknownAliases.has(alias)) throw new KsealError("KMS_UNKNOWN_ALIAS", "test");
    if (!this.keks.has(alias)) this.keks.set(alias, randomBytes(32));
    return alias;
  }
  async generateDek(kekId: string): Promise<DekPair> {
    this.calls.generate++;
    this.check();
    const kek = this.keks.get(kekId);
    if (!kek) throw new KsealError("KMS_UNKNOWN_KEY", "test");
    const dek = randomBytes(32);
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", kek, iv);
    const ct = Buffer.concat([c.update(dek), c.final(), c.getAuthTag()]);
    const id = Buffer.from(kekId);
    return { dek, edek: Buffer.concat([Buffer.from([id.length]), id, iv, ct]) };
  }
  async decryptEdek(edek: Buffer): Promise<Buffer> {
    this.calls.decrypt++;
    this.check();
    const n = edek[0]!;
    const kek = this.keks.get(edek.subarray(1, 1 + n).toString());
    if (!kek) throw new KsealError("KMS_UNKNOWN_KEY", "test");
    const iv = edek.subarray(1 + n, 13 + n);
    const ct = edek.subarray(13 + n);
    const d = createDecipheriv("aes-256-gcm", kek, iv);
    d.setAuthTag(ct.subarray(32));
    return Buffer.concat([d.update(ct.subarray(0, 32)), d.final()]);
  }
  async close(): Promise<void> {}
}

export interface Rig {
  kms: SwitchKms;
  wasm: KsealFilter;
  deks: DekManager;
  edeks: EdekCache;
  filter: EncryptionFilter;
  topics: TopicMap;
  logs: Record<string, unknown>[];
  /** The filter runs its crypto in a sandbox worker pool. */
  pooled: boolean;
  close(): Promise<void>;
}

/** KSEAL_TEST_FILTER_POOL=1: the filter runs its crypto in a sandbox worker pool (as `kseal
 * start` does) instead of on the main-thread instance; the same tests cover both paths. */
const POOLED = process.env.KSEAL_TEST_FILTER_POOL === "1";

let sharedWasm: Promise<KsealFilter> | undefined;

export async function makeRig(opts: { rules?: KekRule[]; policy?: UnresolvedKeyPolicy; kms?: SwitchKms; template?: string; pool?: FilterPool } = {}): Promise<Rig> {
  sharedWasm ??= KsealFilter.load();
  const wasm = await sharedWasm;
  const kms = opts.kms ?? new SwitchKms();
  const edeks = new EdekCache({ kms, kmsTimeoutMs: 2000 });
  const deks = new DekManager({ kms, sweepIntervalMs: 0, kmsTimeoutMs: 2000, onNewDek: (e, d) => edeks.insert(e, d) });
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: "debug" }, { write: (s: string) => void logs.push(JSON.parse(s) as Record<string, unknown>) });
  const pool = POOLED && !opts.pool ? await WorkerPool.start(await readFile(defaultWasmPath()), { size: 2 }) : undefined;
  const filter = createEncryptionFilter({
    wasm, deks, edeks, logger, pool: opts.pool ?? pool,
    selector: new KekSelector(opts.template ?? "KEK-$(topicName)", opts.rules ?? []),
    unresolvedKeyPolicy: opts.policy ?? "passthrough",
  });
  return {
    kms, wasm, deks, edeks, filter, topics: new TopicMap(), logs, pooled: POOLED || opts.pool !== undefined,
    close: async () => { deks.close(); edeks.close(); await pool?.close(); },
  };
}

let corr = 1;
export function ctx(rig: Rig, apiKey: number, apiVersion: number): FilterContext {
  return {
    proxy: { topics: rig.topics, nodes: new NodePorts("ephemeral", 0, async () => 0), advertisedHost: "127.0.0.1" },
    connectionId: 1,
    nodeId: 1,
    header: { apiKey, apiVersion, correlationId: corr++, clientId: "test" },
  };
}

export const records = (n: number, tag = "v") =>
  Array.from({ length: n }, (_, i) => ({
    key: Buffer.from(`k${i}`),
    value: i === 1 ? null : Buffer.from(`${tag}-${i}-${"z".repeat(i * 3)}`),
    headers: i % 2 === 0 ? [{ key: "h", value: Buffer.from(`hv${i}`) }] : [],
  }));

/** A plain batch at `baseOffset` from the independent writer. */
export function plainBatch(n: number, baseOffset = 0n, tag = "v"): Buffer {
  const b = buildBatch(records(n, tag), 1_700_000_000_000n);
  b.writeBigInt64BE(baseOffset, 0);
  return b;
}

/** Rewrites the CRC-32C after a test changed bytes of a batch. */
export function fixCrc(batch: Buffer): Buffer {
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
  return batch;
}

/** The same batch marked as a control batch (attributes bit 5). */
export function asControl(batch: Buffer): Buffer {
  const b = Buffer.from(batch);
  b.writeInt16BE(b.readInt16BE(21) | 0x20, 21);
  return fixCrc(b);
}
