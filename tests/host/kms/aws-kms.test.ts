// AWS provider: config parsing (errors name the field), credentials from env names or the SDK's
// default chain, EDEK codec edge cases. The real-server behaviour is in aws-kms-contract.test.ts.
import t from "tap";
import { parseEncryptionConfig } from "../../../host/config/encryption-config.js";
import { awsKmsOptions } from "../../../host/kms/aws/aws-config.js";
import { decodeAwsEdek, encodeAwsEdek } from "../../../host/kms/aws/aws-edek.js";
import { AwsKms } from "../../../host/kms/aws/aws-kms.js";
import { motoUnavailableReason, startMoto } from "../../rig/moto.js";

t.test("config: encryption.kms type aws, errors name the field", async (t) => {
  const c = parseEncryptionConfig({ kms: { type: "aws", region: "eu-west-1", endpoint: "http://127.0.0.1:4566", credentials: { accessKeyIdEnv: "AK", secretAccessKeyEnv: "SK" }, breaker: { failureThreshold: 2 } } });
  t.equal(c.kms.type, "aws");
  t.same(c.kms.remote, { type: "aws", aws: { region: "eu-west-1", endpoint: "http://127.0.0.1:4566", credentialsEnv: { accessKeyIdEnv: "AK", secretAccessKeyEnv: "SK", sessionTokenEnv: undefined } }, resilience: { failureThreshold: 2 } });
  t.same(awsKmsOptions(c.kms.remote!.type === "aws" ? c.kms.remote!.aws : { region: "x" }, { AK: "a", SK: "s" }).credentials, { accessKeyId: "a", secretAccessKey: "s", sessionToken: undefined });
  t.throws(() => awsKmsOptions({ region: "eu-west-1", credentialsEnv: { accessKeyIdEnv: "AK", secretAccessKeyEnv: "SK" } }, {}), /encryption\.kms\.credentials\.accessKeyIdEnv names AK, which is not set/);
  const bad = (kms: unknown, re: RegExp) => t.throws(() => parseEncryptionConfig({ kms }), re);
  bad({ type: "aws" }, /encryption\.kms\.region must be a non-empty string/);
  bad({ type: "aws", region: "Mars-1" }, /encryption\.kms\.region "Mars-1" is not an AWS region name/);
  bad({ type: "aws", region: "eu-west-1", endpoint: "::" }, /encryption\.kms\.endpoint is not a URL/);
  bad({ type: "aws", region: "eu-west-1", credentials: { accessKeyId: "AKIA" } }, /encryption\.kms\.credentials\.accessKeyId is not a known key/);
  bad({ type: "aws", region: "eu-west-1", url: "http://x" }, /encryption\.kms\.url is not a known key/);
  t.throws(() => new AwsKms({ region: "nowhere" }), /encryption\.kms\.region/);
});

t.test("EDEK codec", async (t) => {
  const e = encodeAwsEdek({ keyId: "k".repeat(200), blob: Buffer.from([1, 2, 3]) });
  t.same([...e.subarray(0, 3)], [0, 0xc8, 0x01], "version 0, two-byte uvarint 200");
  t.same(decodeAwsEdek(e), { keyId: "k".repeat(200), blob: Buffer.from([1, 2, 3]) });
  for (const bad of [Buffer.from([1, 1, 0x61, 9]), Buffer.from([0, 5, 0x61, 9]), Buffer.from([0, 0, 9]), Buffer.from([0, 0x80])]) {
    t.throws(() => decodeAwsEdek(bad), { code: "KMS_EDEK_INVALID" });
  }
});

t.test("default credential chain (env) against the emulator", { skip: motoUnavailableReason() }, async (t) => {
  const moto = await startMoto();
  t.teardown(() => moto.stop());
  const alias = "default-chain";
  const keyId = await moto.createKey(alias);
  const saved = { ...process.env };
  t.teardown(() => { process.env = saved; });
  process.env.AWS_ACCESS_KEY_ID = "env-key";
  process.env.AWS_SECRET_ACCESS_KEY = "env-secret";
  const kms = new AwsKms({ region: moto.region, endpoint: moto.endpoint });
  t.teardown(() => kms.close());
  t.equal(await kms.resolveAlias(alias), keyId);
  const p = await kms.generateDek(keyId);
  t.ok((await kms.decryptEdek(p.edek)).equals(p.dek));
});
