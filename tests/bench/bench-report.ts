// Medians, ratios to direct and the tables of the proxy benchmark suite.

import type { Mode } from "./bench-options.js";
import type { FixedRateResult, Percentiles, Throughput } from "./load-gen.js";
import type { Usage } from "./proc-usage.js";

export interface Cell { size: number; topics: number }

export interface MaxRun { cell: Cell; mode: Mode; round: number; kind: "produce" | "consume"; result: Throughput; usage?: Usage }
export interface FixedRun { cell: Cell; mode: Mode; round: number; result: FixedRateResult; usage?: Usage }

/** Proxy CPU per throughput: (CPU s / wall s x 1000) / (MiB / wall s) = CPU ms per MiB of record values. */
export const millicoresPerMBps = (u: Usage, bytes: number) => (u.cpuSeconds * 1000) / (bytes / 1048576);

export function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The largest finite value, NaN when there is none. */
export function maxOf(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x));
  return s.length ? Math.max(...s) : NaN;
}

const r = (x: number, d = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : NaN);
const sameCell = (a: Cell, b: Cell) => a.size === b.size && a.topics === b.topics;

export interface ThroughputSummary {
  recordsPerSec: number;
  mbPerSec: number;
  /** Median over rounds of (this mode / direct in the same round). */
  vsDirect: number;
  mcPerMBps: number;
  peakRssMb: number;
  cpuCores: number;
}

export interface FixedSummary {
  rate: number;
  produce: Pick<Percentiles, "p50Ms" | "p99Ms" | "p999Ms" | "meanMs">;
  e2e: Pick<Percentiles, "p50Ms" | "p99Ms" | "p999Ms" | "meanMs">;
  maxSendBehindMs: number;
  mcPerMBps: number;
  peakRssMb: number;
}

export interface CellSummary {
  cell: Cell;
  modes: Partial<Record<Mode, { produce?: ThroughputSummary; consume?: ThroughputSummary; fixed?: FixedSummary }>>;
}

function throughput(runs: MaxRun[], mode: Mode, kind: "produce" | "consume"): ThroughputSummary | undefined {
  const mine = runs.filter((x) => x.mode === mode && x.kind === kind);
  if (mine.length === 0) return undefined;
  const ratios = mine.map((x) => {
    const d = runs.find((y) => y.mode === "direct" && y.kind === kind && y.round === x.round);
    return d ? x.result.mbPerSec / d.result.mbPerSec : NaN;
  });
  const used = mine.filter((x) => x.usage);
  return {
    recordsPerSec: r(median(mine.map((x) => x.result.recordsPerSec)), 0),
    mbPerSec: r(median(mine.map((x) => x.result.mbPerSec))),
    vsDirect: r(median(ratios), 3),
    mcPerMBps: r(median(used.map((x) => millicoresPerMBps(x.usage!, x.result.bytes))), 1),
    peakRssMb: r(maxOf(used.map((x) => x.usage!.peakRssMb)), 0),
    cpuCores: r(median(used.map((x) => x.usage!.cpuSeconds / x.result.seconds)), 2),
  };
}

function fixed(runs: FixedRun[], mode: Mode, size: number): FixedSummary | undefined {
  const mine = runs.filter((x) => x.mode === mode);
  if (mine.length === 0) return undefined;
  const pick = (f: (x: FixedRateResult) => Percentiles) => ({
    meanMs: r(median(mine.map((x) => f(x.result).meanMs))),
    p50Ms: r(median(mine.map((x) => f(x.result).p50Ms))),
    p99Ms: r(median(mine.map((x) => f(x.result).p99Ms))),
    p999Ms: r(median(mine.map((x) => f(x.result).p999Ms))),
  });
  const used = mine.filter((x) => x.usage);
  return {
    rate: r(mine[0]!.result.rate, 0),
    produce: pick((x) => x.produce),
    e2e: pick((x) => x.e2e),
    maxSendBehindMs: r(Math.max(...mine.map((x) => x.result.maxSendBehindMs))),
    // Produce and consume both cross the proxy: 2x the records' bytes per run.
    mcPerMBps: r(median(used.map((x) => millicoresPerMBps(x.usage!, 2 * x.result.records * size))), 1),
    peakRssMb: r(maxOf(used.map((x) => x.usage!.peakRssMb)), 0),
  };
}

export function summarize(cells: Cell[], modes: Mode[], maxRuns: MaxRun[], fixedRuns: FixedRun[]): CellSummary[] {
  return cells.map((cell) => {
    const m = maxRuns.filter((x) => sameCell(x.cell, cell));
    const f = fixedRuns.filter((x) => sameCell(x.cell, cell));
    const out: CellSummary = { cell, modes: {} };
    for (const mode of modes) out.modes[mode] = { produce: throughput(m, mode, "produce"), consume: throughput(m, mode, "consume"), fixed: fixed(f, mode, cell.size) };
    return out;
  });
}

export const REFERENCE_MC_PER_MBPS = 25;

export interface TargetCheck { name: string; value: number; goal: string; met: boolean }

/** The targets, judged at 1 KiB records (every topic count measured). */
export function checkTargets(summaries: CellSummary[]): TargetCheck[] {
  const out: TargetCheck[] = [];
  for (const s of summaries.filter((x) => x.cell.size === 1024)) {
    const at = `1 KiB, ${s.cell.topics} topic${s.cell.topics > 1 ? "s" : ""}`;
    const e = s.modes.encrypt;
    const p = s.modes.passthrough;
    const add = (name: string, value: number | undefined, goal: string, met: (v: number) => boolean) => {
      if (value !== undefined && Number.isFinite(value)) out.push({ name: `${name} (${at})`, value, goal, met: met(value) });
    };
    add("encrypting produce / direct", e?.produce?.vsDirect, ">= 0.75", (v) => v >= 0.75);
    add("passthrough produce / direct", p?.produce?.vsDirect, ">= 0.90", (v) => v >= 0.9);
    add("passthrough consume / direct", p?.consume?.vsDirect, ">= 0.90", (v) => v >= 0.9);
    add("encrypting consume / direct", e?.consume?.vsDirect, ">= 0.50", (v) => v >= 0.5);
    add("encrypting produce mc per MB/s", e?.produce?.mcPerMBps, `< ${REFERENCE_MC_PER_MBPS}`, (v) => v < REFERENCE_MC_PER_MBPS);
    add("encrypting consume mc per MB/s", e?.consume?.mcPerMBps, `< ${REFERENCE_MC_PER_MBPS}`, (v) => v < REFERENCE_MC_PER_MBPS);
  }
  return out;
}

function table(head: string[], rows: (string | number | undefined)[][]): string {
  const cells = [head, ...rows.map((row) => row.map((c) => (c === undefined || (typeof c === "number" && !Number.isFinite(c)) ? "–" : String(c))))];
  const w = head.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((c, i) => (i < 3 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join(" | ")} |`;
  return [line(cells[0]!), `|${w.map((x, i) => (i < 3 ? "-".repeat(x + 2) : `${"-".repeat(x + 1)}:`)).join("|")}|`, ...cells.slice(1).map(line)].join("\n");
}

const size = (n: number) => (n >= 1024 ? `${n / 1024} KiB` : `${n} B`);
const pct = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? undefined : `${r(x * 100, 1)}%`);

export function renderTables(summaries: CellSummary[], modes: Mode[]): string {
  const rows = (f: (s: CellSummary, m: Mode) => (string | number | undefined)[] | undefined) =>
    summaries.flatMap((s) => modes.flatMap((m) => {
      const row = f(s, m);
      return row ? [[size(s.cell.size), s.cell.topics, m, ...row]] : [];
    }));
  const max = table(
    ["size", "topics", "mode", "produce rec/s", "produce MB/s", "vs direct", "consume rec/s", "consume MB/s", "vs direct"],
    rows((s, m) => {
      const x = s.modes[m];
      return x?.produce || x?.consume ? [x.produce?.recordsPerSec, x.produce?.mbPerSec, pct(x.produce?.vsDirect), x.consume?.recordsPerSec, x.consume?.mbPerSec, pct(x.consume?.vsDirect)] : undefined;
    }),
  );
  const lat = table(
    ["size", "topics", "mode", "rate rec/s", "produce p50 ms", "p99", "p99.9", "end-to-end p50 ms", "p99", "p99.9", "send lag max ms"],
    rows((s, m) => {
      const f = s.modes[m]?.fixed;
      return f ? [f.rate, f.produce.p50Ms, f.produce.p99Ms, f.produce.p999Ms, f.e2e.p50Ms, f.e2e.p99Ms, f.e2e.p999Ms, f.maxSendBehindMs] : undefined;
    }),
  );
  const cost = table(
    ["size", "topics", "mode", "produce mc/(MB/s)", "cores", "consume mc/(MB/s)", "cores", "fixed-rate mc/(MB/s)", "peak RSS MiB"],
    rows((s, m) => {
      const x = s.modes[m];
      if (m === "direct" || !x) return undefined;
      const rss = maxOf([x.produce?.peakRssMb ?? NaN, x.consume?.peakRssMb ?? NaN, x.fixed?.peakRssMb ?? NaN]);
      return [x.produce?.mcPerMBps, x.produce?.cpuCores, x.consume?.mcPerMBps, x.consume?.cpuCores, x.fixed?.mcPerMBps, rss];
    }),
  );
  return `Max throughput (medians over rounds; "vs direct" is the median of per-round ratios)\n\n${max}\n\n` +
    `Latency at a fixed offered load (from the intended send time; medians over rounds)\n\n${lat}\n\n` +
    `Proxy cost (CPU ms per MiB of record values = millicores per MB/s; cores = CPU s / wall s)\n\n${cost}`;
}

export function renderTargets(checks: TargetCheck[]): string {
  return checks.map((c) => `${c.met ? "met   " : "MISSED"}  ${c.name}: ${c.value} (target ${c.goal})`).join("\n");
}
