/**
 * The fuzz worker process (forked by run.ts): runs a plan of case ranges and reports progress,
 * failures and per-target statistics over IPC. A separate process, so that a hang, a crash in
 * native code (the snappy, lz4 and zstd bindings) or memory exhaustion takes down only this
 * worker; run.ts then finds the exact case and goes on.
 */
import { performance } from "node:perf_hooks";
import { emptyStats, record, runCase, failureOf, turnEventLoop, type Failure, type RangeStats } from "./engine.js";
import { targetNamed } from "./targets/index.js";
import type { Seed } from "./target.js";

export interface ChildJob {
  seed: number;
  budgetMs: number;
  maxRssMb: number;
  /** Report each case before running it (to find the case that hangs or kills the process). */
  pinpoint: boolean;
  plan: Array<{ target: string; from: number; to: number }>;
}

export type ChildMessage =
  | { type: "setup"; target: string; seeds: number; ms: number }
  | { type: "case"; target: string; index: number }
  | { type: "progress"; target: string; lastDone: number; cases: number; failures: number; rss: number; heapUsed: number }
  | { type: "failure"; failure: Failure }
  | { type: "target-done"; stats: Omit<RangeStats, "failures"> & { failures: number }; rssPeak: number; heapPeak: number; rssStart: number; rssEnd: number }
  | { type: "done" };

function send(m: ChildMessage): Promise<void> {
  return new Promise((resolve) => process.send!(m, undefined, undefined, () => resolve()));
}

async function main(job: ChildJob): Promise<void> {
  let cases = 0;
  let failures = 0;
  for (const step of job.plan) {
    const target = targetNamed(step.target);
    if (!target) throw new Error(`no target ${step.target}`);
    const t0 = performance.now();
    const seeds: Seed<unknown>[] = await target.setup();
    await send({ type: "setup", target: target.name, seeds: seeds.length, ms: performance.now() - t0 });
    const stats = emptyStats(target.name);
    // RSS after a full collection, before and after the target's cases: growth that survives a
    // collection over hundreds of thousands of cases is a leak, not garbage.
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const rssStart = process.memoryUsage.rss();
    let lastReport = performance.now();
    let rssPeak = 0;
    let heapPeak = 0;
    for (let i = step.from; i < step.to; i++) {
      if (job.pinpoint) await send({ type: "case", target: target.name, index: i });
      const o = await runCase(target, seeds, job.seed, i, job.budgetMs);
      record(stats, i, o);
      cases++;
      if (o.failure) {
        failures++;
        await send({ type: "failure", failure: o.failure });
      }
      if ((i & 63) === 63 || job.pinpoint || i === step.to - 1) {
        await turnEventLoop();
        const m = process.memoryUsage();
        rssPeak = Math.max(rssPeak, m.rss);
        heapPeak = Math.max(heapPeak, m.heapUsed);
        if (m.rss > job.maxRssMb * 1024 * 1024) {
          await send({ type: "failure", failure: failureOf(target.name, job.seed, i, undefined, "memory", new Error(`worker RSS ${(m.rss / 2 ** 20).toFixed(0)} MiB over ${job.maxRssMb} MiB after case ${i}`)) });
          process.exit(3);
        }
        const now = performance.now();
        if (now - lastReport > 500 || i === step.to - 1) {
          lastReport = now;
          await send({ type: "progress", target: target.name, lastDone: i, cases, failures, rss: m.rss, heapUsed: m.heapUsed });
        }
      }
    }
    await turnEventLoop();
    gc?.();
    const rssEnd = process.memoryUsage.rss();
    const { failures: list, ...rest } = stats;
    await send({ type: "target-done", stats: { ...rest, failures: list.length }, rssPeak, heapPeak, rssStart, rssEnd });
  }
  await send({ type: "done" });
}

process.once("message", (job: ChildJob) => {
  main(job).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error("fuzz worker failed:", e);
      process.exit(2);
    },
  );
});
