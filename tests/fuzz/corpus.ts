/**
 * The fuzz corpus: captures of real traffic (broker responses from tests/fixtures/protocol,
 * compressed batches written by Java, librdkafka, franz-go and kafkajs in
 * tests/fixtures/compression), the protocol tests' hand-built messages encoded at every version,
 * and record batches whose values carry a known marker, so that an oracle can tell plaintext
 * from ciphertext.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CODEC, crc32c, recompressBatch, type CodecName } from "../../host/compression/index.js";
import { encodeRequestFrame, encodeResponseFrame, responseHeaderVersion } from "../../host/protocol/headers.js";
import { CODECS } from "../../host/protocol/registry.js";
import { SAMPLES } from "../host/protocol/samples.js";
import { buildPlainBatch, type PlainRecord } from "../host/compression/batch-records.js";
import type { Seed } from "./target.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "../fixtures");

/** Planted in every record value of the marker batches; never in keys or header values. */
export const MARKER = Buffer.from("<fuzz-plaintext-marker>");

export interface FrameMeta {
  kind: "request" | "response";
  apiKey: number;
  apiVersion: number;
  /** Version the response body decodes at (a broker may answer ApiVersions at v0). */
  bodyVersion: number;
}

/** Whole frames (header + body, no size prefix): sample messages at every version of every
 * codec, both directions, and every captured broker response. */
export function protocolFrames(): Seed<FrameMeta>[] {
  const out: Seed<FrameMeta>[] = [];
  for (const codec of CODECS) {
    const sample = SAMPLES[codec.name]!;
    for (let v = codec.minVersion; v <= codec.maxVersion; v++) {
      const header = { apiKey: codec.apiKey, apiVersion: v, correlationId: 0x1234, clientId: "fuzz-client" };
      out.push({ bytes: encodeRequestFrame(header, codec.encodeRequest(sample.request, v)), meta: { kind: "request", apiKey: codec.apiKey, apiVersion: v, bodyVersion: v }, label: `sample ${codec.name} v${v} request` });
      out.push({ bytes: encodeResponseFrame(codec.apiKey, v, { correlationId: 0x1234 }, codec.encodeResponse(sample.response, v)), meta: { kind: "response", apiKey: codec.apiKey, apiVersion: v, bodyVersion: v }, label: `sample ${codec.name} v${v} response` });
    }
  }
  for (const file of readdirSync(join(FIXTURES, "protocol")).filter((f) => f.endsWith("-responses.json"))) {
    const doc = JSON.parse(readFileSync(join(FIXTURES, "protocol", file), "utf8")) as { fixtures: Array<{ api: string; apiKey: number; version: number; decodeVersion: number; response: string }> };
    for (const f of doc.fixtures) {
      const codec = CODECS.find((c) => c.apiKey === f.apiKey);
      if (!codec || f.decodeVersion > codec.maxVersion || responseHeaderVersion(f.apiKey, f.version) === undefined) continue;
      out.push({ bytes: Buffer.from(f.response, "hex"), meta: { kind: "response", apiKey: f.apiKey, apiVersion: f.version, bodyVersion: f.decodeVersion }, label: `${file} ${f.api} v${f.version}` });
    }
  }
  // Produce requests and Fetch responses carrying real client batches.
  const batches = clientBatches();
  const produce = CODECS.find((c) => c.apiKey === 0)!;
  const fetch = CODECS.find((c) => c.apiKey === 1)!;
  for (const [i, b] of batches.entries()) {
    for (const v of [3, 9, 12]) {
      const req = { transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{ name: "fuzz-topic", partitionData: [{ index: 0, records: b.bytes }] }] };
      out.push({ bytes: encodeRequestFrame({ apiKey: 0, apiVersion: v, correlationId: i, clientId: "fuzz" }, produce.encodeRequest(req, v)), meta: { kind: "request", apiKey: 0, apiVersion: v, bodyVersion: v }, label: `Produce v${v} with ${b.label}` });
    }
    for (const v of [4, 12]) {
      const res = {
        throttleTimeMs: 0, errorCode: 0, sessionId: 0,
        responses: [{ topic: "fuzz-topic", partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 10n, lastStableOffset: 10n, logStartOffset: 0n, abortedTransactions: null, preferredReadReplica: -1, records: b.bytes }] }],
      };
      out.push({ bytes: encodeResponseFrame(1, v, { correlationId: i }, fetch.encodeResponse(res, v)), meta: { kind: "response", apiKey: 1, apiVersion: v, bodyVersion: v }, label: `Fetch v${v} with ${b.label}` });
    }
  }
  return out;
}

export interface BatchMeta {
  codec: number;
  /** Strings that are record values of the batch (plaintext to look for after encryption). */
  secrets: Buffer[];
}

/** The captured compressed batches, as the clients wrote them. */
export function clientBatches(): Seed<BatchMeta>[] {
  const dir = join(FIXTURES, "compression");
  return readdirSync(dir).filter((f) => f.endsWith(".bin")).sort().map((f) => {
    const meta = JSON.parse(readFileSync(join(dir, f.replace(/\.bin$/, ".json")), "utf8")) as { codec: CodecName; records: Array<{ value: string }> };
    const secrets = meta.records.map((r) => Buffer.from(r.value).subarray(0, 24)).filter((s) => s.length >= 16);
    return { bytes: readFileSync(join(dir, f)), meta: { codec: CODEC[meta.codec], secrets }, label: f };
  });
}

function markerRecords(n: number, tag: string): PlainRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    key: i % 3 === 2 ? null : Buffer.from(`key-${tag}-${i}`),
    value: i % 5 === 4 ? Buffer.alloc(0) : Buffer.concat([MARKER, Buffer.from(` ${tag} ${i} `.padEnd(8 + i * 7, "x")), MARKER]),
    headers: i % 2 === 0 ? [{ key: "h", value: Buffer.from(`hv-${i}`) }] : [],
  }));
}

/** Plain batches whose values carry MARKER, and the same batches compressed with every codec. */
export function markerBatches(): Seed<BatchMeta>[] {
  const out: Seed<BatchMeta>[] = [];
  for (const n of [1, 3, 12]) {
    const plain = buildPlainBatch(markerRecords(n, `n${n}`));
    for (const codec of [CODEC.none, CODEC.gzip, CODEC.snappy, CODEC.lz4, CODEC.zstd]) {
      out.push({ bytes: recompressBatch(plain, codec), meta: { codec, secrets: [MARKER] }, label: `marker batch of ${n} records, codec ${codec}` });
    }
  }
  return out;
}

/** Sets batchLength to the buffer's length and recomputes the CRC-32C, when there is a header. */
export function repairBatch(b: Buffer): Buffer {
  if (b.length < 61) return b;
  b.writeInt32BE(b.length - 12, 8);
  b.writeUInt32BE(crc32c(b.subarray(21)), 17);
  return b;
}

/** Repairs every batch of a records field: CRC-32C of each whole batch; a last batch that runs
 * past the end gets its batchLength cut to what is there. */
export function repairRecords(b: Buffer): Buffer {
  let off = 0;
  while (b.length - off >= 61) {
    let size = b.readInt32BE(off + 8) + 12;
    if (size < 61 || size > b.length - off) {
      size = b.length - off;
      b.writeInt32BE(size - 12, off + 8);
    }
    b.writeUInt32BE(crc32c(b.subarray(off + 21, off + size)), off + 17);
    off += size;
  }
  return b;
}

/** Records fields of one or two batches from `batches`. */
export function recordsFields<M>(batches: Seed<M>[]): Seed<M>[] {
  const out: Seed<M>[] = [...batches];
  for (let i = 0; i < batches.length; i += 3) {
    const a = batches[i]!;
    const b = batches[(i * 5 + 1) % batches.length]!;
    out.push({ bytes: Buffer.concat([a.bytes, b.bytes] as unknown as Uint8Array[]), meta: a.meta, label: `${a.label} + ${b.label}` });
  }
  return out;
}
