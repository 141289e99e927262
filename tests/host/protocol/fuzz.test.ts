// Truncations and mutations of valid bodies must decode or throw KsealError — never another
// error type, never hang. Fixed seed, so a failure reproduces.
import t from "tap";
import { KsealError } from "../../../host/errors.js";
import { CODECS } from "../../../host/protocol/registry.js";
import { concatBytes, copyBytes, rng } from "./helpers.js";
import { SAMPLES } from "./samples.js";
import { responseFixtures } from "./fixture-data.js";
import { responseHeaderVersion } from "../../../host/protocol/headers.js";

const ROUNDS_PER_CODEC = 4000;

function mutate(src: Buffer, rand: () => number): Buffer {
  const b = copyBytes(src);
  const kind = Math.floor(rand() * 6);
  const at = Math.floor(rand() * Math.max(1, b.length));
  switch (kind) {
    case 0:
      return b.subarray(0, at); // truncation
    case 1:
      b[at] = Math.floor(rand() * 256); // random byte
      return b;
    case 2:
      b[at] = rand() < 0.5 ? 0xff : 0x7f; // large lengths / counts
      return b;
    case 3:
      b[at] = 0x80 | Math.floor(rand() * 128); // varint continuation
      return b;
    case 4:
      return concatBytes([b.subarray(0, at), Buffer.from([Math.floor(rand() * 256)]), b.subarray(at)]);
    default:
      return concatBytes([b.subarray(0, at), b.subarray(at + 1 + Math.floor(rand() * 4))]);
  }
}

for (const codec of CODECS) {
  t.test(`${codec.name}: ${ROUNDS_PER_CODEC} truncations/mutations`, async (t) => {
    const rand = rng(0x6b7365 + codec.apiKey);
    const sample = SAMPLES[codec.name]!;
    const seeds: Array<{ kind: "request" | "response"; v: number; bytes: Buffer }> = [];
    for (let v = codec.minVersion; v <= codec.maxVersion; v++) {
      seeds.push({ kind: "request", v, bytes: codec.encodeRequest(sample.request, v) });
      seeds.push({ kind: "response", v, bytes: codec.encodeResponse(sample.response, v) });
    }
    // Real broker responses are seeds too.
    for (const f of responseFixtures().filter((f) => f.apiKey === codec.apiKey && f.decodeVersion <= codec.maxVersion)) {
      const hb = responseHeaderVersion(f.apiKey, f.version) === 1 ? 5 : 4;
      seeds.push({ kind: "response", v: f.decodeVersion, bytes: f.response.subarray(hb) });
    }
    let decoded = 0;
    let rejected = 0;
    const foreign: string[] = [];
    let slowest = 0;
    for (let i = 0; i < ROUNDS_PER_CODEC; i++) {
      const s = seeds[i % seeds.length]!;
      let input = s.bytes;
      const n = 1 + Math.floor(rand() * 3);
      for (let k = 0; k < n; k++) input = mutate(input, rand);
      const start = performance.now();
      try {
        const msg = s.kind === "request" ? codec.decodeRequest(input, s.v) : codec.decodeResponse(input, s.v);
        decoded++;
        // Whatever decodes must encode again without a foreign error.
        if (s.kind === "request") codec.encodeRequest(msg, s.v);
        else codec.encodeResponse(msg, s.v);
      } catch (e) {
        if (e instanceof KsealError) rejected++;
        else if (foreign.length < 5) foreign.push(`${s.kind} v${s.v} ${input.toString("hex")}: ${String(e)}`);
      }
      slowest = Math.max(slowest, performance.now() - start);
    }
    t.same(foreign, [], "only KsealError escapes");
    t.ok(rejected > ROUNDS_PER_CODEC / 4, `rejected ${rejected}, decoded ${decoded}`);
    t.ok(slowest < 1000, `slowest input took ${slowest.toFixed(1)} ms`);
  });
}

t.test("request headers: random frames decode or throw KsealError", async (t) => {
  const { decodeRequestHeader } = await import("../../../host/protocol/headers.js");
  const rand = rng(99);
  const foreign: string[] = [];
  for (let i = 0; i < 4000; i++) {
    const len = Math.floor(rand() * 24);
    const b = Buffer.alloc(len);
    for (let k = 0; k < len; k++) b[k] = Math.floor(rand() * 256);
    if (len >= 2 && rand() < 0.7) b.writeInt16BE(Math.floor(rand() * 95), 0);
    try {
      decodeRequestHeader(b);
    } catch (e) {
      if (!(e instanceof KsealError)) foreign.push(String(e));
    }
  }
  t.same(foreign, []);
});
