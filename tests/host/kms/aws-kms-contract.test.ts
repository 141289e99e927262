// The KMS contract against a real AWS KMS API emulator (moto_server on loopback).
import { randomUUID } from "node:crypto";
import t from "tap";
import { AwsKms } from "../../../host/kms/aws/aws-kms.js";
import { decodeAwsEdek, encodeAwsEdek } from "../../../host/kms/aws/aws-edek.js";
import { motoUnavailableReason, startMoto, type MotoServer } from "../../rig/moto.js";
import { runRemoteKmsCases } from "../../integration/kms/remote-kms-cases.js";
import { runKmsContract } from "./kms-contract.js";

const reason = motoUnavailableReason();
if (reason) {
  t.plan(0, reason);
} else {
  let moto: MotoServer;
  t.before(async () => { moto = await startMoto(); });
  t.teardown(() => moto?.stop());
  const aws = (endpoint: string) => new AwsKms({ region: moto.region, endpoint, credentials: moto.credentials, requestTimeoutMs: 5000 });

  runKmsContract(t, "AWS KMS (moto)", async () => ({
    kms: aws(moto.endpoint),
    createKey: async (alias) => { await moto.createKey(alias); },
    rotateKey: async (alias) => { await moto.rotateAlias(alias); },
    unknownKekId: () => randomUUID(),
    close: async () => undefined,
  }));

  runRemoteKmsCases(t, "AWS KMS (moto)", async () => ({
    makeKms: aws,
    serverPort: moto.port,
    createKey: async (alias) => { await moto.createKey(alias); },
    retarget: (edek, keyId) => encodeAwsEdek({ keyId, blob: decodeAwsEdek(edek).blob }),
    close: async () => undefined,
  }));

  t.test("EDEK form: 0x00, uvarint length, the key id (not the alias), the blob", async (t) => {
    const kms = aws(moto.endpoint);
    t.teardown(() => kms.close());
    const alias = `form-${randomUUID()}`;
    const keyId = await moto.createKey(alias);
    t.equal(await kms.resolveAlias(alias), keyId, "resolveAlias gives DescribeKey's KeyId");
    const { dek, edek } = await kms.generateDek(keyId);
    t.equal(edek[0], 0x00);
    t.equal(edek[1], keyId.length, "one-byte uvarint for a 36-character id");
    t.equal(edek.subarray(2, 2 + keyId.length).toString("utf8"), keyId);
    const blob = edek.subarray(2 + keyId.length);
    // The blob is the service's own: moto's server decrypts it without kseal in between.
    const { DecryptCommand } = await import("@aws-sdk/client-kms");
    const out = await moto.client().send(new DecryptCommand({ CiphertextBlob: blob }));
    t.ok(Buffer.from(out.Plaintext!).equals(dek), "the server's Decrypt of the blob gives the DEK");
  });
}
