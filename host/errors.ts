/**
 * kseal's one error catalog. Every error kseal raises is a KsealError with a stable code from
 * this table, says whether a retry can succeed, and keeps its cause. Errors that reach a Kafka
 * client are mapped to a Kafka error code (see kafkaCode).
 *
 * Messages never contain key material, tokens or record contents.
 */
export interface ErrorSpec {
  /** Short description; the thrown message adds the details. */
  summary: string;
  retriable: boolean;
  /** The Kafka protocol error code a client sees when this error fails its request, if any. */
  kafkaCode?: number;
}

export const ERRORS = {
  // Framing and protocol
  FRAME_TOO_LARGE: { summary: "frame size prefix is over the configured limit", retriable: false },
  FRAME_MALFORMED: { summary: "frame could not be decoded", retriable: false, kafkaCode: 42 /* INVALID_REQUEST */ },
  UNSUPPORTED_VERSION: { summary: "API version is outside what the codec decodes", retriable: false, kafkaCode: 35 },
  MESSAGE_UNENCODABLE: { summary: "message holds a value its wire format cannot carry", retriable: false, kafkaCode: -1 /* UNKNOWN_SERVER_ERROR */ },
  // Connections
  UPSTREAM_UNAVAILABLE: { summary: "the target broker could not be reached", retriable: true },
  UPSTREAM_CLOSED: { summary: "the target broker closed the connection", retriable: true },
  TOO_MANY_IN_FLIGHT: { summary: "too many requests in flight on one connection", retriable: true },
  UNKNOWN_NODE: { summary: "no proxy port is mapped to this broker node", retriable: true },
  CLIENT_MEMORY_LIMIT: { summary: "incomplete request frames over all connections exceed limits.clientPartialFramesMaxBytes; the largest was closed", retriable: true },
  FRAME_TIMEOUT: { summary: "a request frame arrived too slowly (limits.clientFrameWindowMs)", retriable: true },
  // Configuration
  CONFIG_INVALID: { summary: "configuration is invalid", retriable: false },
  // WASM filter
  WASM_ABI_MISMATCH: { summary: "filter module has the wrong ABI version or exports", retriable: false },
  WASM_SELF_TEST_FAILED: { summary: "filter module failed its self-test", retriable: false },
  WASM_STATUS: { summary: "filter module returned an error status", retriable: false, kafkaCode: 2 /* CORRUPT_MESSAGE */ },
  WASM_OUT_OF_BOUNDS: { summary: "filter module returned a pointer or length outside its memory", retriable: true },
  WASM_TRAP: { summary: "filter module trapped; the instance was replaced and its key slots emptied", retriable: true, kafkaCode: -1 /* UNKNOWN_SERVER_ERROR */ },
  WASM_BAD_ARGUMENT: { summary: "filter module refused a call's arguments", retriable: false, kafkaCode: -1 },
  WASM_OUT_OF_MEMORY: { summary: "filter module has no memory left for this batch", retriable: true, kafkaCode: -1 },
  WASM_BATCH_TOO_LARGE: { summary: "record batch is too large for the filter module", retriable: false, kafkaCode: 10 /* MESSAGE_TOO_LARGE */ },
  WASM_BATCH_INVALID: { summary: "record batch is malformed (truncated, lengths, CRC or record count)", retriable: false, kafkaCode: 2 /* CORRUPT_MESSAGE */ },
  WASM_BATCH_UNSUPPORTED_MAGIC: { summary: "record batch is not magic 2", retriable: false, kafkaCode: 2 /* CORRUPT_MESSAGE */ },
  WASM_BATCH_COMPRESSED: { summary: "record batch is compressed; decompress it before the filter", retriable: false, kafkaCode: 76 /* UNSUPPORTED_COMPRESSION_TYPE */ },
  WASM_KEY_SLOT_EMPTY: { summary: "filter key slot holds no key", retriable: true, kafkaCode: -1 },
  WASM_KEY_SLOT_EXHAUSTED: { summary: "filter key slot has spent its record budget or IV space; rotate the DEK", retriable: true, kafkaCode: -1 },
  WASM_KEY_SLOT_IN_USE: { summary: "filter key slot is already loaded; release it first", retriable: false, kafkaCode: -1 },
  WASM_EDEK_INVALID: { summary: "EDEK is longer than the format allows or does not match its slot", retriable: false, kafkaCode: -1 },
  WASM_TOO_MANY_EDEKS: { summary: "record batch needs more distinct DEKs than the filter has key slots", retriable: false, kafkaCode: -1 },
  WASM_TIMEOUT: { summary: "filter call ran past the sandbox time limit; its worker was replaced", retriable: true, kafkaCode: 56 /* KAFKA_STORAGE_ERROR */ },
  WASM_WORKER_LOST: { summary: "filter worker thread died during the call; it was replaced", retriable: true, kafkaCode: 56 /* KAFKA_STORAGE_ERROR */ },
  WASM_SANDBOX_BUSY: { summary: "filter sandbox queue is full; retry", retriable: true, kafkaCode: 56 /* KAFKA_STORAGE_ERROR */ },
  WASM_SANDBOX_CLOSED: { summary: "filter sandbox is shut down", retriable: true, kafkaCode: 56 /* KAFKA_STORAGE_ERROR */ },
  WASM_MODULE_REJECTED: { summary: "candidate filter module was rejected; the running module keeps serving", retriable: false },
  WASM_RECORD_DECRYPT_FAILED: { summary: "records of the batch could not be decrypted (integrity, format or missing key)", retriable: false, kafkaCode: 2 /* CORRUPT_MESSAGE */ },
  // KMS (any provider). KMS_UNAVAILABLE maps to KAFKA_STORAGE_ERROR because Java producers and
  // consumers both treat that code as retriable; the others fail the request for good.
  KMS_UNAVAILABLE: { summary: "the KMS could not be reached or did not answer in time", retriable: true, kafkaCode: 56 /* KAFKA_STORAGE_ERROR */ },
  KMS_UNKNOWN_ALIAS: { summary: "the KMS has no key with this alias", retriable: false },
  KMS_UNKNOWN_KEY: { summary: "the KMS has no key with this id", retriable: false, kafkaCode: -1 /* UNKNOWN_SERVER_ERROR */ },
  KMS_DENIED: { summary: "the KMS refused the call (credentials or key policy)", retriable: false, kafkaCode: -1 /* UNKNOWN_SERVER_ERROR */ },
  KMS_INTEGRITY: { summary: "EDEK did not unwrap: wrong key or tampered EDEK", retriable: false, kafkaCode: 2 /* CORRUPT_MESSAGE */ },
  KMS_EDEK_INVALID: { summary: "EDEK is not in this KMS's serialized form", retriable: false, kafkaCode: 2 /* CORRUPT_MESSAGE */ },
  KMS_ALIAS_INVALID: { summary: "key alias is empty, too long or holds control characters", retriable: false },
  KMS_KEY_EXISTS: { summary: "a key with this alias or id already exists", retriable: false },
  KMS_KEY_INVALID: { summary: "key material or key id is malformed", retriable: false },
  KMS_KEY_FILE: { summary: "local KMS key file cannot be read, written or parsed", retriable: false },
  KMS_PASSPHRASE: { summary: "local KMS key file passphrase is missing or wrong (or the file was tampered with)", retriable: false },
  // DEK manager and caches
  KEYS_LEASE_TOO_LARGE: { summary: "batch has more records than one DEK may encrypt", retriable: false, kafkaCode: 10 /* MESSAGE_TOO_LARGE */ },
  KEYS_CLOSED: { summary: "key manager is closed", retriable: true },
  // Record batch compression (host/compression)
  COMPRESSION_UNSUPPORTED: { summary: "record batch uses a compression codec kseal does not know", retriable: false, kafkaCode: 76 /* UNSUPPORTED_COMPRESSION_TYPE */ },
  COMPRESSION_CORRUPT: { summary: "compressed records could not be decoded (corrupt, truncated or bad framing)", retriable: false, kafkaCode: 2 /* CORRUPT_MESSAGE */ },
  COMPRESSION_TOO_LARGE: { summary: "records decompress to more than the decompressed batch limit", retriable: false, kafkaCode: 10 /* MESSAGE_TOO_LARGE */ },
  RECORD_BATCH_INVALID: { summary: "record batch header is malformed (length, magic, CRC-32C or codec bits)", retriable: false, kafkaCode: 2 /* CORRUPT_MESSAGE */ },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export class KsealError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly kafkaCode: number | undefined;

  constructor(code: ErrorCode, detail?: string, options?: { cause?: unknown }) {
    const spec: ErrorSpec = ERRORS[code];
    super(detail ? `${spec.summary}: ${detail}` : spec.summary, options);
    this.name = "KsealError";
    this.code = code;
    this.retriable = spec.retriable;
    this.kafkaCode = spec.kafkaCode;
  }
}

export function isKsealError(e: unknown, code?: ErrorCode): e is KsealError {
  return e instanceof KsealError && (code === undefined || e.code === code);
}
