/** The protocol codecs the proxy decodes with, by API key. */
import type { ApiCodec } from "../protocol/codec.js";
import { codecFor } from "../protocol/registry.js";

export type AnyCodec = ApiCodec<unknown, unknown>;

export function proxyCodecFor(apiKey: number): AnyCodec | undefined {
  return codecFor(apiKey) as AnyCodec | undefined;
}
