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
  // Connections
  UPSTREAM_UNAVAILABLE: { summary: "the target broker could not be reached", retriable: true },
  UPSTREAM_CLOSED: { summary: "the target broker closed the connection", retriable: true },
  TOO_MANY_IN_FLIGHT: { summary: "too many requests in flight on one connection", retriable: true },
  UNKNOWN_NODE: { summary: "no proxy port is mapped to this broker node", retriable: true },
  // Configuration
  CONFIG_INVALID: { summary: "configuration is invalid", retriable: false },
  // WASM filter
  WASM_ABI_MISMATCH: { summary: "filter module has the wrong ABI version or exports", retriable: false },
  WASM_SELF_TEST_FAILED: { summary: "filter module failed its self-test", retriable: false },
  WASM_STATUS: { summary: "filter module returned an error status", retriable: false, kafkaCode: 2 /* CORRUPT_MESSAGE */ },
  WASM_OUT_OF_BOUNDS: { summary: "filter module returned a pointer or length outside its memory", retriable: true },
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
