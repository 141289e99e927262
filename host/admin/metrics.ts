/**
 * A small metrics registry rendered in the Prometheus text exposition format (version 0.0.4).
 *
 * Counters, gauges and histograms with labels. Anything in the process (proxy, filters, KMS,
 * caches) may register metrics on the shared `metrics` registry; collectors registered with
 * `onCollect` run just before each scrape, so values that already live elsewhere (cache sizes,
 * a filter's own counters) are copied in at scrape time instead of being pushed on every change.
 *
 * Text format, one family:
 *   # HELP <name> <help, with \ and newline escaped>
 *   # TYPE <name> counter|gauge|histogram
 *   <name>{label="value",...} <number>
 * Histograms add <name>_bucket{le="..."} (cumulative, ending with le="+Inf"), <name>_sum, <name>_count.
 */

export type Labels = Record<string, string | number>;

type Kind = "counter" | "gauge" | "histogram";

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Family {
  name: string;
  help: string;
  kind: Kind;
  labelNames: readonly string[];
  render(out: string[]): void;
}

function labelKey(names: readonly string[], labels: Labels | undefined): string {
  if (names.length === 0) return "";
  return names.map((n) => String(labels?.[n] ?? "")).join("\u0000");
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function renderLabels(names: readonly string[], key: string, extra?: [string, string]): string {
  const parts: string[] = [];
  if (names.length > 0) {
    const values = key.split("\u0000");
    names.forEach((n, i) => parts.push(`${n}="${escapeLabel(values[i] ?? "")}"`));
  }
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

function num(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

abstract class Metric implements Family {
  protected readonly values = new Map<string, number>();
  abstract readonly kind: Kind;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  get(labels?: Labels): number {
    return this.values.get(labelKey(this.labelNames, labels)) ?? 0;
  }

  /** Forgets every series (collectors that re-set all values each scrape). */
  reset(): void {
    this.values.clear();
  }

  render(out: string[]): void {
    for (const [k, v] of this.values) out.push(`${this.name}${renderLabels(this.labelNames, k)} ${num(v)}`);
  }
}

export class Counter extends Metric {
  readonly kind = "counter" as const;

  inc(labels?: Labels, by = 1): void {
    if (!(by >= 0)) throw new Error(`counter ${this.name} cannot decrease`);
    const k = labelKey(this.labelNames, labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }

  /** Sets a counter copied from a monotonic source at collect time. */
  set(labels: Labels | undefined, value: number): void {
    this.values.set(labelKey(this.labelNames, labels), value);
  }
}

export class Gauge extends Metric {
  readonly kind = "gauge" as const;

  set(labels: Labels | undefined, value: number): void {
    this.values.set(labelKey(this.labelNames, labels), value);
  }

  inc(labels?: Labels, by = 1): void {
    const k = labelKey(this.labelNames, labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }

  dec(labels?: Labels, by = 1): void {
    this.inc(labels, -by);
  }
}

interface HistogramSeries {
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram implements Family {
  readonly kind = "histogram" as const;
  private readonly series = new Map<string, HistogramSeries>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i]! > buckets[i - 1]!)) throw new Error(`histogram ${name}: buckets must increase`);
    }
  }

  observe(labels: Labels | undefined, value: number): void {
    const k = labelKey(this.labelNames, labels);
    let s = this.series.get(k);
    if (!s) {
      s = { counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  /** Count of observations of one series (tests). */
  count(labels?: Labels): number {
    return this.series.get(labelKey(this.labelNames, labels))?.count ?? 0;
  }

  render(out: string[]): void {
    for (const [k, s] of this.series) {
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket${renderLabels(this.labelNames, k, ["le", num(b)])} ${s.counts[i]}`));
      out.push(`${this.name}_bucket${renderLabels(this.labelNames, k, ["le", "+Inf"])} ${s.count}`);
      out.push(`${this.name}_sum${renderLabels(this.labelNames, k)} ${num(s.sum)}`);
      out.push(`${this.name}_count${renderLabels(this.labelNames, k)} ${s.count}`);
    }
  }
}

export class MetricsRegistry {
  private readonly families = new Map<string, Family>();
  private readonly collectors = new Set<() => void>();

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.register(name, "counter", () => new Counter(name, help, labelNames), labelNames);
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.register(name, "gauge", () => new Gauge(name, help, labelNames), labelNames);
  }

  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): Histogram {
    return this.register(name, "histogram", () => new Histogram(name, help, labelNames, buckets), labelNames);
  }

  /** Runs `fn` before every scrape; returns a function that unregisters it. */
  onCollect(fn: () => void): () => void {
    this.collectors.add(fn);
    return () => this.collectors.delete(fn);
  }

  /** The Prometheus text exposition of every family. */
  render(): string {
    for (const c of this.collectors) {
      try {
        c();
      } catch {
        // A failing collector must not take the whole scrape down; its values stay as they were.
      }
    }
    const out: string[] = [];
    for (const f of this.families.values()) {
      out.push(`# HELP ${f.name} ${f.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`);
      out.push(`# TYPE ${f.name} ${f.kind}`);
      f.render(out);
    }
    return out.join("\n") + "\n";
  }

  private register<T extends Family>(name: string, kind: Kind, make: () => T, labelNames: readonly string[]): T {
    const existing = this.families.get(name);
    if (existing) {
      if (existing.kind !== kind || existing.labelNames.join(",") !== labelNames.join(",")) {
        throw new Error(`metric ${name} already registered with another type or labels`);
      }
      return existing as T;
    }
    if (!NAME_RE.test(name)) throw new Error(`bad metric name ${name}`);
    for (const l of labelNames) if (!LABEL_RE.test(l) || l === "le") throw new Error(`bad label name ${l}`);
    const f = make();
    this.families.set(name, f);
    return f;
  }
}

/** The process-wide registry served on the admin port's /metrics. */
export const metrics = new MetricsRegistry();

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
