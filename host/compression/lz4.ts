// lz4 (Kafka codec 3): the LZ4 frame format (KIP-57), read and written through lz4_flex.
//
// frame:  magic uint32 LE 0x184D2204 | FLG | BD | [content size uint64 LE] | [dict id uint32 LE] |
//         HC (second byte of xxh32 of FLG..dict id) | blocks | end mark uint32 0 | [content xxh32]
//   FLG   bits 7-6 version (01), 5 block independence, 4 block checksum, 3 content size,
//         2 content checksum, 1 reserved (0), 0 dict id
//   BD    bits 6-4 block maximum size code (4: 64 KiB, 5: 256 KiB, 6: 1 MiB, 7: 4 MiB), others 0
//   block uint32 LE size (high bit set: stored uncompressed) | data | [block xxh32]
// skippable frame: magic 0x184D2A50-0x184D2A5F | uint32 LE size | data
//
// Kafka's Java reader refuses dependent (linked) blocks and block sizes below code 4; it skips a
// content checksum, which librdkafka and franz-go verify. kseal writes version 1, independent
// blocks, code 4-7 and no checksums, and checks those header bits on every frame it writes.
import { compressFrameSync, decompressFrameSync } from "lz4-napi";
import { KsealError } from "../errors.js";

const FRAME_MAGIC = 0x184d2204;
const BLOCK_MAX = [0, 0, 0, 0, 64 << 10, 256 << 10, 1 << 20, 4 << 20];

export function lz4Compress(data: Uint8Array): Buffer {
  const out = compressFrameSync(Buffer.from(data.buffer, data.byteOffset, data.length), { contentChecksum: false, blockChecksums: false });
  const flg = out[4]!;
  const code = (out[5]! >> 4) & 7;
  // Not a runtime input check: it guards against an lz4_flex default changing under kseal.
  if (out.readUInt32LE(0) !== FRAME_MAGIC || flg >> 6 !== 1 || (flg & 0x20) === 0 || code < 4) {
    throw new Error(`lz4 encoder wrote a frame Kafka cannot read (FLG 0x${flg.toString(16)}, block size code ${code})`);
  }
  return out;
}

export function lz4Decompress(data: Uint8Array, maxBytes: number): Buffer {
  const { bound, frames } = lz4Frames(data);
  if (bound > maxBytes) throw new KsealError("COMPRESSION_TOO_LARGE", `lz4 frame blocks may hold up to ${bound} bytes, over ${maxBytes}`);
  // lz4_flex decodes one frame per call (skippable frames it refuses), so each data frame is
  // handed over on its own; concatenated frames are a valid LZ4 stream.
  const parts: Buffer[] = [];
  try {
    for (const [start, end] of frames) parts.push(decompressFrameSync(Buffer.from(data.buffer, data.byteOffset + start, end - start)));
  } catch (e) {
    throw new KsealError("COMPRESSION_CORRUPT", `lz4: ${(e as Error).message}`, { cause: e });
  }
  const out = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  if (out.length > maxBytes) throw new KsealError("COMPRESSION_TOO_LARGE", `lz4 output of ${out.length} bytes, over ${maxBytes}`);
  return out;
}

/**
 * Walks the frames' headers and block sizes without decoding anything and returns the most bytes
 * they can decode to (each compressed block at most its frame's block maximum). Encoders fill
 * blocks up to the maximum, so for real data this is the true size plus at most one block.
 */
export function lz4OutputBound(data: Uint8Array): number {
  return lz4Frames(data).bound;
}

/** The output bound and the [start, end) byte range of every data frame. */
function lz4Frames(data: Uint8Array): { bound: number; frames: Array<[number, number]> } {
  const v = Buffer.from(data.buffer, data.byteOffset, data.length);
  const corrupt = (why: string) => new KsealError("COMPRESSION_CORRUPT", `lz4 frame: ${why}`);
  let pos = 0;
  let bound = 0;
  const frames: Array<[number, number]> = [];
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
    const start = pos;
    if (pos + 7 > v.length) throw corrupt("truncated frame descriptor");
    const flg = v[pos + 4]!;
    const bd = v[pos + 5]!;
    if (flg >> 6 !== 1) throw corrupt(`version ${flg >> 6}, expected 1`);
    if (flg & 0x02 || bd & 0x8f) throw corrupt("reserved descriptor bits set");
    const blockMax = BLOCK_MAX[(bd >> 4) & 7]!;
    if (blockMax === 0) throw corrupt(`block size code ${(bd >> 4) & 7}`);
    const blockChecksum = (flg & 0x10) !== 0;
    pos += 6 + (flg & 0x08 ? 8 : 0) + (flg & 0x01 ? 4 : 0) + 1;
    for (;;) {
      if (pos + 4 > v.length) throw corrupt("truncated block size (no end mark)");
      const word = v.readUInt32LE(pos);
      pos += 4;
      if (word === 0) break;
      const size = word & 0x7fffffff;
      if (size > blockMax) throw corrupt(`block of ${size} bytes over the frame's ${blockMax}`);
      bound += word & 0x80000000 ? size : blockMax;
      pos += size + (blockChecksum ? 4 : 0);
      if (pos > v.length) throw corrupt("block overruns the data");
    }
    if (flg & 0x04) pos += 4;
    if (pos > v.length) throw corrupt("truncated content checksum");
    frames.push([start, pos]);
  }
  if (frames.length === 0) throw corrupt("no frame");
  return { bound, frames };
}
