// No data loss under faults, on the shared 3-broker cluster: VerifiableProducer (idempotent,
// acks=all) and VerifiableConsumer through a real kseal process with a remote KMS, one fault per
// subtest: kseal killed and restarted, the KMS stopped and restarted, module swaps, a slow
// consumer. After each, every acknowledged record is read back byte-identical, nothing is
// duplicated, and no replica's log segments hold the plaintext values. (Broker kill:
// broker-kill.test.ts, on a private cluster.)
import t, { type Test } from "tap";
import { createTopic, kafkajsClient, kafkaUnavailableReason, useCluster } from "../../rig/index.js";
import { describeCheck, scanSegments } from "../../rig/verifiable.js";
import { killProxy, slowConsumer, SLOW_CONSUMER_CONFIG, stopKms, swapModules } from "./fault-injectors.js";
import { faultKmsUnavailableReason, ProxyUnderTest, runScenario, startFaultKms, type ScenarioOptions, type ScenarioResult } from "./fault-scenario.js";

const unavailable = kafkaUnavailableReason() ?? faultKmsUnavailableReason();
const MESSAGES = 200;
const THROUGHPUT = 100;

function verdict(t: Test, name: string, r: ScenarioResult): void {
  t.comment(`FAULT ${JSON.stringify({ fault: name, seconds: r.seconds, ...summary(r) })}`);
  t.equal(r.producerExit, 0, `${name}: the producer sent all records`);
  t.equal(r.producerErrors, 0, `${name}: no send failed for good (retriable errors only)`);
  t.same(r.check.missing, [], `${name}: every acknowledged record consumed (${describeCheck(r.check)})`);
  t.same(r.check.mismatched, [], `${name}: consumed values byte-identical to the produced ones`);
  t.same(r.check.duplicates, [], `${name}: no value stored twice (idempotent producer)`);
  t.same(r.check.unexpected, [], `${name}: no value the producer never sent`);
  t.ok(r.scan.files >= 9, `${name}: segments of every replica scanned (${r.scan.files} files, ${r.scan.bytes} bytes)`);
  t.same(r.scan.found, [], `${name}: no plaintext value in any log segment`);
}

function summary(r: ScenarioResult) {
  return {
    acked: r.check.acked, consumed: r.check.consumed, missing: r.check.missing.length, duplicates: r.check.duplicates.length,
    redelivered: r.check.redelivered, mismatched: r.check.mismatched.length, plaintextFiles: r.scan.found.length,
  };
}

if (unavailable) t.plan(0, unavailable);
else {
  t.test("faults through kseal on a 3-broker cluster", async (t) => {
    const info = await useCluster(t, { brokers: 3 });
    const kms = await startFaultKms();
    t.teardown(() => kms.stop());
    const proxy = await ProxyUnderTest.start(info, kms);
    t.teardown(() => proxy.stop());
    t.comment(`KMS: ${kms.name}`);
    const base = (fault: ScenarioOptions["fault"], extra: Partial<ScenarioOptions> = {}): ScenarioOptions =>
      ({ info, proxy, kms, messages: MESSAGES, throughput: THROUGHPUT, fault, log: (m) => t.comment(m), ...extra });

    await t.test("control: the segment scan sees plaintext written without kseal", async (t) => {
      const topic = await createTopic(info, { numPartitions: 3, replicationFactor: 3 });
      const producer = kafkajsClient(info).producer();
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: [0, 1, 2].map((i) => ({ partition: i, value: `123456789.${i}` })) });
      await producer.disconnect();
      const scan = scanSegments(info, topic, 3, "123456789.");
      t.equal(scan.found.length, 9, `found in every replica of every partition (${scan.files} files)`);
    });

    await t.test("kseal killed and restarted", async (t) => {
      const r = await runScenario(base(async () => { await killProxy(proxy, 1000); }));
      verdict(t, "proxy-kill", r);
    });

    await t.test("KMS stopped and restarted", async (t) => {
      let outage: Awaited<ReturnType<typeof stopKms>> | undefined;
      // Early, so the producer is still sending when the current DEK expires during the outage.
      const r = await runScenario(base(async ({ producer }) => { outage = await stopKms(kms, proxy, 5000, producer); }, { faultAfter: 50, messages: Math.round(2.5 * MESSAGES) }));
      t.comment(`outage ${JSON.stringify(outage)}`);
      t.ok(outage!.produceFailures > 0, `produce partitions failed (retriable) while the KMS was away: ${outage!.produceFailures}`);
      verdict(t, "kms-stop", r);
    });

    await t.test("module swapped under load", async (t) => {
      let swaps: Awaited<ReturnType<typeof swapModules>> | undefined;
      const r = await runScenario(base(async () => { swaps = await swapModules(proxy, 1, 500); }));
      t.same(swaps!.policies, ["strict", "standard"], "strict, then standard again");
      verdict(t, "module-swap", r);
    });

    await t.test("slow consumer", async (t) => {
      const r = await runScenario(base(async ({ consumer }) => { await slowConsumer(consumer, 2, 2000, 500); }, { consumerConfig: SLOW_CONSUMER_CONFIG }));
      verdict(t, "slow-consumer", r);
    });
  });
}
