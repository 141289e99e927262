// The rig CLI as tests/run-all.mjs and developers use it: up prints the cluster as the last
// stdout line and leaves it running; status, list and tool find it; down or the owner's exit
// stops it without leaving a JVM behind.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { describeVia, kafkaUnavailableReason, type ClusterInfo } from "../../rig/index.js";
import { processAlive } from "../../rig/rig-state.js";
import { sleep } from "../../rig/cluster-probe.js";

const noKafka = kafkaUnavailableReason();
const stateDir = mkdtempSync(join(tmpdir(), "kseal-rig-cli-"));
t.teardown(() => rmSync(stateDir, { recursive: true, force: true }));

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "tests/rig/cli.ts", ...args], {
      env: { ...process.env, KSEAL_RIG_DIR: stateDir },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

const lastJsonLine = (out: string) => JSON.parse(out.trim().split("\n").reverse().find((l) => l.startsWith("{"))!) as ClusterInfo;

/** PIDs of a process's children (the supervisor's JVMs). */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function waitUntil(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(200);
  }
  return cond();
}

t.test("up, status, list, tool, reuse, down", { skip: noKafka }, async (t) => {
  const up = await cli("up", "--name", "cli-a", "--brokers", "2");
  t.equal(up.code, 0, up.stderr);
  const info = lastJsonLine(up.stdout);
  t.teardown(() => cli("down", "--name", "cli-a"));
  t.equal(info.name, "cli-a");
  t.equal(info.brokers.length, 2);
  t.ok(info.dir.startsWith(stateDir));
  t.same((await describeVia(info.brokers[0]!)).brokerIds, [1, 2], "the cluster answers after up returned");
  const jvms = childPids(info.pid);
  t.equal(jvms.length, 2, "the supervisor owns one JVM per node");

  const status = await cli("status", "--name", "cli-a");
  t.equal(status.code, 0);
  t.same(lastJsonLine(status.stdout), info);
  t.equal((await cli("list")).stdout.trim(), "cli-a");

  const created = await cli("tool", "--name", "cli-a", "topics", "--bootstrap-server", "{bootstrap}", "--create", "--topic", "from-cli");
  t.equal(created.code, 0, created.stderr);
  const again = await cli("up", "--name", "cli-a", "--brokers", "2");
  t.equal(again.code, 0);
  t.same(lastJsonLine(again.stdout), info, "a second up reuses the running cluster");
  t.match(again.stderr, /reusing/);
  const clash = await cli("up", "--name", "cli-a", "--brokers", "3");
  t.equal(clash.code, 1, "up with other options refuses instead of reusing");

  const down = await cli("down", "--name", "cli-a");
  t.equal(down.code, 0);
  // A dead supervisor can stay a zombie for a moment until init reaps it.
  t.ok(await waitUntil(() => !processAlive(info.pid), 5000), "supervisor gone");
  t.ok(await waitUntil(() => jvms.every((p) => !processAlive(p)), 5000), "JVMs gone");
  t.equal((await cli("status", "--name", "cli-a")).code, 1);
  t.equal((await cli("down", "--name", "cli-a")).code, 0, "down of a stopped cluster is not an error");
});

t.test("the cluster stops by itself when its owner process exits", { skip: noKafka }, async (t) => {
  const owner = spawn("sleep", ["600"], { stdio: "ignore" });
  t.teardown(() => owner.kill("SIGKILL"));
  const up = await cli("up", "--name", "cli-b", "--owner-pid", String(owner.pid));
  t.equal(up.code, 0, up.stderr);
  const info = lastJsonLine(up.stdout);
  t.teardown(() => cli("down", "--name", "cli-b"));
  const jvms = childPids(info.pid);
  t.equal(jvms.length, 1);
  owner.kill("SIGKILL");
  t.ok(await waitUntil(() => !processAlive(info.pid), 30_000), "supervisor exits after its owner");
  t.ok(await waitUntil(() => jvms.every((p) => !processAlive(p)), 5000), "and its JVM with it");
  t.equal((await cli("status", "--name", "cli-b")).code, 1);
});

t.test("usage errors exit 2", async (t) => {
  const res = await cli("up", "--brokers", "zero");
  t.equal(res.code, 2);
  t.match(res.stderr, /--brokers needs an integer/);
});

t.test("a cluster brought up by several users lives until the last one leaves", { skip: noKafka }, async (t) => {
  const [a, b, c] = [0, 1, 2].map(() => spawn("sleep", ["600"], { stdio: "ignore" }));
  t.teardown(() => [a, b, c].forEach((p) => p!.kill("SIGKILL")));
  const up = await cli("up", "--name", "cli-c", "--owner-pid", String(a!.pid));
  t.equal(up.code, 0, up.stderr);
  const info = lastJsonLine(up.stdout);
  t.teardown(() => cli("down", "--name", "cli-c", "--force"));
  for (const p of [b, c]) {
    const again = await cli("up", "--name", "cli-c", "--owner-pid", String(p!.pid));
    t.same(lastJsonLine(again.stdout), info, "reused");
  }
  const downA = await cli("down", "--name", "cli-c", "--owner-pid", String(a!.pid));
  t.equal(downA.code, 0);
  t.match(downA.stderr, /still used by process\(es\) \d+, \d+; left running/);
  t.equal((await cli("status", "--name", "cli-c")).code, 0, "still running for b and c");
  b!.kill("SIGKILL");
  await sleep(3000);
  t.ok(processAlive(info.pid), "c alone keeps it");
  c!.kill("SIGKILL");
  t.ok(await waitUntil(() => !processAlive(info.pid), 30_000), "stopped once no user is left");
});
