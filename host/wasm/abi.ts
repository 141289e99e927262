/**
 * ABI v1 of the kseal filter module, as the host sees it (docs/wasm-abi.md is the contract).
 * Status numbers mirror assembly/abi/status.ts.
 */
export const ABI_MARKER = "kseal_abi_v1";
export const ABI_VERSION = 1;

export const REQUIRED_FUNCTIONS = [
  "alloc", "free", "live_bytes", "slot_load", "slot_release", "slot_info",
  "encrypt_batch", "list_edeks", "decrypt_batch", "crc32c", "self_test",
] as const;
export const REQUIRED_GLOBALS = [ABI_MARKER, "kseal_io", "kseal_slot_count"] as const;

export const STATUS = {
  OK: 0,
  BAD_ARGUMENT: 1,
  OUT_OF_MEMORY: 2,
  TOO_LARGE: 3,
  BATCH_TRUNCATED: 4,
  BATCH_LENGTH_MISMATCH: 5,
  BATCH_MAGIC_UNSUPPORTED: 6,
  BATCH_CRC_MISMATCH: 7,
  BATCH_COMPRESSED: 8,
  RECORD_MALFORMED: 9,
  RECORD_COUNT_MISMATCH: 10,
  SLOT_EMPTY: 11,
  SLOT_EXHAUSTED: 12,
  SLOT_IN_USE: 13,
  EDEK_TOO_LONG: 14,
  TOO_MANY_EDEKS: 15,
  RECORD_FAILURES: 16,
  SELF_TEST_FAILED: 17,
} as const;

/** Per-record statuses of decrypt_batch's failure table. */
export const RECORD_STATUS = {
  TAG_MISMATCH: 32,
  FORMAT_VERSION_UNKNOWN: 33,
  CIPHER_UNKNOWN: 34,
  AAD_UNKNOWN: 35,
  WRAPPER_TRUNCATED: 36,
  KEY_NOT_LOADED: 37,
  PARCEL_MALFORMED: 38,
  /** strict policy: a record without the encryption header in a topic that must be encrypted. */
  PLAINTEXT_REFUSED: 39,
} as const;

export type StatusName = keyof typeof STATUS;
export type RecordFailureReason = keyof typeof RECORD_STATUS;

export function statusName(status: number): string {
  for (const [name, value] of Object.entries(STATUS)) if (value === status) return name;
  return `status ${status}`;
}

export function recordStatusName(status: number): RecordFailureReason | undefined {
  for (const [name, value] of Object.entries(RECORD_STATUS)) if (value === status) return name as RecordFailureReason;
  return undefined;
}

/** Bytes of the DEK, the IV seed, and the largest EDEK the format allows. */
export const DEK_BYTES = 32;
export const IV_SEED_BYTES = 12;
export const MAX_EDEK_BYTES = 32767;
/** Smallest record batch v2: its 61-byte header. */
export const BATCH_HEADER_BYTES = 61;

export interface FilterExports {
  memory: WebAssembly.Memory;
  kseal_abi_v1: WebAssembly.Global;
  kseal_io: WebAssembly.Global;
  kseal_slot_count: WebAssembly.Global;
  alloc(size: number, out: number): number;
  free(ptr: number, wipe: number): number;
  live_bytes(out: number): number;
  slot_load(slot: number, key: number, edek: number, edekLen: number, ivSeed: number, budget: number): number;
  slot_release(slot: number): number;
  slot_info(slot: number, out: number): number;
  encrypt_batch(slot: number, batch: number, len: number, out: number): number;
  list_edeks(batch: number, len: number, out: number): number;
  decrypt_batch(batch: number, len: number, slots: number, slotCount: number, out: number): number;
  crc32c(p: number, len: number, out: number): number;
  self_test(out: number): number;
}
