// Kafka's own Java clients (kafka-clients 4.4: Produce v13 with topic ids, Fetch v18, Metadata
// v13, ApiVersions v5 with the cluster/node id check) through the proxy only.
import t from "tap";
import { kafkaUnavailableReason, runKafkaTool, uniqueTopic, useCluster } from "../../rig/index.js";
import { checkOnlyProxyAddresses, startTestProxy } from "./proxy-harness.js";

/** The key:value lines of a console consumer's output (it may print notices too). */
const records = (out: string) => out.split("\n").filter((l) => /^key\d+:value-\d+$/.test(l));

const unavailable = kafkaUnavailableReason();
if (unavailable) t.plan(0, unavailable);
else {
  t.test("Java console producer and consumer through the proxy, group resume", async (t) => {
    const info = await useCluster(t, { brokers: 3 });
    const tp = await startTestProxy(t, info);
    const topic = uniqueTopic("proxy-java");
    const boot = tp.bootstrap;

    const created = await runKafkaTool(info, "topics", ["--bootstrap-server", boot, "--create", "--topic", topic, "--partitions", "3", "--replication-factor", "1"]);
    t.equal(created.code, 0, `topic created through the proxy ${created.code ? created.stderr.slice(-500) : ""}`);

    const n = 40;
    const lines = Array.from({ length: n }, (_, i) => `key${i}:value-${i}`);
    const produced = await runKafkaTool(
      info,
      "console-producer",
      ["--bootstrap-server", boot, "--topic", topic, "--property", "parse.key=true", "--property", "key.separator=:", "--producer-property", "acks=all", "--producer-property", "linger.ms=5"],
      { input: lines.join("\n") + "\n" },
    );
    t.equal(produced.code, 0, `console producer exit 0 ${produced.code ? produced.stderr.slice(-500) : ""}`);

    const group = uniqueTopic("java-group");
    const consume = (max: number) =>
      runKafkaTool(info, "console-consumer", [
        "--bootstrap-server", boot, "--topic", topic, "--group", group, "--from-beginning",
        "--max-messages", String(max), "--timeout-ms", "30000",
        // One record per poll, so the offsets committed on close are exactly the ones printed.
        "--consumer-property", "max.poll.records=1",
        "--property", "print.key=true", "--property", "key.separator=:",
      ]);
    const half = n / 2;
    const r1 = await consume(half);
    t.equal(r1.code, 0, `first consumer exit 0 ${r1.code ? r1.stderr.slice(-500) : ""}`);
    const got1 = records(r1.stdout);
    t.equal(got1.length, half, "first half consumed");
    const r2 = await consume(half);
    t.equal(r2.code, 0, `resumed consumer exit 0 ${r2.code ? r2.stderr.slice(-500) : ""}`);
    const got2 = records(r2.stdout);
    t.equal(got2.length, half, "second half consumed");
    t.same([...got1, ...got2].sort(), lines.slice().sort(), "every record exactly once across the two runs");

    // KIP-848 consumer group protocol (ConsumerGroupHeartbeat, opaque to the proxy).
    const r3 = await runKafkaTool(info, "console-consumer", [
      "--bootstrap-server", boot, "--topic", topic, "--group", uniqueTopic("java-848"), "--from-beginning",
      "--max-messages", String(n), "--timeout-ms", "30000", "--consumer-property", "group.protocol=consumer",
      "--property", "print.key=true", "--property", "key.separator=:",
    ]);
    t.equal(r3.code, 0, `KIP-848 consumer exit 0 ${r3.code ? r3.stderr.slice(-500) : ""}`);
    t.same(records(r3.stdout).sort(), lines.slice().sort(), "KIP-848 consumer group reads every record");
    t.ok([...tp.requests.keys()].some((k) => k.startsWith("68:")), "ConsumerGroupHeartbeat went through the proxy");

    t.ok(tp.requests.has("0:13"), `Java producer used Produce v13 (topic ids): ${[...tp.requests.keys()].filter((k) => k.startsWith("0:")).join(",")}`);
    t.ok([...tp.requests.keys()].some((k) => k.startsWith("1:")), "Fetch went through the proxy");
    checkOnlyProxyAddresses(t, tp, info, { minNodePortsUsed: 2 });
    t.ok(tp.proxy.state.topics.idOf(topic), "topic id learned from Metadata");
  });
}
