// Frame reader: a mutated stream of size-prefixed frames, pushed in random chunk sizes, with the
// default frame limit or a small one. Every frame handed out must lie within the input, the
// bytes handed out plus what is still buffered must add up to the input, and errors must come
// through onError as KsealError, once.
import { KsealError } from "../../../host/errors.js";
import { FrameReader } from "../../../host/protocol/frame-reader.js";
import { withSizePrefix } from "../../../host/protocol/headers.js";
import { protocolFrames } from "../corpus.js";
import type { Prng } from "../prng.js";
import { Finding, type FuzzTarget, type Seed } from "../target.js";

export const frameReaderTarget: FuzzTarget<null> = {
  name: "frame-reader",
  about: "host/protocol/frame-reader.ts on streams of 1-4 size-prefixed frames",
  weight: 10,
  async setup() {
    const frames = protocolFrames().map((s) => withSizePrefix(s.bytes));
    const seeds: Seed<null>[] = [];
    for (let i = 0; i < frames.length; i++) {
      const group = [frames[i]!, frames[(i * 7 + 3) % frames.length]!, frames[(i * 13 + 5) % frames.length]!].slice(0, 1 + (i % 3));
      seeds.push({ bytes: Buffer.concat(group as unknown as Uint8Array[]), meta: null, label: `stream of ${group.length} frames from frame ${i}` });
    }
    return seeds;
  },
  run(bytes: Buffer, _meta: null, r: Prng) {
    const maxFrameBytes = r.chance(0.5) ? undefined : r.pick([0, 1, 8, 100, 1024]);
    let handed = 0;
    let frames = 0;
    let errors = 0;
    const reader = new FrameReader({
      maxFrameBytes,
      onFrame: (f) => {
        frames++;
        handed += f.length + 4;
        if (maxFrameBytes !== undefined && f.length > maxFrameBytes) throw new Finding("invariant", `frame of ${f.length} bytes over the limit ${maxFrameBytes}`);
      },
      onError: (e) => {
        errors++;
        if (!(e instanceof KsealError)) throw new Finding("invariant", `onError got ${String(e)}`);
      },
    });
    let pos = 0;
    while (pos < bytes.length) {
      const n = r.chance(0.3) ? 1 : 1 + r.int(Math.min(bytes.length - pos, r.pick([3, 16, 256, 65536])));
      reader.push(bytes.subarray(pos, pos + n));
      pos += n;
    }
    reader.push(Buffer.alloc(0));
    if (errors > 1) throw new Finding("invariant", `onError called ${errors} times`);
    // A size prefix already read is no longer counted as buffered.
    const left = bytes.length - handed - reader.bufferedBytes;
    if (errors === 0 && left !== 0 && left !== 4) {
      throw new Finding("invariant", `${frames} frames (${handed} bytes) + ${reader.bufferedBytes} buffered != ${bytes.length} pushed`);
    }
    if (errors === 1 && !reader.failed) throw new Finding("invariant", "error reported but reader not failed");
    return errors > 0 ? "size prefix refused" : frames === 0 ? "no whole frame" : "framed";
  },
};
