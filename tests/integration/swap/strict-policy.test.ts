// The strict build against real Kafka, beside the standard build on the same proxy:
// - produce to a topic without a KEK is refused under strict (INVALID_RECORD, nothing written),
//   while standard with unresolvedKeyPolicy=passthrough lets it through in clear;
// - a plaintext record written straight to the broker into an encrypted topic is flagged under
//   strict (never delivered to the consumer as if it were trusted; counted in the metrics), while
//   standard passes it on.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import type { KafkaMessage } from "kafkajs";
import { containsBytes, createTopic, kafkaUnavailableReason, kafkajsClient, rawLog, uniqueTopic, useCluster, type ClusterInfo } from "../../rig/index.js";
import { LocalKms } from "../../../host/kms/local/local-kms.js";
import { policyBuild } from "../../host/sandbox/support.js";
import { startSwapProxy } from "./swap-harness.js";

async function collect(info: ClusterInfo, bootstrap: string, topic: string, ms: number): Promise<KafkaMessage[]> {
  const consumer = kafkajsClient({ ...info, bootstrap } as ClusterInfo).consumer({ groupId: uniqueTopic("strict-g"), retry: { retries: 2 } });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got: KafkaMessage[] = [];
  await consumer.run({ eachMessage: async ({ message }) => { got.push(message); } }).catch(() => undefined);
  await new Promise((r) => setTimeout(r, ms));
  await consumer.disconnect().catch(() => undefined);
  return got;
}

const unavailable = kafkaUnavailableReason();
if (unavailable) t.plan(0, unavailable);
else {
  t.test("strict refuses produce without a KEK and flags injected plaintext", async (t) => {
    const info = await useCluster(t);
    const dir = mkdtempSync(join(tmpdir(), "kseal-strict-"));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const keyFile = join(dir, "kms.json");
    const encrypted = await createTopic(info, { topic: uniqueTopic("strict-enc"), numPartitions: 1 });
    const noKek = await createTopic(info, { topic: uniqueTopic("strict-nokek"), numPartitions: 1 });
    const kms = await LocalKms.open({ path: keyFile, autoCreate: false });
    await kms.createKek(`KEK-${encrypted}`);
    await kms.close();

    const sp = await startSwapProxy(t, info, policyBuild("strict"), { kms: { keyFile, autoCreate: false }, unresolvedKeyPolicy: "passthrough" });
    t.equal(sp.manager.metrics().module.name, "strict");
    const producer = kafkajsClient({ ...info, bootstrap: sp.bootstrap } as ClusterInfo).producer({ retry: { retries: 0 } });
    await producer.connect();
    t.teardown(() => producer.disconnect());

    const marker = `nokek-${randomBytes(6).toString("hex")}`;
    const refused = await producer.send({ topic: noKek, acks: -1, messages: [{ value: `${marker}-strict` }] }).then(() => "accepted", (e: { type?: string; message: string }) => e.type ?? e.message);
    t.equal(refused, "INVALID_RECORD", "strict: produce to a topic without a KEK is refused");
    t.notOk(containsBytes(rawLog(info, noKek), `${marker}-strict`), "nothing of it reached the broker");

    const good = Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: `good-${i}-${randomBytes(4).toString("hex")}` }));
    await producer.send({ topic: encrypted, acks: -1, messages: good });
    const injected = `INJECTED-${randomBytes(6).toString("hex")}`;
    const direct = kafkajsClient(info).producer();
    await direct.connect();
    await direct.send({ topic: encrypted, acks: -1, messages: [{ key: "evil", value: injected }] });
    await direct.disconnect();

    const strictRead = await collect(info, sp.bootstrap, encrypted, 6000);
    t.same(strictRead.map((m) => m.value?.toString()), good.map((g) => g.value), "strict: the encrypted records are delivered, decrypted");
    t.notOk(strictRead.some((m) => m.value?.toString() === injected), "strict: the injected plaintext record is not delivered");
    t.ok(sp.manager.metrics().refusedPlaintextRecords >= 1, `strict: flagged (${sp.manager.metrics().refusedPlaintextRecords} refused records in metrics)`);

    // the same proxy under the standard build
    sp.place(policyBuild("standard"));
    t.ok((await sp.manager.reload("api")).swapped, "swapped to standard");
    await producer.send({ topic: noKek, acks: -1, messages: [{ value: `${marker}-standard` }] });
    t.ok(containsBytes(rawLog(info, noKek), `${marker}-standard`), "standard + passthrough: a topic without a KEK is written in clear");
    const standardRead = await collect(info, sp.bootstrap, encrypted, 6000);
    t.ok(standardRead.some((m) => m.value?.toString() === injected), "standard: injected plaintext passes (what strict prevents)");
  });
}
