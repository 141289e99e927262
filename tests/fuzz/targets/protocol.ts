// Message codecs: whole request and response frames (header + body), after the proxy's own
// header reads (host/proxy/protocol-adapter.ts). Requests are decoded the
// way the proxy does it: header first, then the body with the codec and version the (mutated)
// header names, when kseal decodes that pair. Responses are decoded with the API key and version
// of the request they answer. Whatever decodes must re-encode without a foreign error.
import { KsealError } from "../../../host/errors.js";
import { decodeRequestHeader, decodeResponseHeader, encodeRequestHeader, responseHeaderVersion } from "../../../host/protocol/headers.js";
import { looksLikeKafkaRequest, parseRequestHeader, peekRequest, produceAcks, responseBodyStart } from "../../../host/proxy/protocol-adapter.js";
import { Writer } from "../../../host/protocol/primitives.js";
import { codecFor } from "../../../host/protocol/registry.js";
import { protocolFrames, type FrameMeta } from "../corpus.js";
import type { Prng } from "../prng.js";
import type { FuzzTarget } from "../target.js";

export const protocolTarget: FuzzTarget<FrameMeta> = {
  name: "protocol",
  about: "proxy header reads, request/response headers and every codec of host/protocol/registry.ts at every version it serves",
  weight: 40,
  async setup() {
    return protocolFrames();
  },
  run(frame: Buffer, meta: FrameMeta, r: Prng) {
    if (meta.kind === "request") {
      // The proxy's own reads of a request (host/proxy/protocol-adapter.ts) come first.
      const peek = peekRequest(frame);
      looksLikeKafkaRequest(frame);
      if (peek.apiKey === 0 && peek.apiVersion >= 3 && peek.apiVersion <= 13) produceAcks(frame, peek.apiVersion);
      parseRequestHeader(frame, r.chance(0.5));
      const { header, bodyOffset } = decodeRequestHeader(frame);
      const w = new Writer(64);
      encodeRequestHeader(w, header);
      w.finish();
      const codec = codecFor(header.apiKey);
      if (!codec || header.apiVersion < codec.minVersion || header.apiVersion > codec.maxVersion) return "request header only (forwarded opaque)";
      const msg = codec.decodeRequest(frame.subarray(bodyOffset), header.apiVersion);
      codec.encodeRequest(msg, header.apiVersion);
      return "request decoded";
    }
    const hv = responseHeaderVersion(meta.apiKey, meta.apiVersion);
    if (hv === undefined) throw new KsealError("UNSUPPORTED_VERSION", "no header version");
    responseBodyStart(frame, meta.apiKey, hv === 1);
    const { bodyOffset } = decodeResponseHeader(frame, r.chance(0.1) ? (hv === 0 ? 1 : 0) : hv);
    const codec = codecFor(meta.apiKey)!;
    const msg = codec.decodeResponse(frame.subarray(bodyOffset), meta.bodyVersion);
    codec.encodeResponse(msg, meta.bodyVersion);
    return "response decoded";
  },
};
