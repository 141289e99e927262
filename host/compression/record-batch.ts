// Swaps a record batch v2 between its compressed form (as clients produce and brokers store it)
// and the plain form the WASM filter works on.
//
// batch: baseOffset int64 | batchLength int32 (bytes after this field) | partitionLeaderEpoch int32 |
//        magic int8 (2) | crc uint32 (CRC-32C of attributes..end) | attributes int16 (bits 0-2
//        codec) | lastOffsetDelta int32 | baseTimestamp int64 | maxTimestamp int64 |
//        producerId int64 | producerEpoch int16 | baseSequence int32 | recordsCount int32 |
//        records (one compressed stream when the codec is not 0; recordsCount stays plain)
import { KsealError } from "../errors.js";
import { LIMITS } from "../limits.js";
import { CODEC, codecName, isCodecId, type CodecId } from "./codec-ids.js";
import { crc32c } from "./crc32c.js";
import { compressRecords, decompressRecords } from "./records-codec.js";

export const BATCH_HEADER_BYTES = 61;
const BATCH_LENGTH_OFFSET = 8;
const MAGIC_OFFSET = 16;
const CRC_OFFSET = 17;
const ATTRIBUTES_OFFSET = 21;
const CODEC_MASK = 0x07;

/** The codec id in a batch's attributes (after checking the header). */
export function batchCodec(batch: Uint8Array): CodecId {
  const v = checkHeader(batch);
  const codec = v.readInt16BE(ATTRIBUTES_OFFSET) & CODEC_MASK;
  if (!isCodecId(codec)) throw new KsealError("COMPRESSION_UNSUPPORTED", `batch attributes name ${codecName(codec)}`);
  return codec;
}

export interface DecompressBatchOptions {
  /** Cap on the plain records section (default LIMITS.maxDecompressedBatchBytes). */
  maxBytes?: number;
  /** Check the batch's CRC-32C before decompressing (default true): the plain batch gets a new
   * CRC, which would otherwise hide corruption from consumers that check CRCs. */
  verifyCrc?: boolean;
}

/**
 * The batch with its records section decompressed, codec bits 0, batchLength and CRC-32C
 * recomputed; every other header field as it was. An uncompressed batch comes back as it is.
 */
export function decompressBatch(batch: Uint8Array, opts: DecompressBatchOptions = {}): Buffer {
  const v = checkHeader(batch);
  if (opts.verifyCrc !== false) {
    const crc = crc32c(v.subarray(ATTRIBUTES_OFFSET));
    if (crc !== v.readUInt32BE(CRC_OFFSET)) throw new KsealError("RECORD_BATCH_INVALID", `CRC-32C is 0x${crc.toString(16)}, header says 0x${v.readUInt32BE(CRC_OFFSET).toString(16)}`);
  }
  const attributes = v.readInt16BE(ATTRIBUTES_OFFSET);
  const codec = attributes & CODEC_MASK;
  if (codec === CODEC.none) return v;
  const section = v.subarray(BATCH_HEADER_BYTES);
  const maxBytes = opts.maxBytes ?? LIMITS.maxDecompressedBatchBytes;
  const plain = section.length === 0 ? Buffer.alloc(0) : decompressRecords(codec, section, maxBytes);
  return assemble(v, plain, attributes & ~CODEC_MASK);
}

/**
 * The plain batch with its records section compressed with `codec`, the codec bits set, and
 * batchLength and CRC-32C recomputed. Codec 0 returns the batch as it is.
 */
export function recompressBatch(plainBatch: Uint8Array, codec: number): Buffer {
  const v = checkHeader(plainBatch);
  const attributes = v.readInt16BE(ATTRIBUTES_OFFSET);
  if ((attributes & CODEC_MASK) !== CODEC.none) throw new KsealError("RECORD_BATCH_INVALID", `batch is already compressed with ${codecName(attributes & CODEC_MASK)}`);
  if (!isCodecId(codec)) throw new KsealError("COMPRESSION_UNSUPPORTED", `cannot compress with ${codecName(codec)}`);
  if (codec === CODEC.none) return v;
  const packed = compressRecords(codec, v.subarray(BATCH_HEADER_BYTES));
  return assemble(v, packed, (attributes & ~CODEC_MASK) | codec);
}

function assemble(header: Buffer, section: Uint8Array, attributes: number): Buffer {
  const out = Buffer.allocUnsafe(BATCH_HEADER_BYTES + section.length);
  header.copy(out, 0, 0, BATCH_HEADER_BYTES);
  out.set(section, BATCH_HEADER_BYTES);
  out.writeInt32BE(out.length - 12, BATCH_LENGTH_OFFSET);
  out.writeInt16BE(attributes, ATTRIBUTES_OFFSET);
  out.writeUInt32BE(crc32c(out.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
  return out;
}

function checkHeader(batch: Uint8Array): Buffer {
  const v = Buffer.isBuffer(batch) ? batch : Buffer.from(batch.buffer, batch.byteOffset, batch.length);
  if (v.length < BATCH_HEADER_BYTES) throw new KsealError("RECORD_BATCH_INVALID", `${v.length} bytes, shorter than the ${BATCH_HEADER_BYTES}-byte header`);
  if (v[MAGIC_OFFSET] !== 2) throw new KsealError("RECORD_BATCH_INVALID", `magic ${v[MAGIC_OFFSET]}, expected 2`);
  const declared = v.readInt32BE(BATCH_LENGTH_OFFSET);
  if (declared !== v.length - 12) throw new KsealError("RECORD_BATCH_INVALID", `batchLength ${declared}, but the batch has ${v.length - 12} bytes after it`);
  return v;
}
