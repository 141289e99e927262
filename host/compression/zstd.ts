// zstd (Kafka codec 4): standard Zstandard frames (RFC 8878), through libzstd.
//
// frame:  magic uint32 LE 0xFD2FB528 | FHD | [window descriptor] | [dict id 0/1/2/4 B] |
//         [content size 0/1/2/4/8 B LE] | blocks | [content checksum uint32]
//   FHD   bits 7-6 content size flag, 5 single segment, 4 unused, 3 reserved (0),
//         2 content checksum, 1-0 dict id flag
//   block header uint24 LE: bit 0 last block, bits 2-1 type (0 raw, 1 RLE, 2 compressed,
//         3 reserved), bits 23-3 size (raw: data bytes; RLE: 1 byte repeated size times;
//         compressed: data bytes, decoding to at most min(window, 128 KiB))
// skippable frame: magic 0x184D2A50-0x184D2A5F | uint32 LE size | data
import { Decoder, Encoder } from "@toondepauw/node-zstd";
import { KsealError } from "../errors.js";

const FRAME_MAGIC = 0xfd2fb528;
const BLOCK_MAX = 128 * 1024;
/** Level 3 is zstd's default and what Kafka's Java producer uses (compression.zstd.level). */
const LEVEL = 3;

let encoder: Encoder | undefined;
let decoder: Decoder | undefined;

export function zstdCompress(data: Uint8Array): Buffer {
  encoder ??= new Encoder(LEVEL);
  return encoder.encodeSync(Buffer.from(data.buffer, data.byteOffset, data.length));
}

export function zstdDecompress(data: Uint8Array, maxBytes: number): Buffer {
  const bound = zstdOutputBound(data);
  if (bound > maxBytes) throw new KsealError("COMPRESSION_TOO_LARGE", `zstd frames may hold up to ${bound} bytes, over ${maxBytes}`);
  decoder ??= new Decoder();
  let out: Buffer;
  try {
    out = decoder.decodeSync(Buffer.from(data.buffer, data.byteOffset, data.length));
  } catch (e) {
    throw new KsealError("COMPRESSION_CORRUPT", `zstd: ${(e as Error).message}`, { cause: e });
  }
  if (out.length > maxBytes) throw new KsealError("COMPRESSION_TOO_LARGE", `zstd output of ${out.length} bytes, over ${maxBytes}`);
  return out;
}

/**
 * Walks frame and block headers without decoding and returns the most bytes the data can decode
 * to: raw and RLE blocks exactly, a compressed block at most min(window, 128 KiB), a frame at most
 * its declared content size. Encoders fill blocks to 128 KiB, so for real data this is close to
 * the true size; a bomb made of tiny compressed blocks is refused before libzstd allocates.
 */
export function zstdOutputBound(data: Uint8Array): number {
  const v = Buffer.from(data.buffer, data.byteOffset, data.length);
  const corrupt = (why: string) => new KsealError("COMPRESSION_CORRUPT", `zstd frame: ${why}`);
  let pos = 0;
  let bound = 0;
  let frames = 0;
  while (pos < v.length) {
    if (pos + 4 > v.length) throw corrupt(`truncated magic at byte ${pos}`);
    const magic = v.readUInt32LE(pos);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      if (pos + 8 > v.length) throw corrupt("truncated skippable frame");
      pos += 8 + v.readUInt32LE(pos + 4);
      if (pos > v.length) throw corrupt("skippable frame overruns the data");
      continue;
    }
    if (magic !== FRAME_MAGIC) throw corrupt(`bad magic 0x${magic.toString(16)} at byte ${pos}`);
    frames++;
    pos += 4;
    if (pos >= v.length) throw corrupt("truncated frame header");
    const fhd = v[pos++]!;
    if (fhd & 0x08) throw corrupt("reserved header bit set");
    const singleSegment = (fhd & 0x20) !== 0;
    const fcsFlag = fhd >> 6;
    let window = Infinity;
    if (!singleSegment) {
      if (pos >= v.length) throw corrupt("truncated window descriptor");
      const wd = v[pos++]!;
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    pos += [0, 1, 2, 4][fhd & 3]!;
    const fcsBytes = fcsFlag === 0 ? (singleSegment ? 1 : 0) : [0, 2, 4, 8][fcsFlag]!;
    if (pos + fcsBytes > v.length) throw corrupt("truncated frame header");
    let contentSize = Infinity;
    if (fcsBytes === 1) contentSize = v[pos]!;
    else if (fcsBytes === 2) contentSize = v.readUInt16LE(pos) + 256;
    else if (fcsBytes === 4) contentSize = v.readUInt32LE(pos);
    else if (fcsBytes === 8) contentSize = Number(v.readBigUInt64LE(pos));
    pos += fcsBytes;
    if (singleSegment) window = contentSize;
    const perBlock = Math.min(window, BLOCK_MAX);
    let frameBound = 0;
    for (;;) {
      if (pos + 3 > v.length) throw corrupt("truncated block header (no last block)");
      const h = v[pos]! | (v[pos + 1]! << 8) | (v[pos + 2]! << 16);
      pos += 3;
      const type = (h >> 1) & 3;
      const size = h >>> 3;
      if (type === 3) throw corrupt("reserved block type");
      if (type === 1) {
        frameBound += size;
        pos += 1;
      } else {
        frameBound += type === 0 ? size : perBlock;
        pos += size;
      }
      if (pos > v.length) throw corrupt("block overruns the data");
      if (h & 1) break;
    }
    if (fhd & 0x04) pos += 4;
    if (pos > v.length) throw corrupt("truncated content checksum");
    bound += Math.min(frameBound, contentSize);
  }
  if (frames === 0) throw corrupt("no frame");
  return bound;
}
