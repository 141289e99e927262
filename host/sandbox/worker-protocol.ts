/**
 * Messages between the sandbox pool (main thread) and one worker thread. A worker holds one
 * module instance and runs one call at a time; every call is self-contained (its keys travel
 * with it and are wiped from the worker's memory when the call ends), so a worker can be killed
 * and replaced at any moment without key state to restore.
 */

/** A DEK with its EDEK. `budget` > 0 lets the slot encrypt that many records (a DEK lease). */
export interface KeyMaterial {
  dek: Uint8Array;
  edek: Uint8Array;
  budget: number;
  /** Start of the IV counter; default random. A lease's IV range must be used by one call only. */
  ivSeed?: Uint8Array;
}

export type CallRequest =
  | { op: "encrypt"; records: Uint8Array[]; key: KeyMaterial }
  /** Produce: records fields (compressed or not) encrypted with one DEK lease; per-field result. */
  | { op: "encryptProduce"; records: Uint8Array[]; key: KeyMaterial }
  | { op: "listEdeks"; records: Uint8Array }
  | { op: "decrypt"; records: Uint8Array; keys: KeyMaterial[] }
  /** Fetch: records fields decrypted with the DEKs at hand; per field, the result or the EDEKs
   * still missing (host/filters/fetch-decrypt.ts). `unresolved`: EDEKs the KMS failed on. */
  | { op: "decryptFetch"; parts: Uint8Array[]; keys: { edek: Uint8Array; dek: Uint8Array }[]; unresolved: { edek: Uint8Array; error: WireError }[] }
  | { op: "crc32c"; data: Uint8Array }
  | { op: "liveBytes" }
  | { op: "counters" }
  | { op: "policyInfo" }
  /** Test hook: blocks the worker's thread for `ms` (stands in for a module call that hangs). */
  | { op: "spin"; ms: number };

/** One records field of a decryptFetch call. `records` null: unchanged (or, with `error`,
 * nothing decrypted before the failing batch). */
export interface FetchPartReply {
  records: Uint8Array | null;
  error?: { code: number; message: string };
  problem?: import("../filters/fetch-decrypt.js").DecryptProblem;
  /** EDEKs of the next batch that are not among the call's keys: resolve and call again. */
  missing: Uint8Array[];
  /** Every EDEK the field's batches named. */
  seen: Uint8Array[];
}

export interface FetchReply {
  parts: FetchPartReply[];
  /** Records refused for lacking the encryption header (strict policy). */
  refused: number;
}

export type ToWorker =
  | { type: "load"; version: number; bytes: Uint8Array }
  | { type: "call"; id: number; call: CallRequest };

export interface WireError {
  code: string;
  message: string;
}

export type FromWorker =
  | { type: "loaded"; version: number; error?: WireError }
  | { type: "result"; id: number; ok: true; value: unknown }
  | { type: "result"; id: number; ok: false; error: WireError };
