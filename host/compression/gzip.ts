// gzip (Kafka codec 1): a standard gzip stream (RFC 1952), as java.util.zip writes and reads it.
import zlib from "node:zlib";
import { KsealError } from "../errors.js";

export function gzipCompress(data: Uint8Array): Buffer {
  // Level 6 is zlib's default; Kafka's Java producer also defaults to it (compression.gzip.level).
  return zlib.gzipSync(data, { level: 6 });
}

/** Inflates a gzip stream (concatenated members too); zlib stops at maxBytes of output. */
export function gzipDecompress(data: Uint8Array, maxBytes: number): Buffer {
  try {
    return zlib.gunzipSync(data, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ERR_BUFFER_TOO_LARGE") throw new KsealError("COMPRESSION_TOO_LARGE", `gzip output over ${maxBytes} bytes`, { cause: e });
    throw new KsealError("COMPRESSION_CORRUPT", `gzip: ${(e as Error).message}`, { cause: e });
  }
}
