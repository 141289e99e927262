/**
 * Bounded soak run of the real `kseal start` process (encryption on, local KMS) on loopback:
 * sustained max-throughput produce and consume through the proxy (Kafka's ProducerPerformance
 * and ConsumerPerformance) while it also holds 10,000 idle client connections. Every interval it
 * samples the proxy's RSS, V8 heap, external memory and open fds, prints one table row, and at the
 * end a verdict: the last third of the run must average within --tolerance of the middle third
 * (the first third is warm-up), and fds must not grow. Exit status 1 on growth, 2 on a failure
 * to run.
 *
 *   node --import tsx tests/soak/run.ts --minutes 10 [--idle 10000] [--interval 10]
 *     [--tolerance 0.1] [--record-size 1024] [--partitions 3] [--json out.json]
 *
 * The idle connections are replaced on a rolling basis, so that none reaches the proxy's idle
 * timeout (LIMITS.clientIdleTimeoutMs) and all of them close in one burst: each interval, the
 * oldest IDLE * interval / (timeout / 2) are closed and as many opened (connection churn, which
 * must not leak either).
 *
 * Uses KSEAL_TEST_CLUSTER when set; otherwise starts a one-broker cluster of its own with a short
 * retention check, so that minutes of full-speed produce do not fill the disk.
 */
import { type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type net from "node:net";
import { clusterFromEnv, createTopic, KafkaCluster, type ClusterInfo } from "../rig/index.js";
import { spawnJava } from "../rig/java-process.js";
import { toolCommand } from "../rig/kafka-tools.js";
import { openIdle } from "../integration/abuse/abuse-clients.js";
import { startProxyProcess, type ProcSample, type ProxyProcess } from "../integration/abuse/proxy-process.js";
import { parseMetrics } from "../integration/gateway/kseal-process.js";
import { LIMITS } from "../../host/limits.js";

const { values: args } = parseArgs({
  options: {
    minutes: { type: "string", default: "10" },
    idle: { type: "string", default: "10000" },
    interval: { type: "string", default: "10" },
    tolerance: { type: "string", default: "0.1" },
    "record-size": { type: "string", default: "1024" },
    partitions: { type: "string", default: "3" },
    json: { type: "string" },
  },
});
const MINUTES = Number(args.minutes);
const IDLE = Number(args.idle);
const INTERVAL_S = Number(args.interval);
const TOLERANCE = Number(args.tolerance);
const RECORD_SIZE = Number(args["record-size"]);
const PARTITIONS = Number(args.partitions);
/** fds the last third may exceed the middle third's maximum by (sockets of clients reconnecting). */
const FD_SLACK = 50;

interface Row extends ProcSample {
  t: number;
  idleOpen: number;
  /** MB/s into and out of the proxy from clients over the last interval (kseal_bytes_total). */
  inMBs: number;
  outMBs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Mean of the finite values (a sample may lack the heap reading). */
const avg = (xs: number[]) => {
  const f = xs.filter(Number.isFinite);
  return f.reduce((a, b) => a + b, 0) / Math.max(1, f.length);
};

async function bytesTotals(p: ProxyProcess): Promise<{ clientIn: number; clientOut: number }> {
  const m = parseMetrics(await (await fetch(`http://${p.admin}/metrics`)).text());
  let clientIn = 0;
  let clientOut = 0;
  for (const [k, v] of m) {
    if (!k.startsWith("kseal_bytes_total{")) continue;
    if (k.includes('direction="client_in"')) clientIn += v;
    if (k.includes('direction="client_out"')) clientOut += v;
  }
  return { clientIn, clientOut };
}

function startTool(info: ClusterInfo, tool: string, toolArgs: string[], logFile: string): ChildProcess {
  return spawnJava(toolCommand(info, tool, toolArgs, ["-Xmx256m", "-XX:+UseSerialGC"]), logFile);
}

function fmt(n: number, w: number, d = 1): string {
  return (Number.isFinite(n) ? n.toFixed(d) : "-").padStart(w);
}

function header(): string {
  return ["   t(s)", "  RSS MB", " peak MB", " heap MB", "  ext MB", " ab MB", "   fds", "  idle", " in MB/s", "out MB/s"].join(" ");
}

function line(r: Row): string {
  return [fmt(r.t, 7, 0), fmt(r.rssMb, 8), fmt(r.peakRssMb, 8), fmt(r.heapUsedMb, 8), fmt(r.externalMb, 8), fmt(r.arrayBuffersMb, 6), fmt(r.fds, 6, 0), fmt(r.idleOpen, 6, 0), fmt(r.inMBs, 8), fmt(r.outMBs, 8)].join(" ");
}

async function main(): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), "kseal-soak-"));
  let own: KafkaCluster | undefined;
  let proxy: ProxyProcess | undefined;
  const tools: ChildProcess[] = [];
  let idle: net.Socket[] = [];
  let stopping = false;
  const cleanup = async () => {
    stopping = true;
    for (const s of idle) s.destroy();
    for (const c of tools) if (c.exitCode === null) c.kill("SIGKILL");
    await proxy?.stop();
    await own?.stop();
    rmSync(work, { recursive: true, force: true });
  };
  process.once("SIGINT", () => void cleanup().then(() => process.exit(130)));
  try {
    let info = clusterFromEnv();
    if (!info) {
      console.log("soak: starting a one-broker cluster");
      own = await KafkaCluster.start({ brokers: 1, props: { "log.retention.check.interval.ms": "15000", "log.segment.delete.delay.ms": "1000" } });
      info = own.info;
    }
    const topic = await createTopic(info, {
      numPartitions: PARTITIONS,
      replicationFactor: 1,
      // Bounded disk use under minutes of full-speed produce.
      configs: { "retention.bytes": String(256 * 1024 * 1024), "segment.bytes": String(32 * 1024 * 1024) },
    });
    proxy = await startProxyProcess(info.bootstrap);
    console.log(`soak: proxy pid ${proxy.pid} at ${proxy.bootstrap}, topic ${topic}, ${MINUTES} min, ${IDLE} idle connections, sample every ${INTERVAL_S} s`);

    await sleep(3000);
    const bare = proxy.sample();
    idle = await openIdle(proxy.bootstrap, IDLE);
    await sleep(5000);
    const withIdle = proxy.sample();
    const idleLine = `${IDLE} idle connections, before any load: RSS ${bare.rssMb.toFixed(1)} → ${withIdle.rssMb.toFixed(1)} MB, heap ${bare.heapUsedMb.toFixed(1)} → ${withIdle.heapUsedMb.toFixed(1)} MB, fds ${bare.fds} → ${withIdle.fds} (${(((withIdle.rssMb - bare.rssMb) * 1024) / IDLE).toFixed(2)} KiB RSS, ${(((withIdle.heapUsedMb - bare.heapUsedMb) * 1024) / IDLE).toFixed(2)} KiB heap per connection)`;
    console.log(`soak: ${idleLine}`);
    let reopened = 0;
    let churned = 0;
    // Should the proxy still close one for idleness, keep the count constant.
    const watch = (s: net.Socket) =>
      s.once("close", () => {
        if (stopping) return;
        if (!idle.includes(s)) return; // closed by the churn below
        idle = idle.filter((x) => x !== s);
        void openIdle(proxy!.bootstrap, 1, 1).then(([n]) => {
          reopened++;
          idle.push(n!);
          watch(n!);
        }, () => {});
      });
    idle.forEach(watch);
    const churnPerInterval = Math.ceil((IDLE * INTERVAL_S * 1000) / (LIMITS.clientIdleTimeoutMs / 2));
    const churn = async () => {
      const old = idle.slice(0, churnPerInterval);
      idle = idle.slice(churnPerInterval);
      for (const s of old) s.destroy();
      const fresh = await openIdle(proxy!.bootstrap, old.length, 50);
      fresh.forEach(watch);
      idle.push(...fresh);
      churned += fresh.length;
    };

    const producerLog = join(work, "producer.log");
    const consumerLog = join(work, "consumer.log");
    tools.push(startTool(info, "producer-perf", [
      "--topic", topic, "--num-records", "1000000000000", "--record-size", String(RECORD_SIZE), "--throughput", "-1",
      "--producer-props", `bootstrap.servers=${proxy.bootstrap}`, "acks=1", "linger.ms=5", "batch.size=65536",
    ], producerLog));
    tools.push(startTool(info, "consumer-perf", [
      "--bootstrap-server", proxy.bootstrap, "--topic", topic, "--num-records", "1000000000000", "--timeout", "600000",
      "--show-detailed-stats", "--reporting-interval", String(INTERVAL_S * 1000),
    ], consumerLog));
    for (const c of tools) c.once("exit", (code) => !stopping && console.log(`soak: a load tool exited early (${code}); see its log`));

    const rows: Row[] = [];
    const start = Date.now();
    let last = await bytesTotals(proxy);
    let lastAt = Date.now();
    console.log(header());
    while (Date.now() - start < MINUTES * 60_000) {
      await Promise.all([sleep(INTERVAL_S * 1000), IDLE > 0 ? churn() : undefined]);
      if (proxy.child.exitCode !== null) throw new Error(`the proxy exited (${proxy.child.exitCode}): ${proxy.log().slice(-2000)}`);
      const b = await bytesTotals(proxy);
      const now = Date.now();
      const secs = (now - lastAt) / 1000;
      const row: Row = {
        ...proxy.sample(),
        t: (now - start) / 1000,
        idleOpen: idle.length,
        inMBs: (b.clientIn - last.clientIn) / secs / 1048576,
        outMBs: (b.clientOut - last.clientOut) / secs / 1048576,
      };
      last = b;
      lastAt = now;
      rows.push(row);
      console.log(line(row));
    }
    stopping = true;
    // ProducerPerformance prints one progress line per 5 s window: "N records sent, R records/sec (M MB/sec), ...".
    const windows = readFileSync(producerLog, "utf8").split("\n").map((l) => /records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency/.exec(l)).filter((m) => m !== null);
    const producerTail = windows.length
      ? `${avg(windows.map((m) => Number(m[1]))).toFixed(0)} records/s, ${avg(windows.map((m) => Number(m[2]))).toFixed(2)} MB/s, ${avg(windows.map((m) => Number(m[3]))).toFixed(0)} ms avg latency (mean of ${windows.length} 5-s windows)`
      : "(no producer progress line)";
    const consumerText = readFileSync(consumerLog, "utf8").split("\n");
    const consumerHeader = consumerText.find((l) => l.startsWith("time,")) ?? "";
    const consumerLines = consumerText.filter((l) => /^\d{4}-\d\d-\d\d/.test(l));

    const third = Math.floor(rows.length / 3);
    const mid = rows.slice(third, 2 * third);
    const tail = rows.slice(2 * third);
    if (mid.length === 0 || tail.length === 0) throw new Error(`too few samples (${rows.length}) for a verdict; run longer`);
    const checks: Array<{ what: string; mid: number; last: number; ok: boolean }> = [];
    for (const [what, key] of [["RSS MB", "rssMb"], ["heap MB", "heapUsedMb"], ["external MB", "externalMb"]] as const) {
      const m = avg(mid.map((r) => r[key]));
      const l = avg(tail.map((r) => r[key]));
      // Heap and external memory are small and saw-toothed by GC; give them 8 MB of absolute slack.
      const slack = key === "rssMb" ? 0 : 8;
      checks.push({ what: `${what} (avg)`, mid: m, last: l, ok: l <= m * (1 + TOLERANCE) + slack });
    }
    const fdMid = Math.max(...mid.map((r) => r.fds));
    const fdLast = Math.max(...tail.map((r) => r.fds));
    checks.push({ what: "fds (max)", mid: fdMid, last: fdLast, ok: fdLast <= fdMid + FD_SLACK });
    const ok = checks.every((c) => c.ok);

    console.log("");
    console.log(`producer: ${producerTail}`);
    console.log(`consumer: ${consumerHeader}`);
    console.log(`          ${consumerLines.length ? consumerLines[consumerLines.length - 1] : "(no detailed stats line)"}`);
    console.log(`throughput through the proxy: ${avg(rows.map((r) => r.inMBs)).toFixed(1)} MB/s in, ${avg(rows.map((r) => r.outMBs)).toFixed(1)} MB/s out (client side, average)`);
    console.log(`idle connections: ${IDLE} held; ${churned} replaced by the rolling churn, ${reopened} reopened after the proxy closed them`);
    console.log(idleLine);
    console.log(`peak RSS over the run: ${Math.max(...rows.map((r) => r.peakRssMb)).toFixed(1)} MB`);
    for (const c of checks) {
      console.log(`${c.ok ? "flat " : "GROWTH"} ${c.what}: middle third ${c.mid.toFixed(1)}, last third ${c.last.toFixed(1)} (${(((c.last - c.mid) / c.mid) * 100).toFixed(1)}%)`);
    }
    console.log(`verdict: ${ok ? "PLATEAU (no growth)" : "GROWTH"} (tolerance ${(TOLERANCE * 100).toFixed(0)}%, fd slack ${FD_SLACK})`);
    if (args.json) writeFileSync(args.json, JSON.stringify({ minutes: MINUTES, idle: IDLE, bare, withIdle, rows, checks, ok, producer: producerTail, reopened, churned }, null, 2));
    return ok ? 0 : 1;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`soak: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    process.exit(2);
  },
);
