/**
 * `npm run bench`: the proxy benchmark suite. For every record size x topic count it runs, with
 * the modes (direct to the broker, through kseal passthrough, through kseal encrypting, and on
 * request through Kroxylicious encrypting) interleaved in rounds so that load on the shared machine
 * hits all alike:
 *   - max-throughput produce then consume (LoadGen.java on Kafka's Java client, acks=all),
 *   - a fixed-rate run at a fraction of direct's max produce rate, with produce and end-to-end
 *     latency measured from each record's intended send time (no coordinated omission),
 * and reads each proxy's CPU (utime+stime) and peak RSS from /proc per run. The proxies are the
 * real `kseal start` CLI from build/host, one child process per mode.
 * Prints markdown tables and the targets, writes everything to build/bench/bench-<time>.json,
 * and ends with one line `BENCH {json}` of the summaries.
 * `--profile` adds an unmeasured pass that profiles the encrypting proxy (node --cpu-prof).
 * `--help` lists the options; docs/performance.md describes the method and the results.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { KafkaCluster, clusterFromEnv, kafkajsClient, uniqueTopic, type ClusterInfo } from "../rig/index.js";
import { parseBenchArgs, recordsFor, USAGE, type BenchOptions, type Mode } from "./bench-options.js";
import { checkTargets, renderTables, renderTargets, summarize, type Cell, type FixedRun, type MaxRun } from "./bench-report.js";
import { ksealMainAt } from "./host-at-revision.js";
import { startKroxyliciousChild } from "./kroxylicious-child.js";
import { startKsealChild, type MeasuredProxy } from "./kseal-child.js";
import { consumeMax, produceFixed, produceMax, type LoadTarget } from "./load-gen.js";
import { UsageWindow, type Usage } from "./proc-usage.js";
import { formatSummary, summarizeProfile, type ProfileSummary } from "./profile-summary.js";
import { namedWasm } from "./wasm-named.js";

const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

async function topics(info: ClusterInfo, n: number, partitions: number, tag: string): Promise<string[]> {
  const names = Array.from({ length: n }, () => uniqueTopic(`bench-${tag}`));
  const admin = kafkajsClient(info).admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: false, timeout: 60_000, topics: names.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })) });
    // kafkajs' own wait for leaders gives up on UNKNOWN_TOPIC_OR_PARTITION while a new topic
    // propagates on a loaded broker; poll the metadata instead.
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        const md = await admin.fetchTopicMetadata({ topics: names });
        if (md.topics.length === names.length && md.topics.every((t) => t.partitions.length === partitions && t.partitions.every((p) => p.leader >= 0))) break;
      } catch (e) {
        if (Date.now() > deadline) throw e;
      }
      if (Date.now() > deadline) throw new Error(`topics ${names.join(",")} have no leaders after 120 s`);
      await new Promise((r) => setTimeout(r, 300));
    }
  } finally {
    await admin.disconnect();
  }
  return names;
}

/** Each run's data is deleted afterwards, so the full matrix does not fill the disk. */
async function dropTopics(info: ClusterInfo, names: string[]): Promise<void> {
  const admin = kafkajsClient(info).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: names, timeout: 60_000 });
  } catch (e) {
    log(`could not delete ${names.join(",")}: ${String(e)}`);
  } finally {
    await admin.disconnect();
  }
}

/** Runs `f` while measuring the proxy of `mode` (nothing for direct). */
async function measured<T>(proxy: MeasuredProxy | undefined, f: () => Promise<T>): Promise<{ result: T; usage?: Usage }> {
  const w = proxy && new UsageWindow(proxy.pid);
  w?.start();
  try {
    const result = await f();
    return { result, usage: w?.stop() };
  } catch (e) {
    if (proxy) log(`the proxy (pid ${proxy.pid}, ${proxy.child.exitCode === null && proxy.child.signalCode === null ? "running" : `exited ${proxy.child.exitCode ?? proxy.child.signalCode}`}) said:\n${proxy.output().slice(-4000)}`);
    throw e;
  }
}

function writeJson(path: string, data: object): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(data, null, 1) + "\n");
}

const rotate = <T>(xs: T[], k: number) => xs.map((_, i) => xs[(i + k) % xs.length]!);
const fmt = (x: number) => (Math.round(x * 100) / 100).toString();

function machine(info: ClusterInfo) {
  const model = /^model name\s*:\s*(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpus()[0]?.model;
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  const git = (args: string[]) => {
    try {
      return execFileSync("git", args, { cwd: fileURLToPath(new URL("../../", import.meta.url)), encoding: "utf8" }).trim();
    } catch {
      return "";
    }
  };
  return { commit: git(["rev-parse", "--short", "HEAD"]), hostChangesUncommitted: git(["status", "--porcelain", "host", "assembly"]) !== "",
    cpuModel: model, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, kafka: info.kafkaVersion, brokers: info.brokers.length, loadavgAtStart: load };
}

async function runMatrix(o: BenchOptions, info: ClusterInfo, proxies: Partial<Record<Mode, MeasuredProxy>>, save: (partial: object) => void) {
  const bootstrap = (m: Mode) => (m === "direct" ? info.bootstrap : proxies[m]!.bootstrap);
  const cells: Cell[] = o.sizes.flatMap((size) => o.topics.map((topics) => ({ size, topics })));
  const maxRuns: MaxRun[] = [];
  const fixedRuns: FixedRun[] = [];
  for (const cell of cells) {
    const records = recordsFor(o, cell.size);
    // Topics are deleted per cell, not per run: kafkajs' createTopics can trip over a deletion
    // still in progress on the broker.
    const used: string[] = [];
    // Unmeasured warm-up through every path: the broker's, the proxies' and V8's JITs, the KEKs.
    // A JVM proxy's JIT takes longer: measured rounds of Kroxylicious after a fifth-size warm-up
    // still sped up by a third from the first to the third, so it gets two full-size runs.
    for (const mode of o.modes) {
      const jvm = mode === "kroxylicious";
      for (let i = 0; i < (jvm ? 2 : 1); i++) {
        const t: LoadTarget = { info, bootstrap: bootstrap(mode), topics: await topics(info, cell.topics, o.partitions, `${mode}-warmup`) };
        const n = jvm ? records : Math.max(5_000, Math.round(records / 5));
        await measured(proxies[mode], () => produceMax(t, n, cell.size, o.producerProps));
        await measured(proxies[mode], () => consumeMax(t, n, cell.size));
        used.push(...t.topics);
      }
    }
    log(`${cell.size} B x ${cell.topics} topic(s): warmed up`);
    for (let round = 0; round < (o.fixedOnly ? 0 : o.rounds); round++) {
      for (const mode of rotate(o.modes, round)) {
        const t: LoadTarget = { info, bootstrap: bootstrap(mode), topics: await topics(info, cell.topics, o.partitions, mode) };
        const p = await measured(proxies[mode], () => produceMax(t, records, cell.size, o.producerProps));
        maxRuns.push({ cell, mode, round, kind: "produce", ...p });
        const c = await measured(proxies[mode], () => consumeMax(t, records, cell.size));
        maxRuns.push({ cell, mode, round, kind: "consume", ...c });
        used.push(...t.topics);
        log(`${cell.size} B x ${cell.topics} topic(s), round ${round + 1}/${o.rounds}, ${mode}: produce ${fmt(p.result.mbPerSec)} MB/s, consume ${fmt(c.result.mbPerSec)} MB/s` +
          (p.usage ? `, proxy CPU ${fmt(p.usage.cpuSeconds)} s + ${fmt(c.usage!.cpuSeconds)} s, peak RSS ${Math.round(Math.max(p.usage.peakRssMb, c.usage!.peakRssMb))} MiB` : ""));
      }
    }
    if (o.fixedFraction > 0 || o.fixedRate) await fixedRate(cell, used);
    await dropTopics(info, used);
    save({ partial: true, runs: { cells, maxRuns, fixedRuns } });
    await new Promise((r) => setTimeout(r, 3000));
  }
  return { cells, maxRuns, fixedRuns };

  async function fixedRate(cell: Cell, used: string[]): Promise<void> {
    const direct = maxRuns.filter((x) => x.cell === cell && x.mode === "direct" && x.kind === "produce").map((x) => x.result.recordsPerSec).sort((a, b) => a - b);
    const rate = o.fixedRate ?? Math.max(100, Math.round(direct[direct.length >> 1]! * o.fixedFraction));
    const n = Math.round(rate * o.fixedSeconds);
    const warmup = Math.min(Math.floor(n / 4), rate * 3);
    for (let round = 0; round < o.rounds; round++) {
      for (const mode of rotate(o.modes, round)) {
        const t: LoadTarget = { info, bootstrap: bootstrap(mode), topics: await topics(info, cell.topics, o.partitions, `${mode}-fixed`) };
        const f = await measured(proxies[mode], () => produceFixed(t, n, cell.size, rate, warmup, o.producerProps));
        fixedRuns.push({ cell, mode, round, ...f });
        used.push(...t.topics);
        log(`${cell.size} B x ${cell.topics} topic(s), fixed ${rate}/s round ${round + 1}/${o.rounds}, ${mode}: produce p50/p99/p99.9 ${f.result.produce.p50Ms}/${f.result.produce.p99Ms}/${f.result.produce.p999Ms} ms, e2e ${f.result.e2e.p50Ms}/${f.result.e2e.p99Ms}/${f.result.e2e.p999Ms} ms`);
      }
    }
  }
}

/** Profiles the encrypting proxy: one child for a produce run, another for consuming it back. */
async function profilePass(o: BenchOptions, info: ClusterInfo, dir: string, main: string | undefined, stamp: string): Promise<{ phase: string; dir: string; main: ProfileSummary; workers?: ProfileSummary }[]> {
  const size = o.sizes.includes(1024) ? 1024 : o.sizes[0]!;
  const records = recordsFor(o, size);
  const names = await topics(info, 1, o.partitions, "profile");
  const out: { phase: string; dir: string; main: ProfileSummary; workers?: ProfileSummary }[] = [];
  // The same module with its function names kept, so WASM frames read as functions, not indexes.
  const wasm = namedWasm();
  for (const phase of ["produce", "consume"] as const) {
    // Kept under build/bench/ so they can be opened in Chrome DevTools (Performance tab).
    const profDir = fileURLToPath(new URL(`../../build/bench/profile-${stamp}/${phase}/`, import.meta.url));
    mkdirSync(profDir, { recursive: true });
    const k = await startKsealChild({ target: info.bootstrap, encrypt: true, dir, name: `profile-${phase}`, kmsFile: "profile-kms.json", cpuProfDir: profDir, main, extraYaml: [`module: { path: ${JSON.stringify(wasm)} }`, ...o.proxyYaml] });
    try {
      const t = { info, bootstrap: k.bootstrap, topics: names };
      const r = phase === "produce" ? await produceMax(t, records, size, o.producerProps) : await consumeMax(t, records, size);
      log(`profile ${phase}: ${fmt(r.mbPerSec)} MB/s (profiler on)`);
    } finally {
      await k.stop();
    }
    // CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile; thread 0 is the main thread.
    const files = readdirSync(profDir).filter((f) => f.endsWith(".cpuprofile"));
    const isMain = (f: string) => f.split(".")[4] === "0";
    const workers = files.filter((f) => !isMain(f)).map((f) => join(profDir, f));
    out.push({
      phase,
      dir: profDir,
      main: summarizeProfile(files.filter(isMain).map((f) => join(profDir, f))),
      ...(workers.length > 0 && { workers: summarizeProfile(workers) }),
    });
  }
  await dropTopics(info, names);
  return out;
}

async function main(): Promise<void> {
  const o = parseBenchArgs(process.argv.slice(2));
  if (o === "help") {
    process.stdout.write(USAGE);
    return;
  }
  let cluster: KafkaCluster | undefined;
  let info = clusterFromEnv();
  if (!info) {
    log("starting a 1-broker cluster (full JIT)");
    cluster = await KafkaCluster.start({ brokers: 1, fullJit: true });
    info = cluster.info;
  }
  const dir = mkdtempSync(join(tmpdir(), "kseal-bench-"));
  const proxies: Partial<Record<Mode, MeasuredProxy>> = {};
  const main = o.at ? ksealMainAt(o.at) : undefined;
  const started = new Date();
  const json = o.json ?? fileURLToPath(new URL(`../../build/bench/bench-${started.toISOString().replace(/[:.]/g, "-")}.json`, import.meta.url));
  try {
    const env = { ...machine(info), ...(o.at && { at: o.at, host: main }) };
    let matrix: Awaited<ReturnType<typeof runMatrix>> | undefined;
    if (!o.profileOnly) {
      for (const m of o.modes) {
        if (m === "kroxylicious") proxies[m] = await startKroxyliciousChild(info.bootstrap);
        else if (m !== "direct") proxies[m] = await startKsealChild({ target: info.bootstrap, encrypt: m === "encrypt", dir, name: m, main, extraYaml: o.proxyYaml });
      }
      // Written after every cell too, so a failure late in a long run keeps what was measured.
      matrix = await runMatrix(o, info, proxies, (partial) => writeJson(json, { started: started.toISOString(), machine: env, options: o, ...partial }));
      for (const m of o.modes) await proxies[m]?.stop();
    }
    const profile = o.profile ? await profilePass(o, info, dir, main, started.toISOString().replace(/[:.]/g, "-")) : [];

    const summaries = matrix ? summarize(matrix.cells, o.modes, matrix.maxRuns, matrix.fixedRuns) : [];
    const targets = checkTargets(summaries);
    if (matrix) {
      console.log(`\nkseal benchmark, ${started.toISOString()}: ${env.cpuModel}, ${env.cores} cores, ${env.memoryGiB} GiB, Node ${env.node}, Kafka ${env.kafka} (${env.brokers} broker), load avg at start ${env.loadavgAtStart}`);
      console.log(`${o.rounds} rounds, acks=all, ${o.partitions} partitions per topic, records per max run: ${o.sizes.map((s) => `${recordsFor(o, s)} x ${s} B`).join(", ")}` +
        (o.fixedRate ? `; fixed rate ${o.fixedRate} records/s for ${o.fixedSeconds} s` : o.fixedFraction > 0 ? `; fixed rate ${o.fixedFraction} x direct's max for ${o.fixedSeconds} s` : "") +
        (Object.keys(o.producerProps).length ? `; producer ${JSON.stringify(o.producerProps)}` : "") + "\n");
      console.log(renderTables(summaries, o.modes));
      if (targets.length) console.log(`\nTargets (1 KiB records)\n${renderTargets(targets)}`);
    }
    for (const p of profile) {
      console.log(`\nCPU profile of the encrypting proxy (${p.dir}), ${p.phase}, main thread (separate, unmeasured pass; 0.5 ms samples):`);
      console.log(formatSummary(p.main));
      if (p.workers) console.log(`\n... ${p.phase}, worker threads:\n${formatSummary(p.workers)}`);
    }
    writeJson(json, { started: started.toISOString(), machine: env, options: o, summaries, targets, runs: matrix, profile });
    console.log(`\nresults: ${json}`);
    // The summaries as one line, last, for scripts (as bench:crypto does).
    console.log(`BENCH ${JSON.stringify({ machine: env, summaries, targets })}`);
  } finally {
    for (const m of o.modes) await proxies[m]?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    await cluster?.stop();
  }
}

// kafkajs' admin can leave a metadata retry's rejection unhandled (UNKNOWN_TOPIC_OR_PARTITION
// while a new topic propagates); a retriable Kafka error there is not the benchmark's failure.
process.on("unhandledRejection", (e: unknown) => {
  const k = e as { name?: string; retriable?: boolean; message?: string };
  if (k?.name === "KafkaJSProtocolError" && k.retriable) log(`ignored a stray kafkajs rejection: ${k.message}`);
  else throw e;
});

await main();
