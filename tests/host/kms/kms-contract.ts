/**
 * The behaviour every KMS provider owes kseal, as one suite each provider runs against a real
 * instance (local key file now; Vault Transit and AWS KMS servers later). A provider supplies a
 * facade that can create and rotate keys behind the Kms interface's back.
 */
import { randomUUID } from "node:crypto";
import type { Test } from "tap";
import { isKsealError } from "../../../host/errors.js";
import type { Kms } from "../../../host/kms/kms.js";

export interface KmsFacade {
  kms: Kms;
  /** Makes a KEK for a new alias, as an administrator would. */
  createKey(alias: string): Promise<void>;
  /** Gives the alias a new current KEK. */
  rotateKey(alias: string): Promise<void>;
  /** A kekId the KMS has never issued, in its id syntax. */
  unknownKekId(): string;
  close(): Promise<void>;
}

export function runKmsContract(t: Test, name: string, makeFacade: () => Promise<KmsFacade>): void {
  t.test(`${name}: KMS contract`, async (t) => {
    const f = await makeFacade();
    t.teardown(() => f.close());
    const alias = `contract-${randomUUID()}`;
    await f.createKey(alias);

    const kekId = await f.kms.resolveAlias(alias);
    t.type(kekId, "string");
    t.equal(await f.kms.resolveAlias(alias), kekId, "resolveAlias is stable");

    const a = await f.kms.generateDek(kekId);
    const b = await f.kms.generateDek(kekId);
    t.equal(a.dek.length, 32, "32-byte DEK");
    t.notOk(a.dek.equals(b.dek), "fresh DEK per call");
    t.notOk(a.edek.equals(b.edek), "fresh EDEK per call");
    t.ok(a.edek.length > 0 && a.edek.length <= 32767, "EDEK fits the wrapper's length field");
    t.ok((await f.kms.decryptEdek(a.edek)).equals(a.dek), "EDEK unwraps to its DEK");

    await f.rotateKey(alias);
    const rotated = await f.kms.resolveAlias(alias);
    const c = await f.kms.generateDek(rotated);
    t.ok((await f.kms.decryptEdek(a.edek)).equals(a.dek), "EDEKs from before a rotation still unwrap");
    t.ok((await f.kms.decryptEdek(c.edek)).equals(c.dek));

    const unknownAlias = await f.kms.resolveAlias(`missing-${randomUUID()}`).then(() => undefined, (e: unknown) => e);
    t.ok(isKsealError(unknownAlias, "KMS_UNKNOWN_ALIAS"), "unknown alias");
    t.equal((unknownAlias as { retriable?: boolean }).retriable, false);
    const unknownKey = await f.kms.generateDek(f.unknownKekId()).then(() => undefined, (e: unknown) => e);
    t.ok(isKsealError(unknownKey, "KMS_UNKNOWN_KEY"), "unknown KEK id");

    const tampered = Buffer.from(a.edek);
    tampered[tampered.length - 1]! ^= 0x01;
    const bad = await f.kms.decryptEdek(tampered).then(() => undefined, (e: unknown) => e);
    t.ok(isKsealError(bad, "KMS_INTEGRITY") || isKsealError(bad, "KMS_EDEK_INVALID"), "a tampered EDEK never unwraps");
    t.equal((bad as { retriable?: boolean }).retriable, false);
    const garbage = await f.kms.decryptEdek(Buffer.from("not an edek")).then(() => undefined, (e: unknown) => e);
    t.ok(isKsealError(garbage, "KMS_EDEK_INVALID") || isKsealError(garbage, "KMS_UNKNOWN_KEY"), "garbage is refused");
  });
}
