/**
 * Runs fuzz cases. Case `index` of target `t` in the run seeded `seed` is built from its own
 * generator (prng.ts), so any case can be replayed alone. A case is: pick a corpus item, then
 * either replace it with random bytes (4%) or stack 1-4 mutators on it, then (60%) let the target
 * repair checksums; then feed it to the target under a time budget.
 */
import { performance } from "node:perf_hooks";
import { KsealError } from "../../host/errors.js";
import { mutate } from "./mutators.js";
import { Prng } from "./prng.js";
import { Finding, type FindingKind, type FuzzTarget, type Seed } from "./target.js";

export interface FuzzCase<M> {
  bytes: Buffer;
  seed: Seed<M>;
  rng: Prng;
}

export function makeCase<M>(target: FuzzTarget<M>, seeds: readonly Seed<M>[], runSeed: number, index: number): FuzzCase<M> {
  const r = Prng.forCase(runSeed, target.name, index);
  const seed = r.pick(seeds);
  let bytes: Buffer;
  if (r.chance(0.04)) {
    bytes = r.bytes(r.smallLength(r.chance(0.5) ? 64 : 4096));
  } else {
    bytes = mutate(seed.bytes, r, () => r.pick(seeds).bytes);
  }
  if (target.fixup && r.chance(0.6)) bytes = target.fixup(bytes, seed.meta, r);
  return { bytes, seed, rng: r };
}

export interface Failure {
  target: string;
  seed: number;
  index: number;
  kind: FindingKind;
  message: string;
  stack?: string;
  corpusItem: string;
  inputHex: string;
  inputLength: number;
}

export interface CaseOutcome {
  failure?: Failure;
  /** Error code when the input was rejected cleanly; undefined when it was accepted. */
  rejected?: string;
  /** The target's label for an accepted input. */
  label?: string;
  ms: number;
}

const HEX_LIMIT = 8192;

export function failureOf(target: string, runSeed: number, index: number, c: FuzzCase<unknown> | undefined, kind: FindingKind, e: unknown): Failure {
  const err = e instanceof Error ? e : new Error(String(e));
  return {
    target,
    seed: runSeed,
    index,
    kind,
    message: `${err.name}: ${err.message}`.slice(0, 2000),
    stack: err.stack?.split("\n").slice(0, 12).join("\n"),
    corpusItem: c?.seed.label ?? "?",
    inputHex: c ? c.bytes.subarray(0, HEX_LIMIT).toString("hex") : "",
    inputLength: c?.bytes.length ?? 0,
  };
}

/** Runs case `index`; never throws. */
export async function runCase<M>(target: FuzzTarget<M>, seeds: readonly Seed<M>[], runSeed: number, index: number, budgetMs: number): Promise<CaseOutcome> {
  const start = performance.now();
  let c: FuzzCase<M> | undefined;
  let outcome: CaseOutcome;
  try {
    c = makeCase(target, seeds, runSeed, index);
    let label = target.run(c.bytes, c.seed.meta, c.rng);
    if (label instanceof Promise) label = await label;
    outcome = { ms: 0, label: label || undefined };
  } catch (e) {
    if (e instanceof KsealError) outcome = { ms: 0, rejected: e.code };
    else if (e instanceof Finding) outcome = { ms: 0, failure: failureOf(target.name, runSeed, index, c as FuzzCase<unknown>, e.kind, e) };
    else outcome = { ms: 0, failure: failureOf(target.name, runSeed, index, c as FuzzCase<unknown>, "crash", e) };
  }
  outcome.ms = performance.now() - start;
  if (!outcome.failure && outcome.ms > budgetMs) {
    // Over its budget counts as a hang (a real endless loop is caught by run.ts's watchdog).
    outcome.failure = failureOf(target.name, runSeed, index, c as FuzzCase<unknown>, "hang", new Error(`case took ${outcome.ms.toFixed(0)} ms, budget ${budgetMs} ms`));
  }
  return outcome;
}

export interface RangeStats {
  target: string;
  cases: number;
  accepted: number;
  rejected: number;
  /** Clean rejections by KsealError code. */
  codes: Record<string, number>;
  /** Accepted inputs by the target's outcome label. */
  labels: Record<string, number>;
  failures: Failure[];
  slowestMs: number;
  slowestIndex: number;
}

export function emptyStats(target: string): RangeStats {
  return { target, cases: 0, accepted: 0, rejected: 0, codes: {}, labels: {}, failures: [], slowestMs: 0, slowestIndex: -1 };
}

export function record(stats: RangeStats, index: number, o: CaseOutcome): void {
  stats.cases++;
  if (o.failure) stats.failures.push(o.failure);
  else if (o.rejected) {
    stats.rejected++;
    stats.codes[o.rejected] = (stats.codes[o.rejected] ?? 0) + 1;
  } else {
    stats.accepted++;
    if (o.label) stats.labels[o.label] = (stats.labels[o.label] ?? 0) + 1;
  }
  if (o.ms > stats.slowestMs) {
    stats.slowestMs = o.ms;
    stats.slowestIndex = index;
  }
}

/** Lets the event loop turn. Cases that only await resolved promises never let it: cleanup that
 * Node defers to process.nextTick or to a later tick (zlib closes its handle after an error that
 * way) would pile up across thousands of cases and look like a leak the proxy does not have,
 * since it handles each frame in a tick of its own. */
export function turnEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Runs cases [from, to) of one target in this process (the npm test subset uses this). */
export async function runRange<M>(target: FuzzTarget<M>, seeds: readonly Seed<M>[], runSeed: number, from: number, to: number, budgetMs: number): Promise<RangeStats> {
  const stats = emptyStats(target.name);
  for (let i = from; i < to; i++) {
    record(stats, i, await runCase(target, seeds, runSeed, i, budgetMs));
    if ((i & 63) === 63) await turnEventLoop();
  }
  return stats;
}
