/**
 * Splits a TCP byte stream into Kafka frames: int32 Size, then Size bytes of payload.
 *
 * Frames are handed out without their size prefix. A frame that lies inside one chunk is a view
 * of that chunk (no copy); one spread over several chunks is copied once, when complete — the
 * pending chunks are kept in a list, so byte-by-byte input costs linear time, not quadratic.
 *
 * A negative size, or one over maxFrameBytes, is reported once through onError as soon as the
 * 4 prefix bytes are in (nothing of the claimed size is allocated). The reader then ignores all
 * further input; the caller closes the connection.
 *
 * A peer that trickles a frame in tiny TCP segments would otherwise cost one Buffer object (a few
 * hundred bytes) per byte or two received: past LIMITS.frameReaderCoalesceAfterChunks pending
 * chunks, small chunks are copied into a shared staging buffer instead, so the memory a partial
 * frame holds stays close to its byte count.
 */
import { KsealError } from "../errors.js";
import { LIMITS } from "../limits.js";

export interface FrameReaderOptions {
  onFrame: (frame: Buffer) => void;
  onError: (err: KsealError) => void;
  maxFrameBytes?: number;
}

export class FrameReader {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  /** Offset into chunks[0] of the first unconsumed byte. */
  private head = 0;
  /** Payload size of the frame being collected, or -1 while the prefix is incomplete. */
  private need = -1;
  private dead = false;
  /** Staging buffer for small chunks of a trickled frame; chunks may hold views of it. */
  private stage: Buffer | undefined;
  private stageUsed = 0;
  private readonly maxFrameBytes: number;
  private readonly onFrame: (frame: Buffer) => void;
  private readonly onError: (err: KsealError) => void;

  constructor(opts: FrameReaderOptions) {
    this.onFrame = opts.onFrame;
    this.onError = opts.onError;
    this.maxFrameBytes = opts.maxFrameBytes ?? LIMITS.maxFrameBytes;
  }

  /** True once a bad size prefix was seen. */
  get failed(): boolean {
    return this.dead;
  }

  /** True while a frame is partly received (its size prefix, or some of it, is in). */
  get inFrame(): boolean {
    return !this.dead && (this.need >= 0 || this.buffered > 0);
  }

  /** Bytes received but not yet handed out as frames. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    if (this.dead || chunk.length === 0) return;
    if (chunk.length <= LIMITS.frameReaderSmallChunkBytes && this.chunks.length >= LIMITS.frameReaderCoalesceAfterChunks) this.stageChunk(chunk);
    else this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < 4) return;
        const size = this.take(4).readInt32BE(0);
        if (size < 0 || size > this.maxFrameBytes) {
          this.fail(size);
          return;
        }
        this.need = size;
      }
      if (this.buffered < this.need) return;
      const frame = this.take(this.need);
      this.need = -1;
      this.onFrame(frame);
      if (this.dead) return;
    }
  }

  /** Copies a small chunk into the staging buffer, extending the last pending view when it ends there. */
  private stageChunk(chunk: Buffer): void {
    const size = LIMITS.frameReaderStageBytes;
    if (this.stage === undefined || this.stageUsed + chunk.length > size) {
      // allocUnsafeSlow: a buffer of its own, never a slice of Node's shared pool.
      this.stage = Buffer.allocUnsafeSlow(size);
      this.stageUsed = 0;
    }
    const st = this.stage;
    chunk.copy(st, this.stageUsed);
    const end = this.stageUsed + chunk.length;
    const last = this.chunks[this.chunks.length - 1];
    if (last !== undefined && last.buffer === st.buffer && last.byteOffset + last.length === st.byteOffset + this.stageUsed) {
      this.chunks[this.chunks.length - 1] = st.subarray(last.byteOffset - st.byteOffset, end);
    } else {
      this.chunks.push(st.subarray(this.stageUsed, end));
    }
    this.stageUsed = end;
  }

  private fail(size: number): void {
    this.dead = true;
    this.stage = undefined;
    this.chunks.length = 0;
    this.buffered = 0;
    this.head = 0;
    const err =
      size < 0
        ? new KsealError("FRAME_MALFORMED", `negative frame size ${size}`)
        : new KsealError("FRAME_TOO_LARGE", `frame of ${size} bytes, limit ${this.maxFrameBytes}`);
    this.onError(err);
  }

  /** Removes n buffered bytes (n <= buffered): a view if they sit in one chunk, else one copy. */
  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    this.buffered -= n;
    // Nothing pending: an idle connection must not keep a staging buffer.
    if (this.buffered === 0) this.stage = undefined;
    const first = this.chunks[0]!;
    const avail = first.length - this.head;
    if (n <= avail) {
      const out = first.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    let used = 0;
    while (filled < n) {
      const c = this.chunks[used]!;
      const start = used === 0 ? this.head : 0;
      const k = Math.min(c.length - start, n - filled);
      out.set(c.subarray(start, start + k), filled);
      filled += k;
      if (start + k === c.length) {
        used++;
        this.head = 0;
      } else {
        this.head = start + k;
      }
    }
    this.chunks.splice(0, used);
    return out;
  }
}
