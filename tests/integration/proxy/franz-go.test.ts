// franz-go (Go; newest protocol versions: Produce v13 with topic ids, Fetch v18, batched
// FindCoordinator v4+) through the proxy only: produce, then consume in a group and commit. The
// client is the rig's kseal-franz (tests/rig/franz-go, built with the Go toolchain, modules from
// the Go module proxy); the test skips when that is impossible.
import t from "tap";
import { clientUnavailableReason, createTopic, kafkaUnavailableReason, runFranz, uniqueTopic, useCluster } from "../../rig/index.js";
import { checkOnlyProxyAddresses, startTestProxy } from "./proxy-harness.js";

const unavailable = kafkaUnavailableReason();
if (unavailable) t.plan(0, unavailable);
else {
  t.test("franz-go through the proxy: produce, group consume, commit", async (t) => {
    const noFranz = await clientUnavailableReason("franz");
    if (noFranz) {
      t.plan(0, `skipping the franz-go client test: ${noFranz}`);
      return;
    }
    const info = await useCluster(t, { brokers: 3 });
    const tp = await startTestProxy(t, info);
    const topic = await createTopic(info, { topic: uniqueTopic("proxy-franz"), numPartitions: 3 });
    const n = 50;
    const input = Array.from({ length: n }, (_, i) => `k${i}\tfranz-${i}\n`).join("");
    const p = await runFranz(["produce", "-brokers", tp.bootstrap, "-topic", topic], { input, timeoutMs: 120_000 });
    t.equal(p.code, 0, `franz-go produce exit 0 ${p.stderr.slice(-500)}`);
    const c = await runFranz(
      ["consume", "-brokers", tp.bootstrap, "-topic", topic, "-count", String(n), "-group", uniqueTopic("franz-g"), "-commit"],
      { timeoutMs: 120_000 },
    );
    t.equal(c.code, 0, `franz-go consume exit 0 ${c.stderr.slice(-500)}`);
    const values = c.stdout.split("\n").filter(Boolean).map((l) => l.slice(l.indexOf("\t") + 1));
    t.same(values.sort(), Array.from({ length: n }, (_, i) => `franz-${i}`).sort(), "every record consumed back");
    const keys = [...tp.requests.keys()];
    t.ok(keys.includes("0:13"), `Produce v13 (topic ids) through the proxy: ${keys.filter((k) => k.startsWith("0:")).join(",")}`);
    t.ok(keys.some((k) => /^10:[4-6]$/.test(k)), `batched FindCoordinator: ${keys.filter((k) => k.startsWith("10:")).join(",")}`);
    t.ok(keys.some((k) => /^1:1[6-8]$/.test(k)), `Fetch v16+: ${keys.filter((k) => k.startsWith("1:")).join(",")}`);
    t.ok(keys.some((k) => k.startsWith("8:")), `OffsetCommit: ${keys.filter((k) => k.startsWith("8:")).join(",")}`);
    checkOnlyProxyAddresses(t, tp, info, { minNodePortsUsed: 2 });
  });
}
