// Record batch compression: what the proxy calls around the WASM filter.
export { CODEC, codecName, isCodecId, type CodecId, type CodecName } from "./codec-ids.js";
export { crc32c } from "./crc32c.js";
export { compressRecords, decompressRecords } from "./records-codec.js";
export { BATCH_HEADER_BYTES, batchCodec, decompressBatch, recompressBatch, type DecompressBatchOptions } from "./record-batch.js";
