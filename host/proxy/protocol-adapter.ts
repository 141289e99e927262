/**
 * The few protocol operations the connection needs, in one place, on top of host/protocol.
 *
 * Request header v1/v2 (what the proxy reads of it):
 *   0 apiKey int16 | 2 apiVersion int16 | 4 correlationId int32 | 8 clientId int16-length string
 *   (v2: then a tagged-field section)
 * Response header v0: correlationId int32; v1: + tagged-field section. ApiVersions responses
 * always use v0 (KIP-511).
 * Produce request body: transactionalId (nullable string; compact from v9, present from v3),
 *   then acks int16.
 */
import { KsealError } from "../errors.js";
import { FrameReader } from "../protocol/frame-reader.js";
import { decodeRequestHeader, decodeResponseHeader, peekRequestHeader } from "../protocol/headers.js";
import { Reader } from "../protocol/primitives.js";
import { API } from "./api-keys.js";

export interface RequestPeek {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
}

/** apiKey/apiVersion/correlationId at fixed offsets; throws FRAME_MALFORMED on a short frame. */
export function peekRequest(frame: Buffer): RequestPeek {
  return peekRequestHeader(frame);
}

/** clientId and the offset where the request body starts. */
export function parseRequestHeader(frame: Buffer, flexible: boolean): { clientId: string | null; bodyStart: number } {
  const { header, bodyOffset } = decodeRequestHeader(frame, flexible ? 2 : 1);
  return { clientId: header.clientId, bodyStart: bodyOffset };
}

/** Offset where the response body starts. */
export function responseBodyStart(frame: Buffer, apiKey: number, flexible: boolean): number {
  return decodeResponseHeader(frame, flexible && apiKey !== API.ApiVersions ? 1 : 0).bodyOffset;
}

/** acks of a Produce request (needs the header's flexibility: request header v2 from Produce v9). */
export function produceAcks(frame: Buffer, apiVersion: number): number {
  const flexible = apiVersion >= 9;
  const { bodyStart } = parseRequestHeader(frame, flexible);
  const r = new Reader(frame, bodyStart);
  if (apiVersion >= 3) {
    if (flexible) r.compactNullableString();
    else r.nullableString();
  }
  return r.int16();
}

/**
 * Whether a frame that arrives while raw SASL tokens are expected (after SaslHandshake v0) is a
 * Kafka request again: a known API key with a small version and a clientId length that fits.
 * SASL tokens (PLAIN "\0user\0pass", SCRAM "n,,n=...", GSSAPI 0x60...) do not pass this.
 */
export function looksLikeKafkaRequest(frame: Buffer): boolean {
  if (frame.length < 10) return false;
  const apiKey = frame.readInt16BE(0);
  const version = frame.readInt16BE(2);
  const idLen = frame.readInt16BE(8);
  return apiKey >= 0 && apiKey < 100 && version >= 0 && version < 32 && idLen >= -1 && idLen <= frame.length - 10;
}

/** A complete frame (size prefix included) holding `payload`. */
export function sizePrefix(len: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(len, 0);
  return b;
}

/** Splits a byte stream into frame payloads (size prefix removed). */
export interface FrameSplitter {
  /** Frames completed by this chunk; throws FRAME_TOO_LARGE / FRAME_MALFORMED on a bad prefix. */
  push(chunk: Buffer): Buffer[];
  /** Bytes held for an incomplete frame. */
  readonly buffered: number;
}

/** The protocol's callback-style FrameReader as a pull-style splitter. */
export function createFrameSplitter(maxFrameBytes: number): FrameSplitter {
  let out: Buffer[] = [];
  let err: KsealError | undefined;
  const reader = new FrameReader({
    maxFrameBytes,
    onFrame: (f) => out.push(f),
    onError: (e) => {
      err = e;
    },
  });
  return {
    get buffered() {
      return reader.bufferedBytes;
    },
    push(chunk: Buffer): Buffer[] {
      out = [];
      reader.push(chunk);
      if (err) throw err;
      return out;
    },
  };
}
