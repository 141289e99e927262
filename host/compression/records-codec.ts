// Compresses and decompresses the records section of a record batch with one of Kafka's codecs.
import { KsealError } from "../errors.js";
import { LIMITS } from "../limits.js";
import { CODEC, codecName } from "./codec-ids.js";
import { gzipCompress, gzipDecompress } from "./gzip.js";
import { lz4Compress, lz4Decompress } from "./lz4.js";
import { snappyCompress, snappyDecompress } from "./snappy.js";
import { zstdCompress, zstdDecompress } from "./zstd.js";

/**
 * Decompresses `data` written with `codec` (1 gzip, 2 snappy xerial or raw, 3 lz4 frame, 4 zstd).
 * Throws COMPRESSION_TOO_LARGE rather than produce more than `maxBytes`, COMPRESSION_CORRUPT for
 * data the codec cannot decode, COMPRESSION_UNSUPPORTED for any other codec id.
 */
export function decompressRecords(codec: number, data: Uint8Array, maxBytes: number = LIMITS.maxDecompressedBatchBytes): Buffer {
  switch (codec) {
    case CODEC.gzip:
      return capped(gzipDecompress(data, maxBytes), maxBytes);
    case CODEC.snappy:
      return snappyDecompress(data, maxBytes);
    case CODEC.lz4:
      return lz4Decompress(data, maxBytes);
    case CODEC.zstd:
      return zstdDecompress(data, maxBytes);
    default:
      throw new KsealError("COMPRESSION_UNSUPPORTED", `cannot decompress ${codecName(codec)}`);
  }
}

/** Compresses `data` with `codec` in the framing every Kafka client reads. */
export function compressRecords(codec: number, data: Uint8Array): Buffer {
  switch (codec) {
    case CODEC.gzip:
      return gzipCompress(data);
    case CODEC.snappy:
      return snappyCompress(data);
    case CODEC.lz4:
      return lz4Compress(data);
    case CODEC.zstd:
      return zstdCompress(data);
    default:
      throw new KsealError("COMPRESSION_UNSUPPORTED", `cannot compress with ${codecName(codec)}`);
  }
}

function capped(out: Buffer, maxBytes: number): Buffer {
  if (out.length > maxBytes) throw new KsealError("COMPRESSION_TOO_LARGE", `${out.length} bytes out, over ${maxBytes}`);
  return out;
}
