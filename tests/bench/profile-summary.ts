// Summarizes V8 .cpuprofile files (node --cpu-prof) by self time and by inclusive time per
// function, mapped back through the compiled host's source maps to host/**.ts file:line.

import { existsSync, readFileSync } from "node:fs";
import { SourceMap, type SourceMapPayload } from "node:module";
import { fileURLToPath } from "node:url";
import { relative } from "node:path";

interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; hitCount?: number; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; samples?: number[]; startTime: number; endTime: number }

export interface ProfileEntry {
  /** function name and where it is defined (host/…/x.ts:line for our code). */
  name: string;
  selfPercent: number;
  totalPercent: number;
  /** For code outside host/ (natives, node internals, WASM): the nearest host/ frames above it. */
  via?: { name: string; percent: number }[];
}

export interface ProfileSummary {
  file: string;
  samples: number;
  /** Samples with the thread(s) busy; x the sampling interval = CPU time. */
  busySamples: number;
  /** Share of samples the thread was idle (waiting on I/O). */
  idlePercent: number;
  /** Percentages below are of busy (non-idle) samples. */
  top: ProfileEntry[];
  byFile: { file: string; selfPercent: number }[];
  /** Our host functions by inclusive time (where the time goes, from our code's view). */
  hostInclusive: ProfileEntry[];
}

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const maps = new Map<string, SourceMap | null>();

function sourceMapFor(path: string): SourceMap | null {
  if (!maps.has(path)) {
    let m: SourceMap | null = null;
    try {
      if (existsSync(`${path}.map`)) m = new SourceMap(JSON.parse(readFileSync(`${path}.map`, "utf8")) as SourceMapPayload);
    } catch {
      m = null;
    }
    maps.set(path, m);
  }
  return maps.get(path)!;
}

/** "host/proxy/connection.ts:123" for compiled host code, a short location for the rest. */
export function locate(f: CallFrame): { file: string; where: string } {
  if (!f.url) return { file: f.functionName || "(native)", where: "" };
  if (f.url.startsWith("wasm://")) return { file: "(wasm)", where: "" };
  if (!f.url.startsWith("file://")) return { file: f.url.replace(/^node:/, "node:"), where: f.url };
  const path = fileURLToPath(f.url);
  const map = sourceMapFor(path);
  if (map) {
    const e = map.findEntry(f.lineNumber, f.columnNumber) as { originalSource?: string; originalLine?: number };
    if (e.originalSource) {
      // A host built at another revision (build/bench/host-<sha>/host/…) reads as host/… too.
      const src = relative(ROOT, e.originalSource.startsWith("file://") ? fileURLToPath(e.originalSource) : new URL(e.originalSource, `file://${path}`).pathname)
        .replace(/^build\/bench\/host-[0-9a-f]+\//, "");
      return { file: src, where: `${src}:${(e.originalLine ?? 0) + 1}` };
    }
  }
  const rel = relative(ROOT, path).replace(/^.*node_modules\//, "node_modules/");
  return { file: rel, where: `${rel}:${f.lineNumber + 1}` };
}

/** One summary over several profiles (e.g. every worker thread), which share a sampling interval. */
export function summarizeProfile(file: string | string[], top = 25): ProfileSummary {
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const files = new Map<string, number>();
  const via = new Map<string, Map<string, number>>();
  let idle = 0;
  let busy = 0;
  let count = 0;
  for (const f of Array.isArray(file) ? file : [file]) {
    const p = JSON.parse(readFileSync(f, "utf8")) as CpuProfile;
    // One sample per entry of p.samples; fall back to hitCount when samples are absent.
    const samples = p.samples ?? p.nodes.flatMap((n) => Array<number>(n.hitCount ?? 0).fill(n.id));
    count += samples.length;
    const r = tally(p, samples, self, total, files, via);
    idle += r.idle;
    busy += r.busy;
  }
  const pct = (n: number) => Math.round((1000 * n) / Math.max(1, busy)) / 10;
  return {
    file: Array.isArray(file) ? `${file.length} profile(s)` : file,
    samples: count,
    busySamples: busy,
    idlePercent: Math.round((1000 * idle) / Math.max(1, count)) / 10,
    top: [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)
      .map(([name, n]) => {
        const v = name.includes(" host/") ? undefined : via.get(name);
        return {
          name, selfPercent: pct(n), totalPercent: pct(total.get(name) ?? n),
          ...(v && { via: [...v.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([c, k]) => ({ name: c, percent: pct(k) })) }),
        };
      }),
    byFile: [...files.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([f, n]) => ({ file: f, selfPercent: pct(n) })),
    hostInclusive: [...total.entries()].filter(([k]) => k.includes(" host/")).sort((a, b) => b[1] - a[1]).slice(0, 20)
      .map(([name, n]) => ({ name, selfPercent: pct(self.get(name) ?? 0), totalPercent: pct(n) })),
  };
}

function tally(
  p: CpuProfile, samples: number[], self: Map<string, number>, total: Map<string, number>, files: Map<string, number>, via: Map<string, Map<string, number>>,
) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = new Map<number, { key: string; file: string }>();
  for (const n of p.nodes) {
    const loc = locate(n.callFrame);
    const fn = n.callFrame.functionName || "(anonymous)";
    keyOf.set(n.id, { key: loc.where ? `${fn} ${loc.where}` : fn, file: loc.file });
  }
  let idle = 0;
  let busy = 0;
  for (const id of samples) {
    const k = keyOf.get(id)!;
    if (k.key === "(idle)") {
      idle++;
      continue;
    }
    busy++;
    self.set(k.key, (self.get(k.key) ?? 0) + 1);
    files.set(k.file, (files.get(k.file) ?? 0) + 1);
    const seen = new Set<string>();
    let nearestHost: string | undefined;
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const key = keyOf.get(cur)!.key;
      if (nearestHost === undefined && cur !== id && key.includes(" host/")) nearestHost = key;
      if (seen.has(key) || !byId.has(cur)) continue;
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + 1);
    }
    if (nearestHost !== undefined) {
      let m = via.get(k.key);
      if (!m) via.set(k.key, (m = new Map()));
      m.set(nearestHost, (m.get(nearestHost) ?? 0) + 1);
    }
  }
  return { idle, busy };
}

export function formatSummary(s: ProfileSummary): string {
  const out = [`${s.file}: ${s.samples} samples, ${s.busySamples} busy (${s.idlePercent}% idle); % of busy samples`, "  self%  total%  function"];
  for (const e of s.top) {
    out.push(`  ${String(e.selfPercent).padStart(5)}  ${String(e.totalPercent).padStart(6)}  ${e.name}`);
    if (e.selfPercent >= 2) for (const v of e.via ?? []) out.push(`                  via ${v.name} (${v.percent}%)`);
  }
  out.push("  by file (self%):");
  for (const f of s.byFile) out.push(`  ${String(f.selfPercent).padStart(5)}  ${f.file}`);
  out.push("  host functions by inclusive time (total%):");
  for (const e of s.hostInclusive) out.push(`  ${String(e.totalPercent).padStart(5)}  ${e.name}`);
  return out.join("\n");
}
