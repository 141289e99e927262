/**
 * Record batches built by kafkajs's own encoder (an implementation independent of kseal's):
 * magic 2, CRC-32C, zig-zag varints.
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { RecordBatch } = require("kafkajs/src/protocol/recordBatch/v0/index.js") as {
  RecordBatch: (o: Record<string, unknown>) => Promise<{ buffer: Buffer }>;
};
const Record = require("kafkajs/src/protocol/recordBatch/record/v0/index.js") as (o: Record<string, unknown>) => unknown;

export interface SimpleRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, string>;
}

/** One uncompressed batch holding `records`, timestamps from `ts`. */
export async function kafkajsBatch(records: SimpleRecord[], ts = 1_700_000_000_000): Promise<Buffer> {
  const encoded = records.map((r, i) => Record({ offsetDelta: i, timestampDelta: i, key: r.key, value: r.value, headers: r.headers ?? {} }));
  const b = await RecordBatch({ firstTimestamp: ts, maxTimestamp: ts + records.length - 1, lastOffsetDelta: records.length - 1, records: encoded });
  return b.buffer;
}
