// snappy (Kafka codec 2). Two framings exist on the wire:
//
// xerial (snappy-java's SnappyOutputStream; Kafka's Java client writes and expects it):
//   magic   8 bytes  0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00
//   version int32 BE (1)   compatible int32 BE (1)
//   chunks  [int32 BE compressed length][raw snappy block] ... until the end of the data
// raw: one raw snappy block (librdkafka and franz-go write this; snappy-java and librdkafka
//   read it when the magic is absent).
// A raw snappy block starts with its uncompressed length as an unsigned LEB128 varint, which is
// how the size limit is checked before anything is allocated. Its elements are literals (tag,
// optional length bytes, the bytes) and copies of 2, 3 or 5 bytes yielding 4-11, 1-64 and 1-64
// bytes, so a block decodes to at most 64/3 times its size.
//
// kseal always writes xerial, the one framing every Kafka client reads.
import { compressSync, uncompressSync } from "snappy";
import { KsealError } from "../errors.js";

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;
/** snappy-java's default block size; Kafka's Java client writes chunks of this much input. */
const XERIAL_CHUNK_BYTES = 32 * 1024;

export function snappyCompress(data: Uint8Array): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(XERIAL_HEADER_BYTES);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  parts.push(header);
  for (let off = 0; off < data.length; off += XERIAL_CHUNK_BYTES) {
    const block = compressSync(data.subarray(off, Math.min(data.length, off + XERIAL_CHUNK_BYTES)));
    const len = Buffer.alloc(4);
    len.writeInt32BE(block.length, 0);
    parts.push(len, block);
  }
  return Buffer.concat(parts);
}

export function isXerialSnappy(data: Uint8Array): boolean {
  return data.length >= XERIAL_HEADER_BYTES && Buffer.from(data.buffer, data.byteOffset, 8).equals(XERIAL_MAGIC);
}

export function snappyDecompress(data: Uint8Array, maxBytes: number): Buffer {
  if (!isXerialSnappy(data)) return rawBlock(data, maxBytes, "raw snappy");
  const view = Buffer.from(data.buffer, data.byteOffset, data.length);
  const compatible = view.readInt32BE(12);
  if (compatible !== 1) throw new KsealError("COMPRESSION_CORRUPT", `xerial snappy: compatible version ${compatible}, expected 1`);
  // First pass: check the chunk structure and add up the declared sizes, so an oversized stream
  // is refused before anything is decoded.
  const chunks: Array<{ start: number; end: number; size: number }> = [];
  let total = 0;
  let pos = XERIAL_HEADER_BYTES;
  while (pos < view.length) {
    // snappy-java reads concatenated streams: a second header where a chunk length would be.
    if (isXerialSnappy(view.subarray(pos))) {
      pos += XERIAL_HEADER_BYTES;
      continue;
    }
    if (pos + 4 > view.length) throw new KsealError("COMPRESSION_CORRUPT", `xerial snappy: truncated chunk length at byte ${pos}`);
    const len = view.readInt32BE(pos);
    pos += 4;
    if (len < 0 || pos + len > view.length) throw new KsealError("COMPRESSION_CORRUPT", `xerial snappy: chunk of ${len} bytes at byte ${pos} overruns the data`);
    const size = uncompressedLength(view.subarray(pos, pos + len), "xerial snappy chunk");
    total += size;
    if (total > maxBytes) throw new KsealError("COMPRESSION_TOO_LARGE", `xerial snappy chunks declare more than ${maxBytes} bytes`);
    chunks.push({ start: pos, end: pos + len, size });
    pos += len;
  }
  if (chunks.length === 1) return rawBlock(view.subarray(chunks[0]!.start, chunks[0]!.end), maxBytes, "xerial snappy chunk");
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const c of chunks) {
    const part = rawBlock(view.subarray(c.start, c.end), c.size, "xerial snappy chunk");
    part.copy(out, at);
    at += part.length;
  }
  return out;
}

/** Most bytes one byte of a raw snappy block can decode to: a 3-byte copy yields at most 64. */
const MAX_EXPANSION = 64 / 3;

function rawBlock(block: Uint8Array, maxBytes: number, what: string): Buffer {
  const declared = uncompressedLength(block, what);
  if (declared > maxBytes) throw new KsealError("COMPRESSION_TOO_LARGE", `${what} declares ${declared} bytes, over the ${maxBytes} left`);
  // The decoder allocates the declared size up front: a few bytes declaring 46 MB would cost a
  // 46 MB allocation per batch before failing.
  if (declared > Math.ceil(block.length * MAX_EXPANSION)) throw new KsealError("COMPRESSION_CORRUPT", `${what} of ${block.length} bytes declares ${declared} bytes, more than it can hold`);
  let out: Buffer;
  try {
    out = uncompressSync(block, { asBuffer: true }) as Buffer;
  } catch (e) {
    throw new KsealError("COMPRESSION_CORRUPT", `${what}: ${(e as Error).message}`, { cause: e });
  }
  if (out.length !== declared) throw new KsealError("COMPRESSION_CORRUPT", `${what}: ${out.length} bytes out, ${declared} declared`);
  return out;
}

function uncompressedLength(block: Uint8Array, what: string): number {
  let n = 0;
  for (let i = 0; i < 5; i++) {
    if (i >= block.length) break;
    const b = block[i]!;
    n += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) {
      if (n > 0xffffffff) break;
      return n;
    }
  }
  throw new KsealError("COMPRESSION_CORRUPT", `${what}: bad uncompressed-length preamble`);
}
