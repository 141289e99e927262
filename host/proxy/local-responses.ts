/** Responses the proxy writes itself instead of forwarding. */
import type { ApiCodec } from "../protocol/codec.js";
import { API } from "./api-keys.js";

const UNSUPPORTED_VERSION = 35;

/**
 * Body of an ApiVersions v0 response with UNSUPPORTED_VERSION that lists only ApiVersions' own
 * range — what a broker sends (KIP-511) when a client asks for a newer ApiVersions than it knows.
 */
export function unsupportedApiVersionsResponse(codec: ApiCodec<unknown, unknown>): Buffer {
  return codec.encodeResponse(
    {
      errorCode: UNSUPPORTED_VERSION,
      apiKeys: [{ apiKey: API.ApiVersions, minVersion: codec.minVersion, maxVersion: codec.maxVersion }],
      throttleTimeMs: 0,
    },
    0,
  );
}
