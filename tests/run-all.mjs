#!/usr/bin/env node
// The whole test run behind `npm test`: starts the test rig (a real Kafka cluster), runs the tap
// suites (host unit and integration tests) and the as-pect suites (assembly/), stops the rig, and
// prints one summary line, `tests: N passed, M failed`, as the very last line.
//
// KSEAL_TEST_BROKERS (default 3) sizes the shared cluster; KSEAL_TEST_NO_RIG=1 skips it (tests
// that need a cluster then start their own or skip with a reason).
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);

/** Runs a command, echoing its output, and resolves with {code, out}. */
function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => { out += d; process.stdout.write(d); });
    child.stderr.on("data", (d) => { out += d; process.stderr.write(d); });
    child.on("close", (code) => resolve({ code: code ?? 1, out }));
  });
}

const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, "");
let passed = 0;
let failed = 0;

// tap prints `# { total: N, pass: P, fail: F, ... }` at the end of a TAP-reporter run.
function countTap({ code, out }) {
  const m = [...stripAnsi(out).matchAll(/^# (\{ total: \d+.*\})$/gm)].pop();
  if (!m) { failed += 1; console.error("tests: tap printed no summary (exit " + code + ")"); return; }
  // e.g. { total: 12, pass: 10, fail: 1, skip: 1 }: skipped and todo tests are neither passed nor failed
  const n = (key) => Number(new RegExp(`\\b${key}: (\\d+)`).exec(m[1])?.[1] ?? 0);
  passed += n("pass");
  const notFailed = n("pass") + n("skip") + n("todo");
  failed += n("total") - notFailed;
  if (code !== 0 && n("total") === notFailed) failed += 1;
}

// as-pect prints `[Tests]: P / N` in its summary.
function countAsp({ code, out }) {
  const m = stripAnsi(out).match(/\[Tests\]:\s*(\d+)\s*\/\s*(\d+)/);
  if (!m) { failed += 1; console.error("tests: as-pect printed no summary (exit " + code + ")"); return; }
  passed += Number(m[1]);
  failed += Number(m[2]) - Number(m[1]);
  if (code !== 0 && m[1] === m[2]) failed += 1;
}

let cluster = null;
const rigCli = ["--import", "tsx", join(root, "tests/rig/cli.ts")];
async function rigDown() {
  if (!cluster) return;
  cluster = null;
  await run(process.execPath, [...rigCli, "down", "--name", "npm-test"]);
}
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => { rigDown().finally(() => process.exit(130)); });

const env = {};
if (process.env.KSEAL_TEST_NO_RIG !== "1") {
  const brokers = process.env.KSEAL_TEST_BROKERS ?? "3";
  const up = await run(process.execPath, [...rigCli, "up", "--brokers", brokers, "--name", "npm-test", "--owner-pid", String(process.pid)]);
  const line = up.out.trim().split("\n").reverse().find((l) => l.startsWith("{"));
  if (up.code !== 0 || !line) {
    console.error("tests: the test rig did not start a Kafka cluster; integration tests will start their own or skip");
  } else {
    cluster = JSON.parse(line);
    env.KSEAL_TEST_CLUSTER = line;
  }
}

try {
  countTap(await run(bin("tap"), ["--reporter=tap"], env));
  countAsp(await run(bin("asp"), ["--config", "as-pect.config.js"]));
} finally {
  await rigDown();
}
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
