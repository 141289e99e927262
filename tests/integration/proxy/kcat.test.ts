// kcat (librdkafka: its own protocol code, Produce up to v7-10, Fetch up to v11-16, FindCoordinator
// v0-2) through the proxy only: metadata, produce, consume on a 3-partition topic.
import t from "tap";
import { kafkaUnavailableReason, kcatLibrdkafkaVersion, kcatPath, runKcat, uniqueTopic, useCluster, createTopic } from "../../rig/index.js";
import { checkOnlyProxyAddresses, startTestProxy } from "./proxy-harness.js";

const unavailable = kafkaUnavailableReason() ?? (kcatPath() ? undefined : "kcat is not installed (apt-get install -y kcat); skipping the librdkafka client test");
if (unavailable) t.plan(0, unavailable);
else {
  t.test(`kcat (librdkafka ${kcatLibrdkafkaVersion()}) through the proxy`, async (t) => {
    const info = await useCluster(t, { brokers: 3 });
    const tp = await startTestProxy(t, info);
    const topic = await createTopic(info, { topic: uniqueTopic("proxy-kcat"), numPartitions: 3 });

    const meta = await runKcat(["-b", tp.bootstrap, "-L", "-J", "-t", topic], { timeoutMs: 30_000 });
    t.equal(meta.code, 0, `kcat -L ${meta.stderr.slice(-300)}`);
    const m = JSON.parse(meta.stdout) as { brokers: Array<{ id: number; name: string }>; topics: Array<{ partitions: unknown[] }> };
    const ports = new Set(tp.proxy.listeningPorts().map(String));
    t.equal(m.brokers.length, 3, "3 brokers listed");
    for (const b of m.brokers) t.ok(b.name.startsWith("127.0.0.1:") && ports.has(b.name.split(":")[1]!), `broker ${b.id} listed as proxy address ${b.name}`);
    t.equal(m.topics[0]!.partitions.length, 3);

    const n = 60;
    const lines = Array.from({ length: n }, (_, i) => `k${i}:kcat-value-${i}`);
    const prod = await runKcat(["-b", tp.bootstrap, "-t", topic, "-P", "-K:", "-X", "acks=all"], { input: lines.join("\n") + "\n", timeoutMs: 60_000 });
    t.equal(prod.code, 0, `kcat producer exit 0 ${prod.stderr.slice(-300)}`);

    const cons = await runKcat(["-b", tp.bootstrap, "-t", topic, "-C", "-o", "beginning", "-e", "-q", "-f", "%k:%s\\n"], { timeoutMs: 60_000 });
    t.equal(cons.code, 0, `kcat consumer exit 0 ${cons.stderr.slice(-300)}`);
    const got = cons.stdout.split("\n").filter(Boolean).sort();
    t.same(got, lines.slice().sort(), "every record consumed back");

    // acks=0 from librdkafka: no response expected, the connection must stay in step.
    const zero = Array.from({ length: 20 }, (_, i) => `z${i}:acks0-${i}`);
    const prod0 = await runKcat(["-b", tp.bootstrap, "-t", topic, "-P", "-K:", "-X", "acks=0"], { input: zero.join("\n") + "\n", timeoutMs: 60_000 });
    t.equal(prod0.code, 0, `kcat acks=0 producer exit 0 ${prod0.stderr.slice(-300)}`);
    const cons2 = await runKcat(["-b", tp.bootstrap, "-t", topic, "-C", "-o", "beginning", "-e", "-q", "-f", "%k:%s\\n"], { timeoutMs: 60_000 });
    const got2 = cons2.stdout.split("\n").filter((l) => l.includes("acks0-")).sort();
    t.same(got2, zero.slice().sort(), "acks=0 records arrived");

    checkOnlyProxyAddresses(t, tp, info, { minNodePortsUsed: 2 });
  });
}
