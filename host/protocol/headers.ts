/**
 * Request and response headers.
 *
 * Request header v1: RequestApiKey int16 | RequestApiVersion int16 | CorrelationId int32 |
 *                    ClientId nullable string (int16 length)
 * Request header v2: v1 + tagged-field section. ClientId keeps its int16 length even in v2, so
 *                    any broker can read the header of an ApiVersions request it cannot parse.
 * Response header v0: CorrelationId int32
 * Response header v1: v0 + tagged-field section.
 *
 * Rule: request header 2 if the API version is flexible, else 1; response header 1 if flexible,
 * else 0 — except ApiVersions, whose response header is ALWAYS v0 (KIP-511) so a client can read
 * it before it knows what the broker supports. Header v0 requests (ControlledShutdown v0) are
 * gone in Kafka 4.0.
 */
import { KsealError } from "../errors.js";
import { API_KEYS, ApiKey } from "./api-keys.js";
import type { TaggedField } from "./codec.js";
import { Reader, Writer } from "./primitives.js";

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  unknownTaggedFields?: TaggedField[];
}

export interface ResponseHeader {
  correlationId: number;
  unknownTaggedFields?: TaggedField[];
}

/** Header version of a request, or undefined for an API key this table does not know. */
export function requestHeaderVersion(apiKey: number, apiVersion: number): 1 | 2 | undefined {
  const info = API_KEYS.get(apiKey);
  if (!info) return undefined;
  return apiVersion >= info.flexibleFrom ? 2 : 1;
}

/** Header version of a response, or undefined for an API key this table does not know. */
export function responseHeaderVersion(apiKey: number, apiVersion: number): 0 | 1 | undefined {
  const info = API_KEYS.get(apiKey);
  if (!info) return undefined;
  if (apiKey === ApiKey.ApiVersions) return 0;
  return apiVersion >= info.flexibleFrom ? 1 : 0;
}

export interface PeekedRequest {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
}

/** Reads only bytes 0-7 of a request frame (the same in every header version). */
export function peekRequestHeader(frame: Buffer): PeekedRequest {
  if (frame.length < 8) throw new KsealError("FRAME_MALFORMED", `request frame of ${frame.length} bytes has no header`);
  return { apiKey: frame.readInt16BE(0), apiVersion: frame.readInt16BE(2), correlationId: frame.readInt32BE(4) };
}

/** Reads bytes 0-3 of a response frame. */
export function peekResponseCorrelationId(frame: Buffer): number {
  if (frame.length < 4) throw new KsealError("FRAME_MALFORMED", `response frame of ${frame.length} bytes has no header`);
  return frame.readInt32BE(0);
}

export interface Decoded<H> {
  header: H;
  /** Offset of the message body in the frame. */
  bodyOffset: number;
}

/**
 * Decodes a request header. The version comes from the table unless given; an unknown API key
 * without an explicit version is UNSUPPORTED_VERSION (only opaque forwarding is safe then).
 */
export function decodeRequestHeader(frame: Buffer, headerVersion?: 1 | 2): Decoded<RequestHeader> {
  const r = new Reader(frame);
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const version = headerVersion ?? requestHeaderVersion(apiKey, apiVersion);
  if (version === undefined) throw new KsealError("UNSUPPORTED_VERSION", `unknown API key ${apiKey}`);
  const clientId = r.nullableString();
  const header: RequestHeader = { apiKey, apiVersion, correlationId, clientId };
  if (version === 2) {
    const unknown = r.taggedFields();
    if (unknown) header.unknownTaggedFields = unknown;
  }
  return { header, bodyOffset: r.pos };
}

export function encodeRequestHeader(w: Writer, h: RequestHeader, headerVersion?: 1 | 2): void {
  const version = headerVersion ?? requestHeaderVersion(h.apiKey, h.apiVersion);
  if (version === undefined) throw new KsealError("UNSUPPORTED_VERSION", `unknown API key ${h.apiKey}`);
  w.int16(h.apiKey);
  w.int16(h.apiVersion);
  w.int32(h.correlationId);
  w.nullableString(h.clientId);
  if (version === 2) w.taggedFields(h.unknownTaggedFields);
}

export function decodeResponseHeader(frame: Buffer, headerVersion: 0 | 1): Decoded<ResponseHeader> {
  const r = new Reader(frame);
  const header: ResponseHeader = { correlationId: r.int32() };
  if (headerVersion === 1) {
    const unknown = r.taggedFields();
    if (unknown) header.unknownTaggedFields = unknown;
  }
  return { header, bodyOffset: r.pos };
}

export function encodeResponseHeader(w: Writer, h: ResponseHeader, headerVersion: 0 | 1): void {
  w.int32(h.correlationId);
  if (headerVersion === 1) w.taggedFields(h.unknownTaggedFields);
}

/** A whole request frame payload (header + body, without the int32 size prefix). */
export function encodeRequestFrame(h: RequestHeader, body: Buffer): Buffer {
  const w = new Writer(64);
  encodeRequestHeader(w, h);
  w.raw(body);
  return w.finish();
}

/** A whole response frame payload (header + body, without the int32 size prefix). */
export function encodeResponseFrame(apiKey: number, apiVersion: number, h: ResponseHeader, body: Buffer): Buffer {
  const version = responseHeaderVersion(apiKey, apiVersion);
  if (version === undefined) throw new KsealError("UNSUPPORTED_VERSION", `unknown API key ${apiKey}`);
  const w = new Writer(16);
  encodeResponseHeader(w, h, version);
  w.raw(body);
  return w.finish();
}

/** Prepends the int32 size prefix. */
export function withSizePrefix(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(payload.length + 4);
  out.writeInt32BE(payload.length, 0);
  out.set(payload, 4);
  return out;
}
