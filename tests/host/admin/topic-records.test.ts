// Per-topic record counts: record batches built by hand per the Kafka record batch layout
// (magic 2), control batches skipped, a truncated last batch ignored, topic ids resolved.
import t from "tap";
import { MetricsRegistry } from "../../../host/admin/metrics.js";
import { countRecords, topicRecordsFilter } from "../../../host/admin/topic-records.js";
import type { FilterContext, ProxyFilter } from "../../../host/proxy/filter.js";
import { TopicMap } from "../../../host/proxy/topic-map.js";

/** A magic-2 batch header with `count` records and `body` bytes of records after it. */
function batch(count: number, opts: { control?: boolean; body?: number } = {}): Buffer {
  const body = opts.body ?? 10;
  const b = Buffer.alloc(61 + body);
  b.writeInt32BE(49 + body, 8); // batchLength: bytes after the length field
  b[16] = 2; // magic
  b.writeInt16BE(opts.control ? 0x20 : 0, 21);
  b.writeInt32BE(count, 57);
  return b;
}

t.test("countRecords", async (t) => {
  t.equal(countRecords(null), 0);
  t.equal(countRecords(Buffer.concat([batch(3), batch(5)])), 8);
  t.equal(countRecords(Buffer.concat([batch(3), batch(1, { control: true })])), 3, "control batch skipped");
  t.equal(countRecords(Buffer.concat([batch(3), batch(7).subarray(0, 40)])), 3, "truncated tail ignored");
});

t.test("filter counts produce and fetch by topic, only where the encryption filter decodes", async (t) => {
  const reg = new MetricsRegistry();
  const enc: ProxyFilter = { name: "enc", wantsRequest: (k, v) => k === 0 && v >= 3, wantsResponse: (k) => k === 1 };
  const f = topicRecordsFilter(reg, enc);
  t.equal(f.wantsRequest!(0, 2), false, "not a version the encryption filter decodes");
  t.equal(f.wantsRequest!(0, 9), true);
  t.equal(f.wantsRequest!(3, 12), false);
  t.equal(f.wantsResponse!(1, 16), true);
  const topics = new TopicMap();
  const id = "000000000000000000000000000000ab";
  topics.set(id, "by-id");
  const ctx = { proxy: { topics }, header: { apiKey: 0, apiVersion: 13 } } as unknown as FilterContext;
  t.equal(f.onRequest!(ctx, { topicData: [{ name: "orders", partitionData: [{ records: batch(4) }, { records: batch(2) }] }, { topicId: id, partitionData: [{ records: batch(1) }] }] }), false, "never changes a message");
  f.onResponse!(ctx, { responses: [{ topic: "orders", partitions: [{ records: Buffer.concat([batch(4), batch(2)]) }, { records: null }] }] });
  const text = reg.render();
  t.match(text, /^kseal_records_total\{cluster="default",topic="orders",direction="produce"\} 6$/m);
  t.match(text, /^kseal_records_total\{cluster="default",topic="by-id",direction="produce"\} 1$/m);
  t.match(text, /^kseal_records_total\{cluster="default",topic="orders",direction="fetch"\} 6$/m);
});
