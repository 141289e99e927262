/**
 * In-process KMS fake for the DEK manager and EDEK cache resilience tests: counts calls, can be
 * held (slow KMS), made to fail, or told that aliases do not exist. Its EDEKs are opaque labels.
 */
import { randomBytes } from "node:crypto";
import { KsealError } from "../../../host/errors.js";
import type { DekPair, Kms } from "../../../host/kms/kms.js";

export class FakeKms implements Kms {
  readonly name = "fake";
  calls = { resolve: 0, generate: 0, decrypt: 0 };
  /** Thrown by every call while set. */
  failWith: unknown;
  unknownAliases = new Set<string>();
  /** DEKs handed out, by EDEK (latin1). */
  readonly issued = new Map<string, Buffer>();
  /** The DEK Buffers handed to callers (to check that they get wiped). */
  readonly returned: Buffer[] = [];
  private held: Array<() => void> | undefined;
  private heldCall: "resolve" | "generate" | "decrypt" | undefined;
  private seq = 0;

  /** Calls (or only calls of one kind) wait until release(): a slow or hung KMS. */
  hold(only?: "resolve" | "generate" | "decrypt"): void {
    this.held ??= [];
    this.heldCall = only;
  }

  release(): void {
    const waiting = this.held ?? [];
    this.held = undefined;
    for (const w of waiting) w();
  }

  get waiting(): number {
    return this.held?.length ?? 0;
  }

  private async gate(call: "resolve" | "generate" | "decrypt"): Promise<void> {
    if (this.held && (this.heldCall === undefined || this.heldCall === call)) await new Promise<void>((r) => this.held!.push(r));
    if (this.failWith !== undefined) throw this.failWith;
  }

  async resolveAlias(alias: string): Promise<string> {
    this.calls.resolve++;
    await this.gate("resolve");
    if (this.unknownAliases.has(alias)) throw new KsealError("KMS_UNKNOWN_ALIAS", alias);
    return `kek-${alias}`;
  }

  async generateDek(kekId: string): Promise<DekPair> {
    this.calls.generate++;
    await this.gate("generate");
    const dek = randomBytes(32);
    const edek = Buffer.from(`${kekId}/edek-${++this.seq}`);
    this.issued.set(edek.toString("latin1"), Buffer.from(dek));
    this.returned.push(dek);
    return { dek, edek };
  }

  async decryptEdek(edek: Buffer): Promise<Buffer> {
    this.calls.decrypt++;
    await this.gate("decrypt");
    const dek = this.issued.get(edek.toString("latin1"));
    if (!dek) throw new KsealError("KMS_UNKNOWN_KEY", "fake");
    const copy = Buffer.from(dek);
    this.returned.push(copy);
    return copy;
  }

  async close(): Promise<void> {}
}

/** Lets pending promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
}
