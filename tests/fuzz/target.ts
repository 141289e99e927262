/** What a fuzz target is, and the findings a target reports besides a foreign exception. */
import type { Prng } from "./prng.js";

/** One corpus item: bytes to mutate and what the target needs to know to decode them. */
export interface Seed<M = unknown> {
  bytes: Buffer;
  meta: M;
  /** Where the item came from (fixture file, sample message), for reports. */
  label: string;
}

/** What an accepted input led to, when the target tells accepted outcomes apart (tallied in the
 * summary, e.g. "encrypted" or "failed closed"); void is plain "accepted". */
export type Outcome = string | void;

export interface FuzzTarget<M = unknown> {
  name: string;
  about: string;
  /** Share of a run's cases this target gets (relative to the other targets). */
  weight: number;
  /** Loads the corpus and whatever state the target keeps (WASM instance, KMS). */
  setup(): Promise<Seed<M>[]>;
  /** Applied to most mutated inputs: repairs what would stop every mutation at the first check
   * (a CRC-32C, a batch length), so mutations reach the parsers behind it. */
  fixup?(bytes: Buffer, meta: M, r: Prng): Buffer;
  /** Feeds one input to the code under test. Throwing KsealError is a clean rejection; throwing
   * Finding is an oracle violation; anything else escaping is a crash. */
  run(bytes: Buffer, meta: M, r: Prng): Outcome | Promise<Outcome>;
  close?(): Promise<void>;
}

export type FindingKind = "crash" | "hang" | "memory" | "plaintext" | "trap" | "leak" | "invariant";

/** An oracle violation detected by a target (not a foreign exception). */
export class Finding extends Error {
  constructor(readonly kind: FindingKind, message: string) {
    super(message);
    this.name = "Finding";
  }
}
