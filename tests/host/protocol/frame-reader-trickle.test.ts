// A frame trickled in tiny chunks: the reader coalesces them (bounded bookkeeping), still hands out
// exact frames, and keeps no staging buffer once nothing is pending.
import { randomBytes } from "node:crypto";
import t from "tap";
import { FrameReader } from "../../../host/protocol/frame-reader.js";
import { LIMITS } from "../../../host/limits.js";

function framed(p: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeInt32BE(p.length);
  return Buffer.concat([h, p]);
}

t.test("byte-by-byte frames come out exact, pending chunks stay few", async (t) => {
  const frames: Buffer[] = [];
  const r = new FrameReader({ onFrame: (f) => frames.push(Buffer.from(f)), onError: (e) => t.fail(e.message) });
  const payloads = [randomBytes(100_000), randomBytes(3), Buffer.alloc(0), randomBytes(40_000)];
  const stream = Buffer.concat(payloads.map(framed));
  let maxChunks = 0;
  for (let i = 0; i < stream.length; i++) {
    r.push(stream.subarray(i, i + 1));
    maxChunks = Math.max(maxChunks, (r as unknown as { chunks: Buffer[] }).chunks.length);
  }
  t.same(frames, payloads);
  // 16 KiB staging buffers hold 100 KB of 1-byte chunks in ~7 views, plus the first 16 chunks.
  t.ok(maxChunks <= LIMITS.frameReaderCoalesceAfterChunks + Math.ceil(100_004 / LIMITS.frameReaderStageBytes) + 1, `at most ${maxChunks} pending chunks`);
  t.equal((r as unknown as { stage: Buffer | undefined }).stage, undefined, "no staging buffer kept when idle");
  t.equal(r.inFrame, false);
});

t.test("mixed small and large chunks", async (t) => {
  const frames: Buffer[] = [];
  const r = new FrameReader({ onFrame: (f) => frames.push(Buffer.from(f)), onError: (e) => t.fail(e.message) });
  const payloads = Array.from({ length: 20 }, (_, i) => randomBytes(1000 + i * 3001));
  const stream = Buffer.concat(payloads.map(framed));
  let off = 0;
  let i = 0;
  while (off < stream.length) {
    const n = i++ % 5 === 0 ? 5000 : (i % 7) + 1;
    r.push(stream.subarray(off, off + n));
    off += n;
  }
  t.same(frames, payloads);
});

t.test("inFrame reports a size prefix with no payload yet", async (t) => {
  const r = new FrameReader({ onFrame: () => {}, onError: () => {} });
  t.equal(r.inFrame, false);
  r.push(Buffer.from([0, 0, 0]));
  t.equal(r.inFrame, true);
  r.push(Buffer.from([5]));
  t.equal(r.inFrame, true, "prefix complete, payload pending");
  r.push(Buffer.alloc(5));
  t.equal(r.inFrame, false);
});
