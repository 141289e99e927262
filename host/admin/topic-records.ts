/**
 * Per-topic record counts for /metrics: a proxy filter that only reads. It looks at Produce
 * requests (after the encryption filter: what is forwarded to the broker) and Fetch responses,
 * and adds each record batch's record count to kseal_records_total{topic, direction}. It is
 * installed only with encryption on, where those messages are decoded anyway, so it costs no
 * extra decoding.
 *
 * Record batch header (magic 2), the two fields read here:
 *   int64 baseOffset | int32 batchLength (bytes after this field) | int32 partitionLeaderEpoch |
 *   int8 magic | uint32 crc | int16 attributes | int32 lastOffsetDelta | int64 baseTimestamp |
 *   int64 maxTimestamp | int64 producerId | int16 producerEpoch | int32 baseSequence |
 *   int32 recordsCount (offset 57) | records...
 * Control batches (attributes bit 5) hold transaction markers, not records, and are skipped;
 * a truncated last batch in a fetch response is not counted.
 */
import { countRecords } from "../filters/record-batches.js";
import { LIMITS } from "../limits.js";
import type { FilterContext, ProxyFilter } from "../proxy/filter.js";
import type { RecordOutcome } from "../filters/encryption-filter.js";
import type { MetricsRegistry } from "./metrics.js";

export { countRecords };

const PRODUCE = 0;
const FETCH = 1;
const OTHER_TOPICS = "_other";

interface TopicPart {
  name?: string;
  topic?: string;
  topicId?: string;
  partitionData?: Array<{ records: Buffer | null }>;
  partitions?: Array<{ records: Buffer | null }>;
}

/** A label set of topic names bounded by limits.metricsMaxTopics (the rest: "_other"). */
function topicLabels(): (name: string | undefined) => string {
  const topics = new Set<string>();
  return (name) => {
    const n = name ?? "_unknown";
    if (topics.has(n)) return n;
    // Bound the label set: a cluster with very many topics must not grow the scrape without limit.
    if (topics.size >= LIMITS.metricsMaxTopics) return OTHER_TOPICS;
    topics.add(n);
    return n;
  };
}

/** The encryption filter's onRecords hook: kseal_topic_records_total{cluster, topic, outcome}. */
export function topicOutcomes(reg: MetricsRegistry, cluster = "default"): (topic: string, outcome: RecordOutcome, count: number) => void {
  const records = reg.counter("kseal_topic_records_total", "Records by topic and what the encryption filter did with them: produce encrypted/clear/refused, fetch decrypted/passed/failed", ["cluster", "topic", "outcome"]);
  const label = topicLabels();
  return (topic, outcome, count) => {
    if (count > 0) records.inc({ cluster, topic: label(topic), outcome }, count);
  };
}

/**
 * `decodedBy`: the filter whose decoding this one rides on (the encryption filter); this one
 * wants exactly the Produce requests and Fetch responses that filter wants.
 */
export function topicRecordsFilter(reg: MetricsRegistry, decodedBy: ProxyFilter, cluster = "default"): ProxyFilter {
  const records = reg.counter("kseal_records_total", "Records forwarded through kseal by topic: produce = sent to the broker (encrypted unless a rule keeps the topic clear), fetch = returned by the broker", ["cluster", "topic", "direction"]);
  const label = topicLabels();
  const count = (ctx: FilterContext, list: TopicPart[] | undefined, direction: string) => {
    for (const t of list ?? []) {
      const name = t.name ?? t.topic ?? (t.topicId === undefined ? undefined : ctx.proxy.topics.nameOf(t.topicId));
      let n = 0;
      for (const p of t.partitionData ?? t.partitions ?? []) n += countRecords(p.records);
      if (n > 0) records.inc({ cluster, topic: label(name ?? undefined), direction }, n);
    }
  };
  return {
    name: "topic-records",
    wantsRequest: (apiKey, v) => apiKey === PRODUCE && decodedBy.wantsRequest?.(apiKey, v) === true,
    wantsResponse: (apiKey, v) => apiKey === FETCH && decodedBy.wantsResponse?.(apiKey, v) === true,
    onRequest(ctx, msg) {
      count(ctx, (msg as { topicData?: TopicPart[] }).topicData, "produce");
      return false;
    },
    onResponse(ctx, msg) {
      count(ctx, (msg as { responses?: TopicPart[] }).responses, "fetch");
      return false;
    },
  };
}
