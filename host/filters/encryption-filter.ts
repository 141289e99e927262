/**
 * The record encryption filter: encrypts record values of Produce requests and decrypts those of
 * Fetch and ShareFetch responses (record-encryption format v2), with DEKs from the DEK manager
 * and the EDEK cache and the crypto in the WASM module.
 *
 * Produce: per partition, the topic (named, or by id through the topic map in v13) selects a KEK
 * alias; a DEK lease covers the partition's records; batches are decompressed, encrypted and
 * recompressed with their codec. A partition that cannot be encrypted is never forwarded in
 * clear: it is taken out of the request and answered by the proxy with an error code in the
 * broker's response (acks=0: dropped, as nothing is answered).
 * Fetch / ShareFetch: every EDEK of the response is resolved in one go (cache, then KMS), then
 * each batch is decrypted. A partition whose first failing batch comes after good ones gets the
 * good ones (the next fetch starts at the bad batch and gets the error); otherwise it gets an
 * error code and no records — never ciphertext. A truncated trailing batch passes untouched.
 */
import type { Logger } from "pino";
import type { UnresolvedKeyPolicy } from "../config/encryption-config.js";
import { isKsealError } from "../errors.js";
import type { DekManager } from "../keys/dek-manager.js";
import type { DekRef, EdekCache } from "../keys/edek-cache.js";
import { log as rootLog } from "../log.js";
import { KafkaError } from "../protocol/kafka-errors.js";
import type { FetchPartitionData, FetchResponse } from "../protocol/messages/fetch.js";
import type { PartitionProduceData, ProduceRequest, ProduceResponse, TopicProduceData } from "../protocol/messages/produce.js";
import type { ShareFetchPartitionData, ShareFetchResponse } from "../protocol/messages/share-fetch.js";
import type { FilterContext, ProxyFilter } from "../proxy/filter.js";
import type { KsealFilter } from "../wasm/filter.js";
import { DecryptSlots } from "./decrypt-slots.js";
import type { KekSelector } from "./kek-selector.js";
import { fetchErrorFor, produceErrorFor, type PartitionError } from "./partition-errors.js";
import { countProduceRecords, decryptScanned, encryptRecords, splitFetchedRecords, type FetchedBatch } from "./record-batches.js";

const PRODUCE = 0;
const FETCH = 1;
const SHARE_FETCH = 78;
/** The key slot encryption uses; decryption passes take slots from 0 up but never overlap it in
 * time (both run synchronously, and each releases its slots before returning). */
const ENCRYPT_SLOT = 0;
/** Produce requests whose locally failed partitions await the broker's response. */
const MAX_PENDING = 10_000;

export interface EncryptionFilterOptions {
  wasm: KsealFilter;
  deks: DekManager;
  edeks: EdekCache;
  selector: KekSelector;
  unresolvedKeyPolicy: UnresolvedKeyPolicy;
  /** True while the running module's policy requires a KEK for every topic (strict): a rule
   * marking a topic clear is then refused like a topic without a KEK, never forwarded in clear. */
  requireKek?: () => boolean;
  /** Most records one DEK lease may cover (the DEK manager's maxRecords). */
  maxLeaseRecords?: number;
  /** Sandbox worker pool (host/sandbox): when set, produce encryption runs there, one DEK lease
   * and one worker call per partition, so the partitions of a request use every core. */
  pool?: ProducePool;
  logger?: Logger;
}

/** What the filter needs of host/sandbox's WorkerPool. */
export interface ProducePool {
  encryptProduce(records: Buffer[], key: { dek: Buffer; edek: Buffer; budget: number; ivSeed?: Buffer }): Promise<(Buffer | Error)[]>;
}

export interface EncryptionStats {
  encryptedPartitions: number;
  clearPartitions: number;
  produceFailures: number;
  decryptedPartitions: number;
  fetchFailures: number;
}

/** One fetched partition on its way through decryption. */
interface PartitionWork {
  topic: string;
  part: FetchPartitionData | ShareFetchPartitionData;
  batches: FetchedBatch[];
  trailing: Buffer;
  /** Index of the next batch to decrypt; out holds the results before it. */
  next: number;
  out: Buffer[];
  changed: boolean;
  /** Stopped this round: the next batch needs a DEK being resolved. */
  waiting: boolean;
  error?: PartitionError;
}

interface FailedPartition {
  name: string | undefined;
  topicId: string | undefined;
  index: number;
  error: PartitionError;
}

export interface EncryptionFilter extends ProxyFilter {
  stats(): EncryptionStats;
}

export function createEncryptionFilter(o: EncryptionFilterOptions): EncryptionFilter {
  const log = (o.logger ?? rootLog).child({ filter: "encryption" });
  const wasm = o.wasm;
  const groupMax = Math.min(o.maxLeaseRecords ?? Number.MAX_SAFE_INTEGER, 1 << 20);
  const pending = new Map<string, FailedPartition[]>();
  const warnedUnresolved = new Set<string>();
  const counters: EncryptionStats = { encryptedPartitions: 0, clearPartitions: 0, produceFailures: 0, decryptedPartitions: 0, fetchFailures: 0 };

  /** What a partition gets when no DEK could be leased for it; undefined = pass it in clear. */
  function leaseFailure(j: { name: string; alias: string; part: PartitionProduceData }, reason: unknown): PartitionError | undefined {
    if (isKsealError(reason, "KMS_UNKNOWN_ALIAS")) {
      if (o.unresolvedKeyPolicy === "passthrough") {
        counters.clearPartitions++;
        if (!warnedUnresolved.has(j.alias)) {
          warnedUnresolved.add(j.alias);
          log.warn({ topic: j.name, alias: j.alias }, "KMS does not know this topic's KEK alias; its records pass through in clear (unresolvedKeyPolicy=passthrough)");
        }
        return undefined;
      }
      return {
        code: KafkaError.INVALID_RECORD,
        message: `kseal: topic ${j.name} has no KEK (alias ${j.alias} unknown to the KMS) and unresolvedKeyPolicy is reject`,
      };
    }
    log.warn({ topic: j.name, partition: j.part.index, alias: j.alias, err: errText(reason) }, "no DEK for produce; partition answered with an error, nothing forwarded");
    return produceErrorFor(reason);
  }

  async function onProduceRequest(ctx: FilterContext, msg: ProduceRequest): Promise<boolean> {
    const v = ctx.header.apiVersion;
    interface Job { topic: TopicProduceData; part: PartitionProduceData; name: string; alias: string; count: number }
    const jobs: Job[] = [];
    const failed: { topic: TopicProduceData; part: PartitionProduceData; name: string | undefined; error: PartitionError }[] = [];
    for (const topic of msg.topicData) {
      const name = v >= 13 ? (topic.topicId === undefined ? undefined : ctx.proxy.topics.nameOf(topic.topicId)) : topic.name;
      for (const part of topic.partitionData) {
        if (!part.records || part.records.length === 0) continue;
        if (name === undefined) {
          // Produce v13 names topics by id only: without the name there is no KEK, so fail closed.
          failed.push({ topic, part, name, error: { code: KafkaError.UNKNOWN_TOPIC_ID, message: "kseal: topic id not seen in a Metadata response yet; refresh metadata" } });
          continue;
        }
        const sel = o.selector.select(name);
        if (sel.kind === "clear") {
          if (o.requireKek?.()) { failed.push({ topic, part, name, error: { code: KafkaError.INVALID_RECORD, message: `kseal: topic ${name} is marked clear but the filter module's policy requires a KEK for every topic` } }); continue; }
          counters.clearPartitions++;
          continue;
        }
        let count: number;
        try {
          count = countProduceRecords(part.records);
        } catch (e) {
          failed.push({ topic, part, name, error: produceErrorFor(e) });
          continue;
        }
        if (count > 0) jobs.push({ topic, part, name, alias: sel.alias, count });
      }
    }
    if (jobs.length === 0 && failed.length === 0) return false;

    let changed = false;
    // Partitions under one alias share one lease and one key load (the key schedule costs about
    // as much as encrypting a few records), up to groupMax records per lease.
    const groups: { alias: string; jobs: Job[]; count: number }[] = [];
    for (const j of jobs) {
      const g = o.pool ? undefined : groups.find((x) => x.alias === j.alias && x.count + j.count <= groupMax);
      if (g) {
        g.jobs.push(j);
        g.count += j.count;
      } else {
        groups.push({ alias: j.alias, jobs: [j], count: j.count });
      }
    }
    const leases = await Promise.allSettled(groups.map((g) => o.deks.lease(g.alias, g.count)));
    const encryptFailed = (j: Job, e: unknown) => {
      log.warn({ topic: j.name, partition: j.part.index, err: errText(e) }, "encryption failed; partition answered with an error, nothing forwarded");
      failed.push({ topic: j.topic, part: j.part, name: j.name, error: produceErrorFor(e) });
    };
    const pooled: Promise<void>[] = [];
    groups.forEach((g, i) => {
      const l = leases[i]!;
      if (l.status === "rejected") {
        for (const j of g.jobs) {
          const error = leaseFailure(j, l.reason);
          if (error) failed.push({ topic: j.topic, part: j.part, name: j.name, error });
        }
        return;
      }
      const lease = l.value;
      if (o.pool) {
        pooled.push(o.pool.encryptProduce(g.jobs.map((j) => j.part.records!), { dek: lease.dek, edek: lease.edek, budget: lease.records, ivSeed: lease.ivSeed })
          .then((outs) => outs.forEach((out, k) => {
            const j = g.jobs[k]!;
            if (out instanceof Error) return encryptFailed(j, out);
            if (out !== j.part.records) {
              j.part.records = out;
              changed = true;
            }
            counters.encryptedPartitions++;
          }), (e: unknown) => { for (const j of g.jobs) encryptFailed(j, e); })
          .finally(() => lease.release()));
        return;
      }
      try {
        wasm.releaseKey(ENCRYPT_SLOT);
        wasm.loadKey(ENCRYPT_SLOT, lease.dek, lease.edek, { budget: lease.records, ivSeed: lease.ivSeed });
        try {
          for (const j of g.jobs) {
            try {
              const out = encryptRecords(wasm, j.part.records!, ENCRYPT_SLOT);
              if (out !== j.part.records) {
                j.part.records = out;
                changed = true;
              }
              counters.encryptedPartitions++;
            } catch (e) {
              log.warn({ topic: j.name, partition: j.part.index, err: errText(e) }, "encryption failed; partition answered with an error, nothing forwarded");
              failed.push({ topic: j.topic, part: j.part, name: j.name, error: produceErrorFor(e) });
            }
          }
        } finally {
          try {
            wasm.releaseKey(ENCRYPT_SLOT);
          } catch {
            // instance replaced after a trap: the slot is gone with it
          }
        }
      } catch (e) {
        for (const j of g.jobs) {
          log.warn({ topic: j.name, partition: j.part.index, err: errText(e) }, "encryption failed; partition answered with an error, nothing forwarded");
          failed.push({ topic: j.topic, part: j.part, name: j.name, error: produceErrorFor(e) });
        }
      } finally {
        lease.release();
      }
    });
    await Promise.all(pooled);

    if (failed.length > 0) {
      counters.produceFailures += failed.length;
      const drop = new Set(failed.map((f) => f.part));
      for (const t of msg.topicData) t.partitionData = t.partitionData.filter((p) => !drop.has(p));
      msg.topicData = msg.topicData.filter((t) => t.partitionData.length > 0);
      if (msg.acks !== 0) {
        if (pending.size >= MAX_PENDING) pending.delete(pending.keys().next().value!);
        pending.set(`${ctx.connectionId}:${ctx.header.correlationId}`, failed.map((f) => ({
          name: f.topic.name, topicId: f.topic.topicId, index: f.part.index, error: f.error,
        })));
      }
      changed = true;
    }
    return changed;
  }

  function onProduceResponse(ctx: FilterContext, res: ProduceResponse): boolean {
    const key = `${ctx.connectionId}:${ctx.header.correlationId}`;
    const failed = pending.get(key);
    if (!failed) return false;
    pending.delete(key);
    const v = ctx.header.apiVersion;
    for (const f of failed) {
      let t = res.responses.find((r) => (v >= 13 ? r.topicId === f.topicId : r.name === f.name));
      if (!t) {
        t = v >= 13 ? { topicId: f.topicId, partitionResponses: [] } : { name: f.name, partitionResponses: [] };
        res.responses.push(t);
      }
      t.partitionResponses.push({
        index: f.index,
        errorCode: f.error.code,
        baseOffset: -1n,
        logAppendTimeMs: -1n,
        logStartOffset: -1n,
        recordErrors: [],
        errorMessage: f.error.message,
      });
    }
    return true;
  }

  async function onFetchResponse(ctx: FilterContext, res: FetchResponse | ShareFetchResponse, share: boolean): Promise<boolean> {
    const v = ctx.header.apiVersion;
    const parts: PartitionWork[] = [];
    for (const t of res.responses as { topic?: string; topicId?: string; partitions: (FetchPartitionData | ShareFetchPartitionData)[] }[]) {
      const topic = (share || v >= 13 ? (t.topicId === undefined ? undefined : ctx.proxy.topics.nameOf(t.topicId) ?? t.topicId) : t.topic) ?? "?";
      for (const part of t.partitions) {
        if (!part.records || part.records.length === 0) continue;
        const { batches, trailing } = splitFetchedRecords(part.records);
        parts.push({ topic, part, batches, trailing, next: 0, out: [], changed: false, waiting: false });
      }
    }
    if (parts.length === 0) return false;

    // Rounds: decrypt as far as the DEKs at hand allow (synchronously), then resolve the EDEKs that
    // were missing, all at once, and go on. Batches are first tried with the keys already loaded,
    // so the EDEKs of a batch are listed only when it needs a key not loaded yet.
    const deks = new Map<string, Buffer>();
    const unresolved = new Map<string, unknown>();
    const refs: DekRef[] = [];
    const slots = new DecryptSlots(wasm, deks);
    let touched = false;
    try {
      for (;;) {
        const missing = new Map<string, Buffer>();
        for (const w of parts) advance(w, slots, deks, unresolved, missing);
        if (missing.size === 0) break;
        // No slot stays loaded across an await: another request may run meanwhile.
        slots.release();
        const keys = [...missing.keys()];
        const settled = await Promise.allSettled(keys.map((k) => o.edeks.resolve(missing.get(k)!)));
        settled.forEach((r, i) => {
          if (r.status === "fulfilled") {
            refs.push(r.value);
            deks.set(keys[i]!, r.value.dek);
          } else {
            unresolved.set(keys[i]!, r.reason);
          }
        });
        for (const w of parts) w.waiting = false;
      }
      for (const w of parts) {
        if (w.error) {
          touched = true;
          counters.fetchFailures++;
          if (w.out.length === 0 || share) setError(w.part, w.error, share);
          else w.part.records = Buffer.concat(w.out);
        } else if (w.changed) {
          touched = true;
          counters.decryptedPartitions++;
          w.part.records = Buffer.concat([...w.out, w.trailing]);
        }
      }
    } finally {
      slots.release();
      for (const r of refs) r.release();
    }
    return touched;
  }

  /** Decrypts a partition's batches in order until one needs a DEK not resolved yet (added to
   * `missing`), one fails (w.error), or all are done. */
  function advance(w: PartitionWork, slots: DecryptSlots, deks: Map<string, Buffer>, unresolved: Map<string, unknown>, missing: Map<string, Buffer>): void {
    while (!w.error && !w.waiting && w.next < w.batches.length) {
      const b = w.batches[w.next]!;
      try {
        if (!b.plain) {
          w.out.push(b.original);
          w.next++;
          continue;
        }
        if (slots.size > 0) {
          const r = decryptScanned(wasm, { ...b, edeks: [] }, slots.loaded());
          if (r.ok) {
            accept(w, b, r.batch);
            continue;
          }
          if (!r.failures.every((f) => f.reason === "KEY_NOT_LOADED")) {
            failBatch(w, b, r.failures);
            return;
          }
        }
        const edeks = wasm.listEdeks(b.plain);
        if (edeks.length === 0) {
          w.out.push(b.original);
          w.next++;
          continue;
        }
        const lost = edeks.find((e) => unresolved.has(e.toString("latin1")));
        if (lost) {
          const cause = unresolved.get(lost.toString("latin1"));
          w.error = fetchErrorFor(cause);
          log.warn({ topic: w.topic, partition: w.part.partitionIndex, offset: String(b.baseOffset), err: errText(cause) }, "DEK of fetched records unavailable; partition answered with an error");
          return;
        }
        const need = edeks.filter((e) => !deks.has(e.toString("latin1")));
        if (need.length > 0) {
          for (const e of need) missing.set(e.toString("latin1"), e);
          w.waiting = true;
          return;
        }
        slots.prepare(edeks);
        const r = decryptScanned(wasm, { ...b, edeks }, slots.slotFor);
        if (r.ok) accept(w, b, r.batch);
        else failBatch(w, b, r.failures);
      } catch (e) {
        log.warn({ topic: w.topic, partition: w.part.partitionIndex, offset: String(b.baseOffset), err: errText(e) }, "fetched batch could not be decrypted");
        w.error = fetchErrorFor(e);
      }
    }
  }

  function accept(w: PartitionWork, b: FetchedBatch, out: Buffer): void {
    if (out !== b.original) w.changed = true;
    w.out.push(out);
    w.next++;
  }

  function failBatch(w: PartitionWork, b: FetchedBatch, failures: { index: number; reason: string }[]): void {
    for (const f of failures.slice(0, 10)) {
      log.error({ topic: w.topic, partition: w.part.partitionIndex, batchOffset: String(b.baseOffset), recordIndex: f.index, reason: f.reason }, "record failed to decrypt (integrity or format); nothing of its batch is released");
    }
    w.error = { code: KafkaError.CORRUPT_MESSAGE, message: `kseal: records at offset ${b.baseOffset} failed to decrypt` };
  }

  return {
    name: "encryption",
    wantsRequest: (apiKey) => apiKey === PRODUCE,
    // Produce responses too: partitions the proxy failed locally are added to them.
    wantsResponse: (apiKey) => apiKey === PRODUCE || apiKey === FETCH || apiKey === SHARE_FETCH,
    onRequest(ctx, msg) {
      return onProduceRequest(ctx, msg as ProduceRequest);
    },
    onResponse(ctx, msg) {
      switch (ctx.header.apiKey) {
        case PRODUCE:
          return onProduceResponse(ctx, msg as ProduceResponse);
        case FETCH:
          return onFetchResponse(ctx, msg as FetchResponse, false);
        case SHARE_FETCH:
          return onFetchResponse(ctx, msg as ShareFetchResponse, true);
        default:
          return false;
      }
    },
    stats: () => ({ ...counters }),
  };
}

function setError(part: FetchPartitionData | ShareFetchPartitionData, e: PartitionError, share: boolean): void {
  part.errorCode = e.code;
  part.records = Buffer.alloc(0);
  if (share) {
    const s = part as ShareFetchPartitionData;
    s.errorMessage = e.message;
    // Records not handed out are not acquired by this member: they are redelivered after the lock.
    s.acquiredRecords = [];
  }
}

function errText(e: unknown): string {
  if (isKsealError(e)) return `${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}
