// Kafka's VerifiableProducer and VerifiableConsumer (org.apache.kafka.tools) as long-running child
// processes, their JSON event lines parsed as they arrive, and a checker that compares what the
// producer saw acknowledged with what the consumer read:
//
// - missing:     an acknowledged (partition, offset) the consumer never read: data loss.
// - mismatched:  a read of an acknowledged (partition, offset) whose value differs from the value
//                the producer sent there: corruption (or a value left encrypted).
// - duplicates:  one produced value stored at two or more offsets. VerifiableProducer's values
//                ("<prefix>.<n>") are unique, so a second copy can only come from a retried send
//                the broker failed to de-duplicate. An idempotent producer (acks=all, one
//                producer session) allows none: its retries carry the same producer id, epoch
//                and sequence, and the broker drops the second copy.
// - redelivered: one (partition, offset) read more than once by the consumer. Allowed: the
//                consumer is at-least-once (it commits after processing), so after a rebalance
//                or reconnect it reads again from the last committed offset. Each re-read must
//                carry the same bytes (else it counts as mismatched).
// - unexpected:  a read value the producer never sent (not "<prefix>.<n>" with n < sent): must
//                be none (n below the producer's --max-messages).
// Records whose send failed or was never answered may be stored once (the broker may have
// written them before the error reached the producer); they are counted, not failed.
//
// VerifiableProducer's values are ASCII, and both tools print them as Java Strings, so equal
// strings are equal bytes.

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ClusterInfo } from "./cluster-info.js";
import { javaArgv } from "./java-process.js";
import { toolCommand } from "./kafka-tools.js";

const SETPRIV = "/usr/bin/setpriv";

export interface AckedRecord {
  value: string;
  partition: number;
  offset: number;
}

export interface ConsumedRecord {
  value: string | null;
  partition: number;
  offset: number;
}

/** A Kafka tool emitting one JSON object per stdout line, other lines kept as log. */
class ToolProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private log = "";
  private partial = "";
  private readonly dir: string;

  constructor(info: ClusterInfo, tool: string, args: string[], config: Record<string, string>, private readonly onEvent: (e: Record<string, unknown>) => void) {
    this.dir = mkdtempSync(join(tmpdir(), "kseal-verifiable-"));
    const configFile = join(this.dir, "client.properties");
    writeFileSync(configFile, Object.entries(config).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
    const cmd = toolCommand(info, tool, [...args, "--command-config", configFile], ["-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"]);
    const argv = javaArgv(cmd);
    const wrapped = existsSync(SETPRIV) ? [SETPRIV, "--pdeathsig", "KILL", "--", ...argv] : argv;
    this.child = spawn(wrapped[0]!, wrapped.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout!.on("data", (d: Buffer) => this.take(d.toString("utf8")));
    this.child.stderr!.on("data", (d: Buffer) => this.keep(d.toString("utf8")));
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => {
      if (this.partial) this.line(this.partial);
      rmSync(this.dir, { recursive: true, force: true });
      resolve(code);
    }));
  }

  private keep(s: string): void {
    this.log = (this.log + s).slice(-20_000);
  }

  private take(s: string): void {
    const lines = (this.partial + s).split("\n");
    this.partial = lines.pop()!;
    for (const l of lines) this.line(l);
  }

  private line(l: string): void {
    if (l.startsWith("{")) {
      try {
        this.onEvent(JSON.parse(l) as Record<string, unknown>);
        return;
      } catch { /* a log line that happens to start with "{" */ }
    }
    this.keep(l + "\n");
  }

  /** The tool's non-JSON output (warnings, stack traces), last 20 kB. */
  output(): string {
    return this.log;
  }

  /** SIGTERM (the tools shut down cleanly and print their last events), SIGKILL after graceMs. */
  async stop(graceMs = 15_000): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGTERM");
      const t = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
      try {
        return await this.exited;
      } finally {
        clearTimeout(t);
      }
    }
    return this.exited;
  }

  kill(): void {
    this.child.kill("SIGKILL");
  }
}

export interface ProducerOptions {
  bootstrap: string;
  topic: string;
  maxMessages: number;
  /** Messages per second (the tool's own throttle). */
  throughput: number;
  /** An integer; values are "<prefix>.<n>", so a long prefix is a plaintext marker to scan for. */
  valuePrefix: number;
  /** Extra producer properties (merged over the idempotent acks=all defaults). */
  config?: Record<string, string>;
}

/** Idempotent, acks=all (the tool itself defaults to retries=0, which idempotence refuses), and quick to notice a dead connection so faults resolve in seconds. */
export const PRODUCER_DEFAULTS: Record<string, string> = {
  "enable.idempotence": "true",
  acks: "all",
  retries: "2147483647",
  "max.in.flight.requests.per.connection": "5",
  "request.timeout.ms": "15000",
  "delivery.timeout.ms": "180000",
  "retry.backoff.ms": "200",
  "reconnect.backoff.ms": "100",
  "reconnect.backoff.max.ms": "1000",
  "linger.ms": "5",
};

export class VerifiableProducer {
  readonly acked: AckedRecord[] = [];
  readonly failed: Array<{ value: string; exception: string; message: string }> = [];
  /** Sent count from the tool's final tool_data event. */
  sent = 0;
  private readonly proc: ToolProcess;
  private readonly waiters: Array<() => void> = [];

  constructor(info: ClusterInfo, readonly opts: ProducerOptions) {
    const args = [
      "--bootstrap-server", opts.bootstrap, "--topic", opts.topic, "--max-messages", String(opts.maxMessages),
      "--throughput", String(opts.throughput), "--acks", "-1", "--value-prefix", String(opts.valuePrefix),
    ];
    this.proc = new ToolProcess(info, "verifiable-producer", args, { ...PRODUCER_DEFAULTS, ...opts.config }, (e) => this.event(e));
  }

  private event(e: Record<string, unknown>): void {
    if (e.name === "producer_send_success") {
      this.acked.push({ value: String(e.value), partition: Number(e.partition), offset: Number(e.offset) });
    } else if (e.name === "producer_send_error") {
      this.failed.push({ value: String(e.value), exception: String(e.exception), message: String(e.message) });
    } else if (e.name === "tool_data") {
      this.sent = Number(e.sent);
    }
    for (const w of this.waiters.splice(0)) w();
  }

  get exited(): Promise<number | null> {
    return this.proc.exited;
  }

  get running(): boolean {
    return this.proc.child.exitCode === null && this.proc.child.signalCode === null;
  }

  output(): string {
    return this.proc.output();
  }

  /** Resolves once `n` records are acknowledged; rejects after timeoutMs or if the tool exits. */
  async waitAcked(n: number, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.acked.length < n) {
      if (Date.now() > until) throw new Error(`producer: ${this.acked.length} of ${n} acknowledged within ${timeoutMs} ms; ${this.output().slice(-1500)}`);
      if (this.proc.child.exitCode !== null) throw new Error(`producer exited ${this.proc.child.exitCode} after ${this.acked.length} acks; ${this.output().slice(-1500)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 250);
        this.waiters.push(() => { clearTimeout(t); r(); });
      });
    }
  }

  /** Waits for the tool to finish its --max-messages (it exits by itself); kills it after timeoutMs. */
  async finish(timeoutMs: number): Promise<number | null> {
    const t = setTimeout(() => this.proc.kill(), timeoutMs);
    try {
      return await this.proc.exited;
    } finally {
      clearTimeout(t);
    }
  }

  stop(): Promise<number | null> {
    return this.proc.stop();
  }
}

export interface ConsumerOptions {
  bootstrap: string;
  topic: string;
  groupId: string;
  /** Extra consumer properties. */
  config?: Record<string, string>;
}

export const CONSUMER_DEFAULTS: Record<string, string> = {
  "request.timeout.ms": "15000",
  "reconnect.backoff.ms": "100",
  "reconnect.backoff.max.ms": "1000",
  "retry.backoff.ms": "200",
};

export class VerifiableConsumer {
  readonly records: ConsumedRecord[] = [];
  readonly rebalances: number[] = [];
  /** Highest offset read per partition (-1: none). */
  readonly highest = new Map<number, number>();
  private readonly proc: ToolProcess;

  constructor(info: ClusterInfo, readonly opts: ConsumerOptions) {
    const args = ["--bootstrap-server", opts.bootstrap, "--topic", opts.topic, "--group-id", opts.groupId, "--reset-policy", "earliest", "--verbose"];
    this.proc = new ToolProcess(info, "verifiable-consumer", args, { ...CONSUMER_DEFAULTS, ...opts.config }, (e) => this.event(e));
  }

  private event(e: Record<string, unknown>): void {
    if (e.name === "record_data") {
      const r = { value: e.value === null ? null : String(e.value), partition: Number(e.partition), offset: Number(e.offset) };
      this.records.push(r);
      if ((this.highest.get(r.partition) ?? -1) < r.offset) this.highest.set(r.partition, r.offset);
    } else if (e.name === "partitions_assigned") {
      this.rebalances.push(Date.now());
    }
  }

  get child(): ChildProcess {
    return this.proc.child;
  }

  output(): string {
    return this.proc.output();
  }

  /** Resolves once every acknowledged record's offset has been read (per partition highest offset). */
  async waitCaughtUp(acked: AckedRecord[], timeoutMs: number): Promise<void> {
    const need = new Map<number, number>();
    for (const a of acked) need.set(a.partition, Math.max(need.get(a.partition) ?? -1, a.offset));
    const until = Date.now() + timeoutMs;
    for (;;) {
      const behind = [...need].filter(([p, o]) => (this.highest.get(p) ?? -1) < o);
      if (behind.length === 0) return;
      if (Date.now() > until) {
        throw new Error(`consumer behind after ${timeoutMs} ms: ${behind.map(([p, o]) => `p${p} at ${this.highest.get(p) ?? -1} < ${o}`).join(", ")}; ${this.output().slice(-1500)}`);
      }
      if (this.proc.child.exitCode !== null) throw new Error(`consumer exited ${this.proc.child.exitCode}; ${this.output().slice(-1500)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  stop(): Promise<number | null> {
    return this.proc.stop();
  }
}

export interface DeliveryCheck {
  acked: number;
  /** Distinct (partition, offset) read. */
  consumed: number;
  /** record_data events, re-reads included. */
  deliveries: number;
  missing: AckedRecord[];
  mismatched: Array<{ partition: number; offset: number; expected: string | undefined; got: string | null }>;
  duplicates: Array<{ value: string; at: string[] }>;
  redelivered: number;
  unexpected: ConsumedRecord[];
  /** Values stored although their send failed or was never answered. */
  unackedStored: number;
  ok: boolean;
}

/** Compares acknowledged records with consumed ones by the rules in this file's header. */
export function checkDelivery(acked: AckedRecord[], consumed: ConsumedRecord[], opts: { valuePrefix: number; maxMessages: number }): DeliveryCheck {
  const at = (p: number, o: number) => `${p}:${o}`;
  const ackedAt = new Map<string, string>();
  const ackedValues = new Set<string>();
  for (const a of acked) {
    ackedAt.set(at(a.partition, a.offset), a.value);
    ackedValues.add(a.value);
  }
  const firstRead = new Map<string, string | null>();
  const mismatched: DeliveryCheck["mismatched"] = [];
  const unexpected: ConsumedRecord[] = [];
  let redelivered = 0;
  const prefix = `${opts.valuePrefix}.`;
  for (const r of consumed) {
    const k = at(r.partition, r.offset);
    const expected = ackedAt.get(k);
    if (expected !== undefined && r.value !== expected) mismatched.push({ partition: r.partition, offset: r.offset, expected, got: r.value });
    if (firstRead.has(k)) {
      redelivered++;
      if (firstRead.get(k) !== r.value && expected === undefined) mismatched.push({ partition: r.partition, offset: r.offset, expected: firstRead.get(k) ?? undefined, got: r.value });
      continue;
    }
    firstRead.set(k, r.value);
    const n = r.value !== null && r.value.startsWith(prefix) ? Number(r.value.slice(prefix.length)) : NaN;
    if (expected === undefined && !(Number.isInteger(n) && n >= 0 && n < opts.maxMessages && String(n) === r.value!.slice(prefix.length))) {
      unexpected.push(r);
    }
  }
  const missing = acked.filter((a) => !firstRead.has(at(a.partition, a.offset)));
  const offsetsOf = new Map<string, string[]>();
  for (const [k, v] of firstRead) {
    if (v === null) continue;
    const list = offsetsOf.get(v) ?? [];
    list.push(k);
    offsetsOf.set(v, list);
  }
  const duplicates = [...offsetsOf].filter(([, l]) => l.length > 1).map(([value, l]) => ({ value, at: l }));
  let unackedStored = 0;
  for (const v of offsetsOf.keys()) if (!ackedValues.has(v)) unackedStored++;
  return {
    acked: acked.length,
    consumed: firstRead.size,
    deliveries: consumed.length,
    missing,
    mismatched,
    duplicates,
    redelivered,
    unexpected,
    unackedStored,
    ok: missing.length === 0 && mismatched.length === 0 && duplicates.length === 0 && unexpected.length === 0,
  };
}

/** One line for logs and tables. */
export function describeCheck(c: DeliveryCheck): string {
  return `acked ${c.acked}, consumed ${c.consumed} (${c.deliveries} deliveries, ${c.redelivered} re-reads), missing ${c.missing.length}, ` +
    `mismatched ${c.mismatched.length}, duplicates ${c.duplicates.length}, unexpected ${c.unexpected.length}, unacked stored ${c.unackedStored}`;
}

export interface PlaintextScan {
  /** Segment files read (every replica of every partition). */
  files: number;
  bytes: number;
  /** Files in which the marker occurs. */
  found: string[];
}

/**
 * Reads every log segment of every replica of `topic` as the brokers wrote it and looks for
 * `marker` (e.g. the producer's value prefix, which every plaintext value contains).
 */
export function scanSegments(info: Pick<ClusterInfo, "dir" | "brokers">, topic: string, partitions: number, marker: string): PlaintextScan {
  const needle = Buffer.from(marker, "utf8");
  const scan: PlaintextScan = { files: 0, bytes: 0, found: [] };
  for (const b of info.brokers) {
    for (let p = 0; p < partitions; p++) {
      const dir = join(info.dir, `node-${b.nodeId}`, "data", `${topic}-${p}`);
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir).filter((n) => n.endsWith(".log"))) {
        const bytes = readFileSync(join(dir, f));
        scan.files++;
        scan.bytes += bytes.length;
        if (bytes.indexOf(needle) >= 0) scan.found.push(join(dir, f));
      }
    }
  }
  return scan;
}
