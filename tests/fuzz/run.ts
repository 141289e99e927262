/**
 * Fuzz runner.
 *
 *   node --import tsx tests/fuzz/run.ts [--cases 1000000] [--seed N] [--target name[,name]]
 *        [--budget-ms 2000] [--hang-ms 20000] [--max-rss-mb 2048] [--report file.json]
 *   node --import tsx tests/fuzz/run.ts --seed N --target name --case I     (replay one case)
 *
 * Cases are split over the targets by weight and run in a forked worker process. Progress every
 * few seconds; at the end a summary per target; exit status 1 on any failure, each printed with
 * the seed, target and case index that reproduce it. A worker that stops reporting for hang-ms
 * is killed (a hang); one that dies (native crash, out of memory) is restarted in pinpoint mode
 * to find the case, which is reported, and the run goes on after it.
 */
import { fork, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { KsealError } from "../../host/errors.js";
import type { ChildJob, ChildMessage } from "./child.js";
import { makeCase, type Failure } from "./engine.js";
import { Finding, type FindingKind } from "./target.js";
import { TARGETS, planCases, targetNamed } from "./targets/index.js";

interface Args {
  cases: number;
  seed: number;
  targets: string[];
  caseIndex?: number;
  budgetMs: number;
  hangMs: number;
  maxRssMb: number;
  report?: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { cases: 1_000_000, seed: Math.floor(Math.random() * 2 ** 31), targets: TARGETS.map((t) => t.name), budgetMs: 2000, hangMs: 20_000, maxRssMb: 2048 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = argv[i + 1];
    const num = () => {
      const n = Number(v?.replace(/_/g, ""));
      if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${k} needs a non-negative integer`);
      i++;
      return n;
    };
    switch (k) {
      case "--cases": a.cases = num(); break;
      case "--seed": a.seed = num(); break;
      case "--case": a.caseIndex = num(); break;
      case "--budget-ms": a.budgetMs = num(); break;
      case "--hang-ms": a.hangMs = num(); break;
      case "--max-rss-mb": a.maxRssMb = num(); break;
      case "--report": a.report = v; i++; break;
      case "--target":
        a.targets = (v ?? "").split(",").filter(Boolean);
        i++;
        for (const t of a.targets) if (!targetNamed(t)) throw new Error(`unknown target ${t}; targets: ${TARGETS.map((x) => x.name).join(", ")}`);
        break;
      case "--help":
        console.log("usage: run.ts [--cases N] [--seed N] [--target a,b] [--case I] [--budget-ms N] [--hang-ms N] [--max-rss-mb N] [--report file]");
        console.log(`targets: ${TARGETS.map((t) => `\n  ${t.name.padEnd(15)} ${t.about}`).join("")}`);
        process.exit(0);
      default:
        throw new Error(`unknown argument ${k}`);
    }
  }
  return a;
}

const repro = (f: { seed: number; target: string; index: number }) => `node --import tsx tests/fuzz/run.ts --seed ${f.seed} --target ${f.target} --case ${f.index}`;
const mibN = (n: number) => (n / 2 ** 20).toFixed(0);
const mib = (n: number) => `${mibN(n)} MiB`;

/** Replays one case in this process and prints everything about it. */
async function replay(a: Args): Promise<number> {
  const target = targetNamed(a.targets[0]!)!;
  const seeds = await target.setup();
  const c = makeCase(target, seeds, a.seed, a.caseIndex!);
  console.log(`target ${target.name}, seed ${a.seed}, case ${a.caseIndex}: corpus item "${c.seed.label}", ${c.bytes.length} bytes`);
  console.log(c.bytes.toString("hex"));
  const start = performance.now();
  try {
    await target.run(c.bytes, c.seed.meta, c.rng);
    console.log(`accepted in ${(performance.now() - start).toFixed(1)} ms`);
    return 0;
  } catch (e) {
    const ms = (performance.now() - start).toFixed(1);
    if (e instanceof KsealError) {
      console.log(`rejected with KsealError ${e.code} in ${ms} ms: ${e.message}`);
      return 0;
    }
    console.log(`FAILED (${e instanceof Finding ? e.kind : "crash"}) in ${ms} ms:`);
    console.log(e);
    return 1;
  }
}

interface TargetSummary {
  cases: number;
  accepted: number;
  rejected: number;
  codes: Record<string, number>;
  labels: Record<string, number>;
  slowestMs: number;
  slowestIndex: number;
  failures: number;
  setupMs: number;
  seeds: number;
  rssPeak: number;
  heapPeak: number;
  rssStart: number;
  rssEnd: number;
}

async function fuzz(a: Args): Promise<number> {
  const targets = a.targets.map((n) => targetNamed(n)!);
  const plan = planCases(targets, a.cases);
  const total = a.cases;
  console.log(`kseal fuzz: seed ${a.seed}, ${total.toLocaleString("en")} cases over ${targets.length} targets (${[...plan].map(([t, n]) => `${t} ${n.toLocaleString("en")}`).join(", ")}), budget ${a.budgetMs} ms/case`);
  // Remaining work, as ranges.
  let queue = [...plan].filter(([, n]) => n > 0).map(([target, n]) => ({ target, from: 0, to: n }));
  const failures: Failure[] = [];
  const summaries = new Map<string, TargetSummary>();
  const started = performance.now();
  let doneCases = 0;
  let rssPeak = 0;
  let heapPeak = 0;
  let restarts = 0;

  const childPath = fileURLToPath(new URL("./child.ts", import.meta.url));
  let pinpointUntil: { target: string; to: number } | undefined;

  while (queue.length > 0) {
    const pinpoint = pinpointUntil !== undefined;
    const plan = pinpoint ? [{ target: pinpointUntil!.target, from: queue[0]!.from, to: Math.min(queue[0]!.to, pinpointUntil!.to) }] : queue;
    const job: ChildJob = { seed: a.seed, budgetMs: a.budgetMs, maxRssMb: a.maxRssMb, pinpoint, plan };
    const child: ChildProcess = fork(childPath, [], { execArgv: [...process.execArgv, "--max-old-space-size=1536", "--expose-gc"], serialization: "advanced", env: { ...process.env, KSEAL_LOG_LEVEL: process.env.KSEAL_LOG_LEVEL ?? "warn" }, stdio: ["ignore", "inherit", "pipe", "ipc"] });
    child.send(job);
    let stderrTail = "";
    child.stderr!.on("data", (d: Buffer) => {
      process.stderr.write(d as unknown as Uint8Array);
      stderrTail = (stderrTail + d.toString()).slice(-4000);
    });
    let last = performance.now();
    let current = { target: plan[0]!.target, from: plan[0]!.from, lastDone: plan[0]!.from - 1, started: -1 };
    let reason: "hang" | undefined;
    let finished = false;
    let lastPrint = performance.now();
    const watchdog = setInterval(() => {
      const now = performance.now();
      if (now - last > a.hangMs && !reason) {
        reason = "hang";
        child.kill("SIGKILL");
      }
      if (now - lastPrint > 3000) {
        lastPrint = now;
        const secs = (now - started) / 1000;
        const n = doneCases + Math.max(0, current.lastDone + 1 - current.from);
        console.log(`[${secs.toFixed(0).padStart(4)} s] ${n.toLocaleString("en")}/${total.toLocaleString("en")} cases, ${(n / secs).toFixed(0)}/s, target ${current.target}${pinpoint ? " (pinpointing)" : ""}, failures ${failures.length}, worker RSS ${mib(rssPeak)} peak`);
      }
    }, 250);
    child.on("message", (m: ChildMessage) => {
      last = performance.now();
      switch (m.type) {
        case "setup":
          current = { target: m.target, from: plan.find((p) => p.target === m.target)!.from, lastDone: plan.find((p) => p.target === m.target)!.from - 1, started: -1 };
          summaries.set(m.target, { ...(summaries.get(m.target) ?? emptySummary()), setupMs: m.ms, seeds: m.seeds });
          break;
        case "case":
          current.started = m.index;
          break;
        case "progress":
          current.lastDone = m.lastDone;
          rssPeak = Math.max(rssPeak, m.rss);
          heapPeak = Math.max(heapPeak, m.heapUsed);
          break;
        case "failure":
          failures.push(m.failure);
          console.log(`FAILURE ${m.failure.kind} in ${m.failure.target} case ${m.failure.index} (from "${m.failure.corpusItem}", ${m.failure.inputLength} bytes): ${m.failure.message.split("\n")[0]}\n  reproduce: ${repro(m.failure)}`);
          break;
        case "target-done": {
          const s = summaries.get(m.stats.target) ?? emptySummary();
          s.cases += m.stats.cases;
          s.accepted += m.stats.accepted;
          s.rejected += m.stats.rejected;
          for (const [c, n] of Object.entries(m.stats.codes)) s.codes[c] = (s.codes[c] ?? 0) + n;
          for (const [c, n] of Object.entries(m.stats.labels)) s.labels[c] = (s.labels[c] ?? 0) + n;
          if (m.stats.slowestMs > s.slowestMs) { s.slowestMs = m.stats.slowestMs; s.slowestIndex = m.stats.slowestIndex; }
          s.failures += m.stats.failures;
          s.rssPeak = Math.max(s.rssPeak, m.rssPeak);
          if (!s.rssStart) s.rssStart = m.rssStart;
          s.rssEnd = m.rssEnd;
          s.heapPeak = Math.max(s.heapPeak, m.heapPeak);
          summaries.set(m.stats.target, s);
          rssPeak = Math.max(rssPeak, m.rssPeak);
          heapPeak = Math.max(heapPeak, m.heapPeak);
          doneCases += m.stats.cases;
          queue = queue.filter((q) => q.target !== m.stats.target || pinpoint);
          if (pinpoint) queue[0]!.from = Math.min(queue[0]!.to, pinpointUntil!.to);
          break;
        }
        case "done":
          finished = true;
          break;
      }
    });
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
    clearInterval(watchdog);
    if (pinpoint && finished) {
      // The window ran clean (a flaky hang or crash): go on normally.
      if (queue[0] && queue[0].from >= queue[0].to) queue.shift();
      pinpointUntil = undefined;
      continue;
    }
    if (finished && exit.code === 0) break;
    if (!pinpoint && exit.code === 3) {
      // The worker reported memory over the limit itself; go on after the case it named.
    }
    // The worker hung or died. Count what it finished of this target, then pinpoint or record.
    const q = queue.find((x) => x.target === current.target)!;
    const partial = current.lastDone + 1 - q.from;
    if (partial > 0) {
      const s = summaries.get(current.target) ?? emptySummary();
      s.cases += partial;
      summaries.set(current.target, s);
      doneCases += partial;
    }
    q.from = current.lastDone + 1;
    if (!pinpoint && exit.code !== 3) {
      restarts++;
      pinpointUntil = { target: current.target, to: Math.min(q.to, q.from + 20_000) };
      console.log(`worker ${reason ?? `died (${exit.signal ?? `exit ${exit.code}`})`} in ${current.target} after case ${current.lastDone}; replaying from case ${q.from} one by one`);
      queue = [q, ...queue.filter((x) => x !== q)];
      continue;
    }
    const index = exit.code === 3 ? current.lastDone : current.started;
    if (index < q.from - (exit.code === 3 ? 1 : 0)) {
      console.log(`fuzz worker failed before running a case of ${current.target} (${reason ?? exit.signal ?? `exit ${exit.code}`}); stopping`);
      return 2;
    }
    if (exit.code !== 3) {
      const kind: FindingKind = reason ?? (/out of memory|Allocation failed/i.test(stderrTail) ? "memory" : "crash");
      const f: Failure = {
        target: current.target, seed: a.seed, index, kind,
        message: reason ? `no progress for ${a.hangMs} ms` : `worker died: ${exit.signal ?? `exit code ${exit.code}`}; ${stderrTail.split("\n").filter(Boolean).slice(-3).join(" | ")}`,
        corpusItem: "?", inputHex: "", inputLength: 0,
      };
      failures.push(f);
      console.log(`FAILURE ${f.kind} in ${f.target} case ${index}: ${f.message}\n  reproduce: ${repro(f)}`);
    }
    q.from = index + 1;
    if (q.from >= q.to) queue = queue.filter((x) => x !== q);
    pinpointUntil = undefined;
    restarts++;
    if (restarts > 50) {
      console.log("too many worker restarts; stopping");
      break;
    }
  }

  const secs = (performance.now() - started) / 1000;
  console.log(`\nkseal fuzz summary: seed ${a.seed}, ${doneCases.toLocaleString("en")} cases in ${secs.toFixed(1)} s (${(doneCases / secs).toFixed(0)}/s), worker RSS peak ${mib(rssPeak)}, heap peak ${mib(heapPeak)}`);
  console.log("target           cases      accepted  rejected  slowest(ms)  failures  RSS MiB start>end (peak)  top rejections");
  for (const t of targets) {
    const s = summaries.get(t.name) ?? emptySummary();
    const top = Object.entries(s.codes).sort((x, y) => y[1] - x[1]).slice(0, 3).map(([c, n]) => `${c} ${n}`).join(", ");
    console.log(`${t.name.padEnd(16)} ${String(s.cases).padStart(8)}  ${String(s.accepted).padStart(8)}  ${String(s.rejected).padStart(8)}  ${s.slowestMs.toFixed(1).padStart(11)}  ${String(s.failures).padStart(8)}  ${`${mibN(s.rssStart)}>${mibN(s.rssEnd)} (${mibN(s.rssPeak)})`.padEnd(24)}  ${top}`);
    const labels = Object.entries(s.labels).sort((x, y) => y[1] - x[1]).map(([c, n]) => `${c} ${n}`).join(", ");
    if (labels) console.log(`${"".padEnd(16)}   accepted as: ${labels}`);
  }
  if (a.report) {
    writeFileSync(a.report, JSON.stringify({ seed: a.seed, cases: doneCases, seconds: secs, rssPeak, heapPeak, targets: Object.fromEntries(summaries), failures }, null, 2));
  }
  if (failures.length > 0) {
    console.log(`\n${failures.length} failure(s):`);
    for (const f of failures.slice(0, 50)) console.log(`  ${f.kind} ${f.target} case ${f.index}: ${f.message.split("\n")[0]!.slice(0, 200)}\n    ${repro(f)}`);
    return 1;
  }
  console.log("no failures");
  return 0;
}

function emptySummary(): TargetSummary {
  return { cases: 0, accepted: 0, rejected: 0, codes: {}, labels: {}, slowestMs: 0, slowestIndex: -1, failures: 0, setupMs: 0, seeds: 0, rssPeak: 0, heapPeak: 0, rssStart: 0, rssEnd: 0 };
}

const args = parseArgs(process.argv.slice(2));
const code = args.caseIndex !== undefined ? await replay(args) : await fuzz(args);
process.exit(code);
