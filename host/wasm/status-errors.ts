import { KsealError, type ErrorCode } from "../errors.js";
import { STATUS, statusName } from "./abi.js";

const CODES: Record<number, ErrorCode> = {
  [STATUS.BAD_ARGUMENT]: "WASM_BAD_ARGUMENT",
  [STATUS.OUT_OF_MEMORY]: "WASM_OUT_OF_MEMORY",
  [STATUS.TOO_LARGE]: "WASM_BATCH_TOO_LARGE",
  [STATUS.BATCH_TRUNCATED]: "WASM_BATCH_INVALID",
  [STATUS.BATCH_LENGTH_MISMATCH]: "WASM_BATCH_INVALID",
  [STATUS.BATCH_MAGIC_UNSUPPORTED]: "WASM_BATCH_UNSUPPORTED_MAGIC",
  [STATUS.BATCH_CRC_MISMATCH]: "WASM_BATCH_INVALID",
  [STATUS.BATCH_COMPRESSED]: "WASM_BATCH_COMPRESSED",
  [STATUS.RECORD_MALFORMED]: "WASM_BATCH_INVALID",
  [STATUS.RECORD_COUNT_MISMATCH]: "WASM_BATCH_INVALID",
  [STATUS.SLOT_EMPTY]: "WASM_KEY_SLOT_EMPTY",
  [STATUS.SLOT_EXHAUSTED]: "WASM_KEY_SLOT_EXHAUSTED",
  [STATUS.SLOT_IN_USE]: "WASM_KEY_SLOT_IN_USE",
  [STATUS.EDEK_TOO_LONG]: "WASM_EDEK_INVALID",
  [STATUS.TOO_MANY_EDEKS]: "WASM_TOO_MANY_EDEKS",
  [STATUS.RECORD_FAILURES]: "WASM_RECORD_DECRYPT_FAILED",
  [STATUS.SELF_TEST_FAILED]: "WASM_SELF_TEST_FAILED",
};

/** The KsealError for a non-OK status of `call`; the status name is kept in the message. */
export function statusError(call: string, status: number): KsealError {
  const err = new KsealError(CODES[status] ?? "WASM_STATUS", `${call}: ${statusName(status)}`);
  return Object.assign(err, { wasmStatus: status });
}
