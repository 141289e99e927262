// Contract cases that only a KMS behind a network owes, on top of tests/host/kms/kms-contract.ts:
// wrong key (an EDEK re-pointed at another KEK never unwraps), server unavailable (refused
// connections are KMS_UNAVAILABLE, retriable) and slow server (a hung KMS is cut off at the
// deadline, not waited on). A KmsGate sits between the provider and the real server.

import { randomUUID } from "node:crypto";
import type { Test } from "tap";
import { isKsealError } from "../../../host/errors.js";
import type { Kms } from "../../../host/kms/kms.js";
import { ResilientKms } from "../../../host/kms/resilient-kms.js";
import { KmsGate } from "./kms-gate.js";

export interface RemoteKmsFixture {
  /** The provider under test, talking to `url` (the gate in front of the real server). */
  makeKms(url: string): Kms;
  serverPort: number;
  createKey(alias: string): Promise<void>;
  /** The same EDEK naming another KEK (the encrypted blob unchanged). */
  retarget(edek: Buffer, kekId: string): Buffer;
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(() => undefined, (e: unknown) => e);
}

export function runRemoteKmsCases(t: Test, name: string, fixture: () => Promise<RemoteKmsFixture & { close(): Promise<void> }>): void {
  t.test(`${name}: wrong key, unavailable and slow server`, async (t) => {
    const f = await fixture();
    const gate = await new KmsGate(f.serverPort).start();
    const kms = f.makeKms(gate.url);
    t.teardown(async () => { await kms.close(); await gate.stop(); await f.close(); });
    const a = `wrong-a-${randomUUID()}`;
    const b = `wrong-b-${randomUUID()}`;
    await f.createKey(a);
    await f.createKey(b);
    const ka = await kms.resolveAlias(a);
    const kb = await kms.resolveAlias(b);
    t.not(ka, kb);
    const pair = await kms.generateDek(ka);
    const wrong = await failure(kms.decryptEdek(f.retarget(pair.edek, kb)));
    // AWS answers IncorrectKeyException (KMS_INTEGRITY); moto answers AccessDeniedException
    // (KMS_DENIED). Either way it is final and nothing unwraps.
    t.ok(isKsealError(wrong, "KMS_INTEGRITY") || isKsealError(wrong, "KMS_DENIED"), `an EDEK re-pointed at another KEK never unwraps (${String(wrong)})`);
    t.equal((wrong as { retriable?: boolean }).retriable, false);

    gate.setMode("down");
    const down = await failure(kms.generateDek(ka));
    t.ok(isKsealError(down, "KMS_UNAVAILABLE"), `a refused connection is KMS_UNAVAILABLE (${String(down)})`);
    t.equal((down as { retriable?: boolean }).retriable, true, "and retriable");
    const downDecrypt = await failure(kms.decryptEdek(pair.edek));
    t.ok(isKsealError(downDecrypt, "KMS_UNAVAILABLE"), "decrypt while down is KMS_UNAVAILABLE");

    gate.setMode("hang");
    const resilient = new ResilientKms(kms, { attemptTimeoutMs: 300, budgetMs: 1000, maxAttempts: 2, baseDelayMs: 10 });
    const started = Date.now();
    const slow = await failure(resilient.decryptEdek(pair.edek));
    const took = Date.now() - started;
    t.ok(isKsealError(slow, "KMS_UNAVAILABLE"), `a hung KMS is KMS_UNAVAILABLE (${String(slow)})`);
    t.ok(took < 1500, `cut off at the budget (${took} ms)`);

    gate.setMode("open");
    gate.delayMs = 400;
    const slowStarted = Date.now();
    t.ok((await kms.decryptEdek(pair.edek)).equals(pair.dek), "a slow but live KMS still answers");
    t.ok(Date.now() - slowStarted >= 400, "through the delay");
    gate.delayMs = 0;
    t.ok((await kms.decryptEdek(pair.edek)).equals(pair.dek), "recovers once the server is back");
  });
}
