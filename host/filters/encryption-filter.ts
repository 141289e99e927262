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
import { LIMITS } from "../limits.js";
import { log as rootLog } from "../log.js";
import { KafkaError } from "../protocol/kafka-errors.js";
import type { FetchPartitionData, FetchResponse } from "../protocol/messages/fetch.js";
import type { PartitionProduceData, ProduceRequest, ProduceResponse, TopicProduceData } from "../protocol/messages/produce.js";
import type { ShareFetchPartitionData, ShareFetchResponse } from "../protocol/messages/share-fetch.js";
import type { FilterContext, ProxyFilter } from "../proxy/filter.js";
import type { KsealFilter } from "../wasm/filter.js";
import { advancePartition, decryptKeys, errText, finishPartition, startPartition, type DecryptProblem } from "./fetch-decrypt.js";
import type { KekSelector } from "./kek-selector.js";
import { cutPieces, joinPieces } from "./fetch-pieces.js";
import { fetchErrorFor, produceErrorFor, type PartitionError } from "./partition-errors.js";
import { countProduceRecords, countRecords, encryptRecords } from "./record-batches.js";

const PRODUCE = 0;
const FETCH = 1;
const SHARE_FETCH = 78;
/** The key slot encryption uses; decryption passes take slots from 0 up but never overlap it in
 * time (both run synchronously, and each releases its slots before returning). */
const ENCRYPT_SLOT = 0;
/** Rounds of EDEK resolution for one pooled fetch: a partition's batches rarely span more than
 * two DEKs (one rotation), so a partition still missing keys after this many is failed. */
const MAX_FETCH_ROUNDS = 4;
/** Partitions whose last fetch's EDEKs are remembered as key hints for the next. */
const MAX_HINTS = 10_000;
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
  /** Sandbox worker pool (host/sandbox): when set, the crypto runs there. Produce: a request's
   * partitions under one alias in at most pool-size worker calls, one DEK lease each; fetch: the
   * partitions spread over the workers by size. So the partitions of a request use every core,
   * and the watchdog covers every module call. */
  pool?: FilterPool;
  /** Per-topic record counts by outcome (metrics); called synchronously, must be cheap. */
  onRecords?: (topic: string, outcome: RecordOutcome, count: number) => void;
  logger?: Logger;
}

/** What became of records, per topic. Produce: encrypted, clear (forwarded as they are, by a
 * rule or unresolvedKeyPolicy=passthrough) or refused (answered with an error, not forwarded).
 * Fetch: decrypted (the partition had encrypted records), passed (nothing to decrypt) or failed
 * (answered with an error). */
export type RecordOutcome = "encrypted" | "clear" | "refused" | "decrypted" | "passed" | "failed";

/** What the filter needs of host/sandbox's WorkerPool. */
export interface FilterPool {
  readonly size: number;
  encryptProduce(records: Buffer[], key: { dek: Buffer; edek: Buffer; budget: number; ivSeed?: Buffer }): Promise<(Buffer | Error)[]>;
  decryptFetch(parts: Buffer[], keys: { edek: Buffer; dek: Buffer }[], unresolved: { edek: Buffer; error: unknown }[]): Promise<FetchPartOutcome[]>;
}

export interface EncryptionStats {
  encryptedPartitions: number;
  clearPartitions: number;
  produceFailures: number;
  decryptedPartitions: number;
  fetchFailures: number;
}

/** One fetched partition with records, and the topic it belongs to (for logs). */
interface FetchedPartition {
  topic: string;
  part: FetchPartitionData | ShareFetchPartitionData;
}

/** What decryption made of one fetched partition: `records` undefined = unchanged; with
 * `error`, the batches decrypted before the failing one (empty: answer with the error code). */
export interface FetchPartOutcome {
  records?: Buffer;
  error?: PartitionError;
  problem?: DecryptProblem;
  /** Pool only: EDEKs of the next batch not among the DEKs sent along. */
  missing: Buffer[];
  /** Pool only: every EDEK the partition's batches named (the next fetch's key hints). */
  seen: Buffer[];
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
  const hints = new KeyHints(MAX_HINTS);
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
          o.onRecords?.(name, "clear", countRecords(part.records));
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
    // as much as encrypting a few records), up to groupMax records per lease. With a pool, each
    // group is one worker call. Concurrent requests already keep every worker busy, so a request
    // is split only when it is large: an alias gets one group per sandboxSplitBytes of records,
    // at most pool-size, filled evenly.
    const split = new Map<string, number>();
    if (o.pool) {
      for (const j of jobs) split.set(j.alias, (split.get(j.alias) ?? 0) + j.part.records!.length);
      for (const [alias, bytes] of split) split.set(alias, Math.max(1, Math.min(o.pool.size, Math.ceil(bytes / LIMITS.sandboxSplitBytes))));
    }
    const groups: { alias: string; jobs: Job[]; count: number }[] = [];
    for (const j of jobs) {
      const open = groups.filter((x) => x.alias === j.alias && x.count + j.count <= groupMax);
      const g = !o.pool ? open[0] : open.length >= split.get(j.alias)! ? open.reduce((a, b) => (b.count < a.count ? b : a)) : undefined;
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
          else o.onRecords?.(j.name, "clear", j.count);
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
            o.onRecords?.(j.name, "encrypted", j.count);
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
              o.onRecords?.(j.name, "encrypted", j.count);
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
      for (const f of failed) o.onRecords?.(f.name ?? "_unknown", "refused", countRecords(f.part.records));
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
    const parts: FetchedPartition[] = [];
    for (const t of res.responses as { topic?: string; topicId?: string; partitions: (FetchPartitionData | ShareFetchPartitionData)[] }[]) {
      const topic = (share || v >= 13 ? (t.topicId === undefined ? undefined : ctx.proxy.topics.nameOf(t.topicId) ?? t.topicId) : t.topic) ?? "?";
      for (const part of t.partitions) {
        if (part.records && part.records.length > 0) parts.push({ topic, part });
      }
    }
    if (parts.length === 0) return false;
    const outcomes = o.pool ? await decryptPooled(o.pool, parts) : await decryptInline(parts);
    let touched = false;
    parts.forEach((p, i) => {
      const r = outcomes[i]!;
      if (r.problem) logProblem(p, r.problem);
      if (o.onRecords) o.onRecords(p.topic, r.error ? "failed" : r.records ? "decrypted" : "passed", countRecords(p.part.records));
      if (r.error) {
        touched = true;
        counters.fetchFailures++;
        if (!r.records || r.records.length === 0 || share) setError(p.part, r.error, share);
        else p.part.records = r.records;
      } else if (r.records) {
        touched = true;
        counters.decryptedPartitions++;
        p.part.records = r.records;
      }
    });
    // Only retriable failures and nothing delivered (KMS or sandbox away): clients would fetch
    // again at once, hundreds of times a second; answering a little later paces them.
    const failedRetriable = outcomes.filter((r) => r.error?.code === KafkaError.KAFKA_STORAGE_ERROR).length;
    if (failedRetriable === parts.length) {
      await new Promise((resolve) => setTimeout(resolve, LIMITS.fetchRetriableErrorDelayMs));
    }
    return touched;
  }

  /**
   * Decryption on the main-thread module, in rounds: decrypt as far as the DEKs at hand allow
   * (synchronously), then resolve the EDEKs that were missing, all at once, and go on.
   */
  async function decryptInline(parts: FetchedPartition[]): Promise<FetchPartOutcome[]> {
    const k = decryptKeys(wasm);
    const refs: DekRef[] = [];
    const work = parts.map((p) => startPartition(p.part.records!));
    try {
      for (;;) {
        const missing = new Map<string, Buffer>();
        for (const w of work) advancePartition(wasm, w, k, missing);
        if (missing.size === 0) break;
        // No slot stays loaded across an await: another request may run meanwhile.
        k.slots.release();
        await resolveInto(missing, k.deks, k.unresolved, refs);
        for (const w of work) w.waiting = false;
      }
      return work.map((w) => ({ records: finishPartition(w), error: w.error, problem: w.problem, missing: [], seen: [] }));
    } finally {
      k.slots.release();
      for (const r of refs) r.release();
    }
  }

  /**
   * Decryption in the sandbox's workers: the partitions are cut into pieces at batch boundaries
   * when the response is large (fetch-pieces.ts), spread over the pool by size and sent with the
   * DEKs their partition's last fetch needed (from the cache, no KMS call). Pieces that meet an
   * EDEK not sent along come back undone; their EDEKs are resolved at once and they go out
   * again. A call the sandbox fails (timeout, lost worker) fails its pieces closed.
   */
  async function decryptPooled(pool: FilterPool, parts: FetchedPartition[]): Promise<FetchPartOutcome[]> {
    const deks = new Map<string, Buffer>();
    const unresolved = new Map<string, unknown>();
    const refs: DekRef[] = [];
    const fields = parts.map((p) => p.part.records!);
    const total = fields.reduce((n, r) => n + r.length, 0);
    // Small responses go whole per partition; larger ones in pieces of at most half a worker's
    // share, so the spread below can even out the workers.
    const pieces = cutPieces(fields, total > LIMITS.sandboxSplitBytes && pool.size > 1 ? Math.ceil(total / (2 * pool.size)) : Infinity);
    const done: FetchPartOutcome[] = new Array(pieces.length);
    try {
      for (const p of parts) {
        for (const e of hints.get(p) ?? []) {
          const id = e.toString("latin1");
          if (deks.has(id)) continue;
          const ref = o.edeks.cached(e);
          if (ref) {
            refs.push(ref);
            deks.set(id, ref.dek);
          }
        }
      }
      let todo = pieces.map((_, i) => i);
      for (let round = 0; todo.length > 0; round++) {
        const keys = [...deks].map(([id, dek]) => ({ edek: Buffer.from(id, "latin1"), dek }));
        const failedKeys = [...unresolved].map(([id, error]) => ({ edek: Buffer.from(id, "latin1"), error }));
        const groups = spread(todo, (i) => pieces[i]!.records.length, pool.size);
        const missing = new Map<string, Buffer>();
        const again: number[] = [];
        await Promise.all(groups.map(async (g) => {
          let results: FetchPartOutcome[];
          try {
            results = await pool.decryptFetch(g.map((i) => pieces[i]!.records), keys, failedKeys);
          } catch (e) {
            const failed: FetchPartOutcome = { error: fetchErrorFor(e), problem: { kind: "batch-unreadable", offset: -1n, err: errText(e) }, missing: [], seen: [] };
            results = g.map(() => failed);
          }
          g.forEach((i, j) => {
            const r = results[j]!;
            const fresh = r.missing.filter((e) => !deks.has(e.toString("latin1")) && !unresolved.has(e.toString("latin1")));
            if (r.missing.length === 0) done[i] = r;
            else if (fresh.length === 0 || round >= MAX_FETCH_ROUNDS) {
              done[i] = { error: { code: KafkaError.UNKNOWN_SERVER_ERROR, message: "kseal: the DEKs of these records could not be loaded" }, missing: [], seen: r.seen };
            } else {
              for (const e of fresh) missing.set(e.toString("latin1"), e);
              again.push(i);
            }
          });
        }));
        if (again.length === 0) break;
        await resolveInto(missing, deks, unresolved, refs);
        todo = again;
      }
      const byPart = parts.map(() => [] as number[]);
      pieces.forEach((piece, k) => byPart[piece.part]!.push(k));
      return parts.map((p, i) => {
        const mine = byPart[i]!;
        const r = joinPieces(mine.map((k) => pieces[k]!), mine.map((k) => done[k]!));
        if (r.seen.length > 0) hints.set(p, r.seen);
        return r;
      });
    } finally {
      for (const r of refs) r.release();
    }
  }

  /** Resolves every missing EDEK at once (cache, then KMS): DEKs into `deks`, failures into
   * `unresolved`; the references taken go to `refs` for the caller to release. */
  async function resolveInto(missing: Map<string, Buffer>, deks: Map<string, Buffer>, unresolved: Map<string, unknown>, refs: DekRef[]): Promise<void> {
    const ids = [...missing.keys()];
    const settled = await Promise.allSettled(ids.map((id) => o.edeks.resolve(missing.get(id)!)));
    settled.forEach((r, i) => {
      if (r.status === "fulfilled") {
        refs.push(r.value);
        deks.set(ids[i]!, r.value.dek);
      } else {
        unresolved.set(ids[i]!, r.reason);
      }
    });
  }

  function logProblem(p: FetchedPartition, problem: DecryptProblem): void {
    const at = { topic: p.topic, partition: p.part.partitionIndex };
    switch (problem.kind) {
      case "dek-unavailable":
        log.warn({ ...at, offset: String(problem.offset), err: problem.err }, "DEK of fetched records unavailable; partition answered with an error");
        break;
      case "batch-unreadable":
        log.warn({ ...at, offset: String(problem.offset), err: problem.err }, "fetched batch could not be decrypted");
        break;
      case "integrity":
        for (const f of problem.failures) {
          log.error({ ...at, batchOffset: String(problem.offset), recordIndex: f.index, reason: f.reason }, "record failed to decrypt (integrity or format); nothing of its batch is released");
        }
        break;
    }
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

/** Splits item indexes into at most n groups of about equal total weight (largest first). */
function spread(items: number[], weight: (i: number) => number, n: number): number[][] {
  const groups = Array.from({ length: Math.max(1, Math.min(n, items.length)) }, () => ({ items: [] as number[], total: 0 }));
  for (const i of [...items].sort((a, b) => weight(b) - weight(a))) {
    const g = groups.reduce((a, b) => (b.total < a.total ? b : a));
    g.items.push(i);
    g.total += weight(i);
  }
  return groups.map((g) => g.items.sort((a, b) => a - b));
}

/** The EDEKs each partition's last fetch named, keyed by topic and partition, bounded. */
class KeyHints {
  private readonly byPartition = new Map<string, Buffer[]>();
  constructor(private readonly max: number) {}

  get(p: FetchedPartition): Buffer[] | undefined {
    return this.byPartition.get(`${p.topic}\0${p.part.partitionIndex}`);
  }

  set(p: FetchedPartition, edeks: Buffer[]): void {
    const key = `${p.topic}\0${p.part.partitionIndex}`;
    this.byPartition.delete(key);
    this.byPartition.set(key, edeks);
    if (this.byPartition.size > this.max) this.byPartition.delete(this.byPartition.keys().next().value!);
  }
}
