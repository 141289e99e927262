// End to end through kseal against real Kafka with a real remote KMS (Vault Transit via a Vault
// dev server, AWS KMS via moto), the KMS configured through `encryption.kms` as in production:
// produce/consume, at rest, KEK rotation, and a KMS outage while a producer and a consumer run.
// A KmsGate between kseal and the KMS plays the outage (dev servers keep their keys in memory).
import { randomBytes } from "node:crypto";
import t, { type Test } from "tap";
import { isKsealError } from "../../../host/errors.js";
import type { ResilientKms } from "../../../host/kms/resilient-kms.js";
import { decodeAwsEdek } from "../../../host/kms/aws/aws-edek.js";
import { decodeVaultEdek } from "../../../host/kms/vault/vault-edek.js";
import { containsBytes, createTopic, kafkaUnavailableReason, kafkajsAt, rawLog, uniqueTopic, useCluster } from "../../rig/index.js";
import { KmsGate } from "./kms-gate.js";
import { edekOf, ksealAwsKms, ksealVaultKms, readAll, remoteKmsCases, startKmsProxy, type RemoteKmsCase } from "./kms-proxy-harness.js";

interface Kms {
  port: number;
  createKey(alias: string): Promise<void>;
  rotate(alias: string): Promise<void>;
  encryption(url: string): Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  /** Which KEK (version) an EDEK from the broker names. */
  kekOf(edek: Buffer): Promise<string>;
}

const RESILIENCE = { timeoutMs: 3000, retry: { maxAttempts: 3, baseDelayMs: 50, attemptTimeoutMs: 1000 }, breaker: { failureThreshold: 3, openMs: 1000 } };

const providers = remoteKmsCases<Kms>(
  (v) => ({
    port: v.port,
    createKey: (a) => v.createKey(a),
    rotate: (a) => v.rotateKey(a),
    encryption: (url) => ({ kms: { ...ksealVaultKms(v, url).kms, ...RESILIENCE } }),
    env: ksealVaultKms(v).env,
    kekOf: async (edek) => {
      const e = decodeVaultEdek(edek);
      return `${e.keyName}@${e.ciphertext.split(":")[1]}`;
    },
  }),
  (m) => ({
    port: m.port,
    createKey: async (a) => { await m.createKey(a); },
    rotate: async (a) => { await m.rotateAlias(a); },
    encryption: (url) => ({ kms: { ...ksealAwsKms(m, url).kms, ...RESILIENCE } }),
    env: ksealAwsKms(m).env,
    kekOf: async (edek) => decodeAwsEdek(edek).keyId,
  }),
);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function run(t: Test, start: RemoteKmsCase<Kms>["start"]): Promise<void> {
  const info = await useCluster(t);
  const kms = await start();
  t.teardown(() => kms.stop());
  const gate = await new KmsGate(kms.port).start();
  t.teardown(() => gate.stop());
  const topic = await createTopic(info, { topic: uniqueTopic("kms-e2e"), numPartitions: 1 });
  await kms.createKey(`KEK-${topic}`);
  const ep = await startKmsProxy(t, info, {
    ...kms.encryption(gate.url),
    unresolvedKeyPolicy: "reject",
    dek: { refreshMs: 2000, expireMs: 600_000 },
  }, kms.env);
  const metrics = (ep.runtime.kms as ResilientKms).metrics;
  t.ok(metrics, "the configured KMS runs behind the resilience decorator");

  const secret = `secret-${randomBytes(8).toString("hex")}`;
  const value = (i: number) => Buffer.from(`${secret}-${i}-${"v".repeat(i % 40)}`);
  const producer = kafkajsAt(ep.bootstrap).producer({ retry: { retries: 20, initialRetryTime: 100 } });
  await producer.connect();
  t.teardown(() => producer.disconnect());
  let next = 0;
  const send = async (n: number) => {
    const msgs = Array.from({ length: n }, () => ({ key: `k${next}`, value: value(next++) }));
    await producer.send({ topic, acks: -1, messages: msgs });
  };

  // 1. produce, at rest, consume
  await send(10);
  await send(10);
  t.notOk(containsBytes(rawLog(info, topic), secret), "no plaintext in the broker's segment files");
  const direct = await readAll(info.bootstrap, topic, 20);
  t.notOk(direct.some((m) => m.value?.includes(secret)), "a direct consumer sees only ciphertext");
  const kek1 = await kms.kekOf(edekOf(direct[0]!.value!));
  t.comment(`first KEK: ${kek1}`);
  const through = await readAll(ep.bootstrap, topic, 20);
  t.ok(through.every((m, i) => m.value?.equals(value(i))), "through kseal every value is byte-identical");

  // 2. rotation: after the DEK refresh time new DEKs are wrapped by the new KEK (version)
  await kms.rotate(`KEK-${topic}`);
  let kek2 = kek1;
  for (let i = 0; i < 20 && kek2 === kek1; i++) {
    await sleep(500);
    await send(1);
    const all = await readAll(info.bootstrap, topic, next);
    kek2 = await kms.kekOf(edekOf(all[all.length - 1]!.value!));
  }
  t.not(kek2, kek1, `after rotation new records name ${kek2}`);
  const afterRotation = await readAll(ep.bootstrap, topic, next);
  t.ok(afterRotation.every((m, i) => m.value?.equals(value(i))), `records from before and after the rotation all decrypt (${next})`);

  // 3. outage while a producer and a consumer run
  const other = await createTopic(info, { topic: uniqueTopic("kms-e2e-cold"), numPartitions: 1 });
  await kms.createKey(`KEK-${other}`);
  const consumer = kafkajsAt(ep.bootstrap).consumer({ groupId: uniqueTopic("g-live"), retry: { retries: 30 } });
  await consumer.connect();
  t.teardown(() => consumer.disconnect());
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = new Map<string, Buffer>();
  await consumer.run({ eachMessage: async ({ message }) => { seen.set(message.offset, message.value!); } });

  const before = next;
  const failures: string[] = [];
  let coldError: unknown;
  let cachedReadDuringOutage = -1;
  for (let i = 0; i < 50; i++) {
    if (i === 10) gate.setMode("down");
    if (i === 20) {
      const cold = kafkajsAt(ep.bootstrap).producer({ retry: { retries: 0 } });
      await cold.connect();
      coldError = await cold.send({ topic: other, acks: -1, messages: [{ value: Buffer.from(`${secret}-cold`) }] }).then(() => undefined, (e: unknown) => e);
      await cold.disconnect();
      cachedReadDuringOutage = (await readAll(ep.bootstrap, topic, before, 30_000)).filter((m, j) => m.value?.equals(value(j))).length;
    }
    if (i === 35) gate.setMode("open");
    try {
      await send(1);
    } catch (e) {
      failures.push(String(e));
    }
    await sleep(100);
  }
  t.same(failures, [], "produce kept working on the cached DEK through the outage");
  t.ok(coldError, `a topic without a cached DEK is refused during the outage (${String(coldError)})`);
  const cause = (coldError as { cause?: { type?: string; retriable?: boolean } } | undefined)?.cause;
  t.equal(cause?.type, "KAFKA_STORAGE_ERROR", "answered with KAFKA_STORAGE_ERROR");
  t.equal(cause?.retriable, true, "which clients retry");
  t.equal(cachedReadDuringOutage, before, `a new consumer read all ${before} earlier records during the outage (EDEKs cached)`);
  t.notOk(containsBytes(rawLog(info, other), secret), "nothing of the refused topic reached the broker in clear");

  // recovery: the cold topic works again once the KMS is back
  const warm = kafkajsAt(ep.bootstrap).producer({ retry: { retries: 20, initialRetryTime: 200 } });
  await warm.connect();
  await warm.send({ topic: other, acks: -1, messages: [{ value: Buffer.from(`${secret}-cold`) }] });
  await warm.disconnect();
  const cold = await readAll(ep.bootstrap, other, 1);
  t.equal(cold[0]!.value!.toString(), `${secret}-cold`, "after the KMS returns the cold topic encrypts and decrypts");

  const until = Date.now() + 60_000;
  while (seen.size < next && Date.now() < until) await sleep(200);
  t.equal(seen.size, next, `the live consumer got every record (${next}; 25 of them produced while the KMS was down)`);
  t.ok([...seen].every(([off, v]) => v.equals(value(Number(off)))), "every one byte-identical");
  t.notOk(containsBytes(rawLog(info, topic), secret), "still no plaintext at rest");
  t.notOk(containsBytes(rawLog(info, other), secret), "nor for the cold topic");
  // A second kseal with empty caches unwraps every EDEK through the KMS.
  const fresh = await startKmsProxy(t, info, { ...kms.encryption(gate.url), unresolvedKeyPolicy: "reject" }, kms.env);
  const again = await readAll(fresh.bootstrap, topic, next);
  t.ok(again.length === next && again.every((m, i) => m.value?.equals(value(i))), "a fresh kseal decrypts everything through the KMS");
  const fm = (fresh.runtime.kms as ResilientKms).metrics.snapshot().decryptEdek;
  t.ok(fm.outcomes.success >= 2, `its EDEKs were unwrapped by the KMS (${fm.outcomes.success} decrypt calls, mean ${(fm.latency.sumMs / Math.max(1, fm.latency.count)).toFixed(1)} ms)`);
  await fresh.stop();
  const s = metrics.snapshot();
  t.comment(`KMS metrics: ${JSON.stringify({
    resolveAlias: s.resolveAlias.outcomes, generateDek: s.generateDek.outcomes, decryptEdek: s.decryptEdek.outcomes,
    attempts: s.resolveAlias.attempts + s.generateDek.attempts + s.decryptEdek.attempts, breakerOpens: s.breakerOpens,
    generateDekMeanMs: +(s.generateDek.latency.sumMs / Math.max(1, s.generateDek.latency.count)).toFixed(1),
  })}`);
  t.ok(s.breakerOpens >= 1, "the circuit opened during the outage");
}

const unavailable = kafkaUnavailableReason();
if (unavailable) t.plan(0, unavailable);
else {
  for (const p of providers) {
    t.test(`${p.name}: through kseal against real Kafka`, { skip: p.skip, timeout: 300_000 }, (t) => run(t, p.start));
  }
  t.test("start-time config errors name the field", async (t) => {
    const { parseEncryptionConfig } = await import("../../../host/config/encryption-config.js");
    const { openKms } = await import("../../../host/filters/encryption-runtime.js");
    const open = (kms: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) =>
      (async () => openKms(parseEncryptionConfig({ kms }), env))().then(() => undefined, (e: unknown) => e);
    const cases: Array<[Record<string, unknown>, RegExp, NodeJS.ProcessEnv?]> = [
      [{ type: "vault", url: "vault:8200:x" }, /encryption\.kms\.url/],
      [{ type: "vault", url: "http://127.0.0.1:1", auth: { method: "token", tokenFile: "/nonexistent/kseal-token" } }, /encryption\.kms\.tokenFile: cannot read \/nonexistent\/kseal-token/],
      [{ type: "vault", url: "http://127.0.0.1:1", auth: { method: "token", tokenEnv: "KSEAL_NO_TOKEN" } }, /encryption\.kms\.tokenEnv: environment variable KSEAL_NO_TOKEN is not set/],
      [{ type: "aws", region: "moon-base-1x" }, /encryption\.kms\.region "moon-base-1x" is not an AWS region name/],
      [{ type: "aws", region: "us-east-1", credentials: { accessKeyIdEnv: "NOPE_AK", secretAccessKeyEnv: "NOPE_SK" } }, /encryption\.kms\.credentials\.accessKeyIdEnv names NOPE_AK/],
    ];
    for (const [kms, re, env] of cases) {
      const e = await open(kms, env);
      t.ok(isKsealError(e, "CONFIG_INVALID"), `CONFIG_INVALID for ${JSON.stringify(kms)}`);
      t.match(String(e), re);
    }
  });
}
