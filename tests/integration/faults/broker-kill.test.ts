// No data loss when a broker crashes: a private 3-broker cluster (the shared one must keep its
// brokers), VerifiableProducer (idempotent, acks=all, topic RF 3 with min.insync.replicas 2) and
// VerifiableConsumer through a real kseal process with a remote KMS; broker 2 is SIGKILLed mid-run
// and restarted with its data. Every acknowledged record is read back byte-identical, none twice,
// and no replica's log segments (the restarted broker's included) hold the plaintext values.
import t from "tap";
import { kafkaUnavailableReason, useOwnCluster } from "../../rig/index.js";
import { describeCheck } from "../../rig/verifiable.js";
import { killBroker } from "./fault-injectors.js";
import { faultKmsUnavailableReason, ProxyUnderTest, runScenario, startFaultKms } from "./fault-scenario.js";

const unavailable = kafkaUnavailableReason() ?? faultKmsUnavailableReason();

if (unavailable) t.plan(0, unavailable);
else {
  t.test("a broker killed and restarted under kseal", async (t) => {
    const cluster = await useOwnCluster(t, { brokers: 3 });
    const kms = await startFaultKms();
    t.teardown(() => kms.stop());
    const proxy = await ProxyUnderTest.start(cluster.info, kms);
    t.teardown(() => proxy.stop());
    const messages = 200;
    const r = await runScenario({
      info: cluster.info, proxy, kms, messages, throughput: 100, faultAfter: 40,
      fault: async () => { await killBroker(cluster, 2, 3000); },
      log: (m) => t.comment(m),
    });
    t.comment(`FAULT ${JSON.stringify({ fault: "broker-kill", seconds: r.seconds, acked: r.check.acked, consumed: r.check.consumed, missing: r.check.missing.length, duplicates: r.check.duplicates.length, redelivered: r.check.redelivered, plaintextFiles: r.scan.found.length })}`);
    t.equal(r.producerExit, 0, "the producer sent all records");
    t.equal(r.producerErrors, 0, "no send failed for good (retriable errors only)");
    t.same(r.check.missing, [], `every acknowledged record consumed (${describeCheck(r.check)})`);
    t.same(r.check.mismatched, [], "consumed values byte-identical to the produced ones");
    t.same(r.check.duplicates, [], "no value stored twice (idempotent producer)");
    t.same(r.check.unexpected, [], "no value the producer never sent");
    t.ok(r.scan.files >= 9, `segments of every replica scanned (${r.scan.files} files, ${r.scan.bytes} bytes)`);
    t.same(r.scan.found, [], "no plaintext value in any log segment");
  });
}
