// Status codes of ABI v1 (docs/wasm-abi.md lists each with its meaning). Every export returns one.
// 0..31 are call statuses; 32..63 appear only in decrypt_batch's per-record failure table.

export const OK: i32 = 0;
export const BAD_ARGUMENT: i32 = 1;
export const OUT_OF_MEMORY: i32 = 2;
export const TOO_LARGE: i32 = 3;
export const BATCH_TRUNCATED: i32 = 4;
export const BATCH_LENGTH_MISMATCH: i32 = 5;
export const BATCH_MAGIC_UNSUPPORTED: i32 = 6;
export const BATCH_CRC_MISMATCH: i32 = 7;
export const BATCH_COMPRESSED: i32 = 8;
export const RECORD_MALFORMED: i32 = 9;
export const RECORD_COUNT_MISMATCH: i32 = 10;
export const SLOT_EMPTY: i32 = 11;
export const SLOT_EXHAUSTED: i32 = 12;
export const SLOT_IN_USE: i32 = 13;
export const EDEK_TOO_LONG: i32 = 14;
export const TOO_MANY_EDEKS: i32 = 15;
export const RECORD_FAILURES: i32 = 16;
export const SELF_TEST_FAILED: i32 = 17;

export const REC_TAG_MISMATCH: i32 = 32;
export const REC_FORMAT_VERSION_UNKNOWN: i32 = 33;
export const REC_CIPHER_UNKNOWN: i32 = 34;
export const REC_AAD_UNKNOWN: i32 = 35;
export const REC_WRAPPER_TRUNCATED: i32 = 36;
export const REC_KEY_NOT_LOADED: i32 = 37;
export const REC_PARCEL_MALFORMED: i32 = 38;
/** strict policy: a record without the encryption header where one is required. */
export const REC_PLAINTEXT_REFUSED: i32 = 39;
