import t from "tap";
import { KsealError } from "../../../host/errors.js";
import { FrameReader } from "../../../host/protocol/frame-reader.js";
import { concatBytes, copyBytes } from "./helpers.js";

function collect(maxFrameBytes?: number) {
  const frames: Buffer[] = [];
  const errors: KsealError[] = [];
  const r = new FrameReader({ onFrame: (f) => frames.push(copyBytes(f)), onError: (e) => errors.push(e), maxFrameBytes });
  return { r, frames, errors };
}

function framed(...payloads: Buffer[]): Buffer {
  return concatBytes(
    payloads.flatMap((p) => {
      const h = Buffer.alloc(4);
      h.writeInt32BE(p.length);
      return [h, p];
    }),
  );
}

const payloads = [Buffer.from("hello"), Buffer.alloc(0), Buffer.alloc(70000, 7), Buffer.from("x")];
const stream = framed(...payloads);

t.test("whole stream in one chunk", async (t) => {
  const { r, frames, errors } = collect();
  r.push(stream);
  t.same(frames, payloads);
  t.equal(errors.length, 0);
  t.equal(r.bufferedBytes, 0);
});

t.test("byte by byte", async (t) => {
  const { r, frames } = collect();
  for (let i = 0; i < stream.length; i++) r.push(stream.subarray(i, i + 1));
  t.same(frames, payloads);
  t.equal(r.bufferedBytes, 0);
});

t.test("random chunk sizes", async (t) => {
  let seed = 7;
  for (let round = 0; round < 50; round++) {
    const { r, frames } = collect();
    let i = 0;
    while (i < stream.length) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const n = 1 + (seed % 9000);
      r.push(stream.subarray(i, i + n));
      i += n;
    }
    t.same(frames, payloads, `round ${round}`);
  }
});

t.test("single-chunk frames are views, not copies", async (t) => {
  const seen: Buffer[] = [];
  const r = new FrameReader({ onFrame: (f) => seen.push(f), onError: () => t.fail("error") });
  const chunk = framed(Buffer.from("abc"));
  r.push(chunk);
  t.equal(seen[0]!.buffer, chunk.buffer);
});

t.test("byte-by-byte 4 MiB frame stays linear", async (t) => {
  const big = framed(Buffer.alloc(4 * 1024 * 1024, 1));
  const { r, frames } = collect();
  const start = process.hrtime.bigint();
  for (let i = 0; i < big.length; i += 16) r.push(big.subarray(i, i + 16));
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  t.equal(frames.length, 1);
  t.equal(frames[0]!.length, 4 * 1024 * 1024);
  t.ok(ms < 5000, `took ${ms.toFixed(0)} ms`);
});

t.test("2 GiB prefix is rejected at once, without allocating, and reported once", async (t) => {
  const { r, frames, errors } = collect();
  const before = process.memoryUsage().arrayBuffers;
  r.push(Buffer.from("7fffffff", "hex"));
  t.equal(errors.length, 1);
  t.equal(errors[0]!.code, "FRAME_TOO_LARGE");
  t.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024, "no large allocation");
  r.push(Buffer.alloc(100));
  r.push(framed(Buffer.from("later")));
  t.equal(errors.length, 1, "still one error");
  t.equal(frames.length, 0);
  t.ok(r.failed);
});

t.test("negative size is malformed", async (t) => {
  const { r, frames, errors } = collect();
  r.push(concatBytes([framed(Buffer.from("ok")), Buffer.from("ffffffff", "hex"), framed(Buffer.from("no"))]));
  t.same(frames, [Buffer.from("ok")], "frames before the bad prefix are delivered");
  t.equal(errors.length, 1);
  t.equal(errors[0]!.code, "FRAME_MALFORMED");
});

t.test("limit is overridable and inclusive", async (t) => {
  const { r, frames, errors } = collect(10);
  r.push(framed(Buffer.alloc(10)));
  t.equal(frames.length, 1);
  r.push(framed(Buffer.alloc(11)));
  t.equal(errors.length, 1);
  t.equal(errors[0]!.code, "FRAME_TOO_LARGE");
});

t.test("prefix split across chunks", async (t) => {
  const { r, frames } = collect();
  const s = framed(Buffer.from("abcdef"), Buffer.from("gh"));
  r.push(s.subarray(0, 2));
  r.push(s.subarray(2, 5));
  r.push(s.subarray(5, 12));
  r.push(s.subarray(12));
  t.same(frames, [Buffer.from("abcdef"), Buffer.from("gh")]);
});
