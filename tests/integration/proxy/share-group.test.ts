// Share groups (KIP-932) through the proxy with Kafka's console share consumer: ShareGroupHeartbeat
// (opaque), ShareFetch / ShareAcknowledge (decoded for their NodeEndpoints), topic ids only.
import t from "tap";
import { kafkaUnavailableReason, runKafkaTool, uniqueTopic, useCluster } from "../../rig/index.js";
import { checkOnlyProxyAddresses, startTestProxy } from "./proxy-harness.js";

const unavailable = kafkaUnavailableReason();
if (unavailable) t.plan(0, unavailable);
else {
  t.test("console share consumer through the proxy", async (t) => {
    const info = await useCluster(t, { brokers: 3 });
    const tp = await startTestProxy(t, info);
    const boot = tp.bootstrap;
    const topic = uniqueTopic("proxy-share");
    const group = uniqueTopic("share-group");

    const created = await runKafkaTool(info, "topics", ["--bootstrap-server", boot, "--create", "--topic", topic, "--partitions", "3", "--replication-factor", "1"]);
    t.equal(created.code, 0, `topic created ${created.stderr.slice(-300)}`);
    // Share groups start at the latest offset unless told otherwise.
    const cfg = await runKafkaTool(info, "configs", ["--bootstrap-server", boot, "--alter", "--entity-type", "groups", "--entity-name", group, "--add-config", "share.auto.offset.reset=earliest"]);
    t.equal(cfg.code, 0, `group config set through the proxy ${cfg.stderr.slice(-300)}`);

    const n = 30;
    const lines = Array.from({ length: n }, (_, i) => `share-${i}`);
    const produced = await runKafkaTool(info, "console-producer", ["--bootstrap-server", boot, "--topic", topic], { input: lines.join("\n") + "\n" });
    t.equal(produced.code, 0, `produced ${produced.stderr.slice(-300)}`);

    const consumed = await runKafkaTool(info, "org.apache.kafka.tools.consumer.ConsoleShareConsumer", [
      "--bootstrap-server", boot, "--topic", topic, "--group", group, "--max-messages", String(n), "--timeout-ms", "45000",
    ], { timeoutMs: 120_000 });
    t.equal(consumed.code, 0, `share consumer exit 0 ${consumed.code ? consumed.stderr.slice(-800) : ""}`);
    const got = consumed.stdout.split("\n").filter((l) => l.startsWith("share-"));
    t.same(got.slice().sort(), lines.slice().sort(), "every record delivered to the share consumer");

    const keys = [...tp.requests.keys()];
    t.ok(keys.some((k) => k.startsWith("76:")), `ShareGroupHeartbeat went through the proxy`);
    t.ok(keys.some((k) => k.startsWith("78:")), `ShareFetch went through the proxy (${keys.filter((k) => /^7[89]:/.test(k)).join(",")})`);
    checkOnlyProxyAddresses(t, tp, info, { minNodePortsUsed: 2 });
  });
}
