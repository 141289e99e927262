// Format interop with Kroxylicious, the proxy whose record-encryption format (v2) kseal writes:
// records Kroxylicious encrypts decrypt through kseal, and records kseal encrypts decrypt through
// Kroxylicious, byte for byte (values, keys, headers), both with the same KEK, on a real broker,
// once with Vault Transit (a Vault dev server) and once with AWS KMS (moto): the two EDEK forms.
// So a cluster can move from one proxy to the other, or run both, without re-encrypting what is
// stored. Uncompressed and gzip batches (kafkajs writes both).
import { randomBytes } from "node:crypto";
import t, { type Test } from "tap";
import { CompressionTypes, type KafkaMessage } from "kafkajs";
import { containsBytes, createTopic, kafkaUnavailableReason, kafkajsAt, rawLog, uniqueTopic, useCluster, type ClusterInfo } from "../../rig/index.js";
import { KROXYLICIOUS_VERSION, startKroxylicious, type KroxyliciousOptions } from "../../rig/kroxylicious.js";
import { decodeAwsEdek } from "../../../host/kms/aws/aws-edek.js";
import { decodeVaultEdek } from "../../../host/kms/vault/vault-edek.js";
import { edekOf, ksealAwsKms, ksealVaultKms, readAll, remoteKmsCases, startKmsProxy, type KsealKms } from "../kms/kms-proxy-harness.js";

interface SharedKms {
  /** Makes the KEK behind an alias; returns what an EDEK under it names (key name or id). */
  createKey(alias: string): Promise<string>;
  /** What an EDEK stored on the broker names. */
  kekOf(edek: Buffer): string;
  krox: KroxyliciousOptions["kms"];
  kseal: KsealKms;
}

const providers = remoteKmsCases<SharedKms>(
  (v) => ({
    createKey: async (alias) => { await v.createKey(alias); return alias; },
    kekOf: (edek) => decodeVaultEdek(edek).keyName,
    krox: { vault: { url: v.url, token: v.rootToken } },
    kseal: ksealVaultKms(v),
  }),
  (m) => ({
    createKey: (alias) => m.createKey(alias),
    kekOf: (edek) => decodeAwsEdek(edek).keyId,
    krox: { aws: { endpoint: m.endpoint, region: m.region, ...m.credentials } },
    kseal: ksealAwsKms(m),
  }),
);

interface Sent { key: Buffer; value: Buffer; headers: Record<string, Buffer> }

/** Messages with binary keys, values of several sizes and a header, in an uncompressed and a gzip batch. */
async function produce(bootstrap: string, topic: string, secret: string): Promise<Sent[]> {
  const sent: Sent[] = Array.from({ length: 24 }, (_, i) => ({
    key: Buffer.concat([Buffer.from(`k${i}-`), randomBytes(4)]),
    value: Buffer.from(`${secret}-${i}-${"x".repeat((i * 97) % 3000)}`),
    headers: { trace: Buffer.from(`h${i}`) },
  }));
  const producer = kafkajsAt(bootstrap).producer({ retry: { retries: 20, initialRetryTime: 100 } });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: sent.slice(0, 12) });
    await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages: sent.slice(12) });
  } finally {
    await producer.disconnect();
  }
  return sent;
}

function same(t: Test, got: KafkaMessage[], sent: Sent[], what: string): void {
  t.equal(got.length, sent.length, `${what}: every record arrived`);
  const bad = got.findIndex((m, i) => !m.key?.equals(sent[i]!.key) || !m.value?.equals(sent[i]!.value) ||
    Object.keys(m.headers ?? {}).length !== 1 || !(m.headers!.trace as Buffer | undefined)?.equals(sent[i]!.headers.trace!));
  t.equal(bad, -1, `${what}: keys, values and headers are byte-identical, in order`);
}

async function atRest(t: Test, info: ClusterInfo, topic: string, secret: string, who: string): Promise<Buffer> {
  t.notOk(containsBytes(rawLog(info, topic), secret), `${who}: no plaintext in the broker's segment files`);
  const direct = await readAll(info.bootstrap, topic, 24);
  t.ok(direct.every((m) => !m.value?.includes(secret) && m.headers?.["kroxylicious.io/encryption"] !== undefined),
    `${who}: a direct consumer sees ciphertext with the encryption header on every record`);
  return edekOf(direct[0]!.value!);
}

for (const p of providers) {
  t.test(`kseal and Kroxylicious ${KROXYLICIOUS_VERSION} read each other's records (${p.name})`, { skip: kafkaUnavailableReason() ?? p.skip, timeout: 600_000 }, async (t) => {
    const info = await useCluster(t);
    const kms = await p.start();
    t.teardown(() => kms.stop());
    const fromKrox = await createTopic(info, { topic: uniqueTopic("krox-to-kseal"), numPartitions: 1 });
    const fromKseal = await createTopic(info, { topic: uniqueTopic("kseal-to-krox"), numPartitions: 1 });
    const kek = new Map<string, string>();
    for (const topic of [fromKrox, fromKseal]) kek.set(topic, await kms.createKey(`KEK-${topic}`));

    const krox = await startKroxylicious({ target: info.bootstrap, kms: kms.krox, kekTemplate: "KEK-$(topicName)" });
    t.teardown(() => krox.stop());
    const kseal = await startKmsProxy(t, info, { kms: kms.kseal.kms, kekTemplate: "KEK-$(topicName)", unresolvedKeyPolicy: "reject" }, kms.kseal.env);

    const secret1 = `krox-secret-${randomBytes(6).toString("hex")}`;
    const sent1 = await produce(krox.bootstrap, fromKrox, secret1);
    const edek1 = await atRest(t, info, fromKrox, secret1, "written by Kroxylicious");
    t.equal(kms.kekOf(edek1), kek.get(fromKrox), "Kroxylicious wrapped its DEK with the topic's KEK");
    same(t, await readAll(kseal.bootstrap, fromKrox, 24), sent1, "Kroxylicious -> kseal");

    const secret2 = `kseal-secret-${randomBytes(6).toString("hex")}`;
    const sent2 = await produce(kseal.bootstrap, fromKseal, secret2);
    const edek2 = await atRest(t, info, fromKseal, secret2, "written by kseal");
    t.equal(kms.kekOf(edek2), kek.get(fromKseal), "kseal wrapped its DEK with the topic's KEK");
    same(t, await readAll(krox.bootstrap, fromKseal, 24), sent2, "kseal -> Kroxylicious");
  });
}
