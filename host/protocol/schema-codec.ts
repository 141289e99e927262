/** Builds an ApiCodec from request and response schemas (see schema.ts). */
import { KsealError } from "../errors.js";
import type { ApiCodec } from "./codec.js";
import { decodeMessage, encodeMessage, encodeMessageParts, type StructType } from "./schema.js";

export interface SchemaCodecDef {
  apiKey: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  flexibleFrom: number;
  request: StructType;
  response: StructType;
}

export function checkVersion(def: { name: string; minVersion: number; maxVersion: number }, version: number): void {
  if (!Number.isInteger(version) || version < def.minVersion || version > def.maxVersion) {
    throw new KsealError(
      "UNSUPPORTED_VERSION",
      `${def.name} v${version} (codec covers v${def.minVersion}-${def.maxVersion})`,
    );
  }
}

export function schemaCodec<Req, Res>(def: SchemaCodecDef): ApiCodec<Req, Res> {
  const { apiKey, name, minVersion, maxVersion, flexibleFrom, request, response } = def;
  return {
    apiKey,
    name,
    minVersion,
    maxVersion,
    flexibleFrom,
    decodeRequest(body, version) {
      checkVersion(def, version);
      return decodeMessage(request, body, version, flexibleFrom) as unknown as Req;
    },
    encodeRequest(msg, version) {
      checkVersion(def, version);
      return encodeMessage(request, msg, version, flexibleFrom);
    },
    decodeResponse(body, version) {
      checkVersion(def, version);
      return decodeMessage(response, body, version, flexibleFrom) as unknown as Res;
    },
    encodeResponse(msg, version) {
      checkVersion(def, version);
      return encodeMessage(response, msg, version, flexibleFrom);
    },
    encodeRequestParts(msg, version) {
      checkVersion(def, version);
      return encodeMessageParts(request, msg, version, flexibleFrom);
    },
    encodeResponseParts(msg, version) {
      checkVersion(def, version);
      return encodeMessageParts(response, msg, version, flexibleFrom);
    },
  };
}
