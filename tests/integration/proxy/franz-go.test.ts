// franz-go (Go; newest protocol versions: Produce v13 with topic ids, Fetch v18, batched
// FindCoordinator v4+) through the proxy only. The client is built from tests/clients/franz with
// the Go toolchain (modules from the Go module proxy); the test skips when that is impossible.
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { createTopic, kafkaUnavailableReason, uniqueTopic, useCluster } from "../../rig/index.js";
import { checkOnlyProxyAddresses, startTestProxy } from "./proxy-harness.js";

function buildFranz(): { bin?: string; reason?: string } {
  const src = fileURLToPath(new URL("../../clients/franz/", import.meta.url));
  const bin = join(mkdtempSync(join(tmpdir(), "kseal-franz-")), "franz");
  const r = spawnSync("go", ["build", "-o", bin, "."], { cwd: src, encoding: "utf8", timeout: 300_000 });
  if (r.error) return { reason: `go is not installed (${r.error.message}); skipping the franz-go client test` };
  if (r.status !== 0) return { reason: `cannot build the franz-go client: ${(r.stderr || "").trim().slice(-300)}` };
  return { bin };
}

const unavailable = kafkaUnavailableReason();
if (unavailable) t.plan(0, unavailable);
else {
  t.test("franz-go through the proxy: produce, group consume, commit", async (t) => {
    const franz = buildFranz();
    if (!franz.bin) {
      t.plan(0, franz.reason);
      return;
    }
    const info = await useCluster(t, { brokers: 3 });
    const tp = await startTestProxy(t, info);
    const topic = await createTopic(info, { topic: uniqueTopic("proxy-franz"), numPartitions: 3 });
    const n = 50;
    // Asynchronously: the proxy runs in this process and must keep serving while the client runs.
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(franz.bin!, ["-brokers", tp.bootstrap, "-topic", topic, "-n", String(n), "-group", uniqueTopic("franz-g")], { encoding: "utf8", timeout: 120_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    t.equal(r.code, 0, `franz-go client exit 0 ${r.stderr.slice(-500)}`);
    const res = JSON.parse(r.stdout.trim().split("\n").pop() || "{}") as { produced: number; consumed: number; values: string[] };
    t.equal(res.produced, n);
    t.same(res.values, Array.from({ length: n }, (_, i) => `franz-${i}`).sort(), "every record consumed back");
    const keys = [...tp.requests.keys()];
    t.ok(keys.includes("0:13"), `Produce v13 (topic ids) through the proxy: ${keys.filter((k) => k.startsWith("0:")).join(",")}`);
    t.ok(keys.some((k) => /^10:[4-6]$/.test(k)), `batched FindCoordinator: ${keys.filter((k) => k.startsWith("10:")).join(",")}`);
    t.ok(keys.some((k) => /^1:1[6-8]$/.test(k)), `Fetch v16+: ${keys.filter((k) => k.startsWith("1:")).join(",")}`);
    checkOnlyProxyAddresses(t, tp, info, { minNodePortsUsed: 2 });
  });
}
