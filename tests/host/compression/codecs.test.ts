// Each codec against encoders and decoders outside kseal: the lz4, zstd and gzip command-line
// tools (Debian packages lz4, zstd, gzip; skipped when missing) in every frame variant they write,
// and round trips over data of many shapes.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import t from "tap";
import { CODEC, compressRecords, decompressRecords } from "../../../host/compression/index.js";

const has = (tool: string) => ["/usr/bin", "/bin", "/usr/local/bin"].some((d) => fs.existsSync(`${d}/${tool}`));
const run = (tool: string, args: string[], input: Buffer) => execFileSync(tool, args, { input, maxBuffer: 256 << 20, stdio: ["pipe", "pipe", "ignore"] });

const samples: Record<string, Buffer> = {
  empty: Buffer.alloc(0),
  "one byte": Buffer.from([7]),
  text: Buffer.from(Array.from({ length: 3000 }, (_, i) => `record ${i} grüße ${"x".repeat(i % 40)}\n`).join("")),
  random: randomBytes(200_000),
  zeros: Buffer.alloc(5 << 20),
  mixed: Buffer.concat([randomBytes(70_000), Buffer.alloc(300_000, 0x61), randomBytes(10)]),
};

t.test("round trips", async (t) => {
  for (const [codec, id] of Object.entries(CODEC)) {
    if (id === 0) continue;
    for (const [name, data] of Object.entries(samples)) {
      const packed = compressRecords(id, data);
      t.ok(decompressRecords(id, packed).equals(data), `${codec}: ${name} (${data.length} -> ${packed.length} bytes)`);
    }
  }
});

t.test("lz4 frames kseal writes are what Kafka's Java reader accepts", async (t) => {
  for (const [name, data] of Object.entries(samples)) {
    const f = compressRecords(CODEC.lz4, data);
    t.equal(f.readUInt32LE(0), 0x184d2204, `${name}: frame magic`);
    const flg = f[4]!;
    const bd = f[5]!;
    t.ok(flg >> 6 === 1 && (flg & 0x20) !== 0 && (flg & 0x04) === 0 && (flg & 0x10) === 0, `${name}: version 1, independent blocks, no checksums (FLG 0x${flg.toString(16)})`);
    t.ok(((bd >> 4) & 7) >= 4 && (bd & 0x8f) === 0, `${name}: block size code ${(bd >> 4) & 7}`);
  }
});

t.test("snappy: kseal writes xerial framing with 32 KiB chunks", async (t) => {
  const f = compressRecords(CODEC.snappy, samples.mixed!);
  t.same([...f.subarray(0, 16)], [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1], "magic, version 1, compatible 1");
  let pos = 16;
  let chunks = 0;
  while (pos < f.length) {
    pos += 4 + f.readInt32BE(pos);
    chunks++;
  }
  t.equal(pos, f.length, "chunks fill the data exactly");
  t.equal(chunks, Math.ceil(samples.mixed!.length / 32768), `${chunks} chunks`);
});

t.test("snappy: concatenated xerial streams (as snappy-java reads them) and raw blocks", async (t) => {
  const a = samples.text!;
  const b = samples.mixed!;
  const two = Buffer.concat([compressRecords(CODEC.snappy, a), compressRecords(CODEC.snappy, b)]);
  t.ok(decompressRecords(CODEC.snappy, two).equals(Buffer.concat([a, b])), "two xerial streams back to back");
  const small = Buffer.from("raw snappy block ".repeat(1000));
  const raw = compressRecords(CODEC.snappy, small).subarray(20); // one chunk: drop header and length
  t.ok(decompressRecords(CODEC.snappy, raw).equals(small), "a raw snappy block");
});

t.test("lz4 command-line tool", { skip: has("lz4") ? false : "lz4 not installed" }, async (t) => {
  const data = samples.mixed!;
  // Every frame variant the reference encoder writes decodes with kseal.
  const variants: Record<string, string[]> = {
    "defaults (content checksum)": [],
    "linked blocks": ["-BD"],
    "block checksums": ["-BX"],
    "64 KiB blocks": ["-B4"],
    "256 KiB blocks, no content checksum": ["-B5", "--no-frame-crc"],
    "content size": ["--content-size"],
    "level 9": ["-9"],
  };
  for (const [name, args] of Object.entries(variants)) {
    const frame = run("lz4", ["-c", "-z", ...args], data);
    t.ok(decompressRecords(CODEC.lz4, frame).equals(data), `kseal reads lz4 ${name}`);
  }
  for (const [name, d] of Object.entries(samples)) {
    t.ok(run("lz4", ["-d", "-c"], compressRecords(CODEC.lz4, d)).equals(d), `lz4 -d reads kseal's frame: ${name}`);
  }
});

t.test("zstd command-line tool", { skip: has("zstd") ? false : "zstd not installed" }, async (t) => {
  const data = samples.mixed!;
  const variants: Record<string, string[]> = {
    "streamed (no content size)": [],
    "no checksum": ["--no-check"],
    "level 19": ["-19"],
    "long window": ["--long=24"],
  };
  for (const [name, args] of Object.entries(variants)) {
    const frame = run("zstd", ["-c", "-q", ...args], data);
    t.ok(decompressRecords(CODEC.zstd, frame).equals(data), `kseal reads zstd ${name}`);
  }
  const tmp = fs.mkdtempSync("/tmp/kseal-zstd-");
  try {
    fs.writeFileSync(`${tmp}/in`, data);
    execFileSync("zstd", ["-q", "-f", `${tmp}/in`, "-o", `${tmp}/out.zst`]);
    t.ok(decompressRecords(CODEC.zstd, fs.readFileSync(`${tmp}/out.zst`)).equals(data), "kseal reads a zstd frame with content size");
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const two = Buffer.concat([run("zstd", ["-c", "-q"], data.subarray(0, 1000)), run("zstd", ["-c", "-q"], data.subarray(1000))]);
  t.ok(decompressRecords(CODEC.zstd, two).equals(data), "kseal reads two concatenated frames");
  for (const [name, d] of Object.entries(samples)) {
    t.ok(run("zstd", ["-d", "-c", "-q"], compressRecords(CODEC.zstd, d)).equals(d), `zstd -d reads kseal's frame: ${name}`);
  }
});

t.test("gzip command-line tool", { skip: has("gzip") ? false : "gzip not installed" }, async (t) => {
  const data = samples.text!;
  t.ok(decompressRecords(CODEC.gzip, run("gzip", ["-c", "-9"], data)).equals(data), "kseal reads gzip -9");
  t.ok(run("gzip", ["-d", "-c"], compressRecords(CODEC.gzip, data)).equals(data), "gzip -d reads kseal's stream");
});

t.test("frame sequences: concatenated and skippable frames decode whole", async (t) => {
  const a = samples.text!;
  const b = samples.mixed!;
  const skippable = Buffer.from([0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
  for (const id of [CODEC.lz4, CODEC.zstd]) {
    const name = id === CODEC.lz4 ? "lz4" : "zstd";
    const two = Buffer.concat([compressRecords(id, a), compressRecords(id, b)]);
    t.ok(decompressRecords(id, two).equals(Buffer.concat([a, b])), `${name}: two concatenated frames`);
    const skip = Buffer.concat([skippable, compressRecords(id, a), skippable]);
    t.ok(decompressRecords(id, skip).equals(a), `${name}: skippable frames around a frame`);
    t.throws(() => decompressRecords(id, skippable), { code: "COMPRESSION_CORRUPT" }, `${name}: only a skippable frame`);
  }
});
