/**
 * KEK selection (record-encryption format, "Key selection"): a topic's KEK alias comes from the
 * first matching rule (exact name, prefix, regular expression → alias or "leave in clear"), else
 * from the template with `$(topicName)` replaced by the topic's name. Results are memoised per
 * topic name since every produced partition asks.
 */
import { TOPIC_NAME_PLACEHOLDER, type KekRule } from "../config/encryption-config.js";

export type KekSelection = { kind: "alias"; alias: string } | { kind: "clear" };

const CLEAR: KekSelection = Object.freeze({ kind: "clear" });
/** Kafka has at most a few thousand topics in practice; past this the memo starts over. */
const MEMO_MAX = 10_000;

export class KekSelector {
  private readonly memo = new Map<string, KekSelection>();

  constructor(private readonly template: string, private readonly rules: readonly KekRule[] = []) {}

  select(topic: string): KekSelection {
    let s = this.memo.get(topic);
    if (s) return s;
    s = this.compute(topic);
    if (this.memo.size >= MEMO_MAX) this.memo.clear();
    this.memo.set(topic, s);
    return s;
  }

  private compute(topic: string): KekSelection {
    for (const r of this.rules) {
      const m = r.match;
      const hit = "exact" in m ? topic === m.exact : "prefix" in m ? topic.startsWith(m.prefix) : m.regex.test(topic);
      if (hit) return r.kek === null ? CLEAR : { kind: "alias", alias: expand(r.kek, topic) };
    }
    return { kind: "alias", alias: expand(this.template, topic) };
  }
}

/** Replaces every `$(topicName)` (rules may use it too). */
export function expand(template: string, topic: string): string {
  return template.split(TOPIC_NAME_PLACEHOLDER).join(topic);
}
