// Regenerates tests/fixtures/protocol/kafka-<version>-responses.json: real broker responses
// (header + body, hex) that tests/host/protocol/fixtures.test.ts decodes and re-encodes without
// a broker. Uses the cluster in KSEAL_TEST_CLUSTER (with 2+ brokers the KIP-951 non-leader
// responses are captured too), or starts a private 3-broker one.
//   node --import tsx tests/integration/protocol/capture.ts
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { clusterFromEnv, createTopic, KafkaCluster, uniqueTopic, type ClusterInfo } from "../../rig/index.js";
import { runConformance, type Exchange } from "./conformance.js";

const here = dirname(fileURLToPath(import.meta.url));

/** Which captured exchanges become fixtures: [api, version, note prefix ("" = plain exchange)]. */
const KEEP: Array<[string, number, string]> = [
  ["ApiVersions", 0, ""],
  ["ApiVersions", 3, ""],
  ["ApiVersions", 127, "unsupported"],
  ["ApiVersions", 5, "v0 fallback"],
  ["ApiVersions", 5, "ClusterId mismatch"],
  ...[0, 1, 7, 9, 12, 13].map((v): [string, number, string] => ["Metadata", v, ""]),
  ["DescribeCluster", 0, ""],
  ["DescribeCluster", 2, ""],
  ...[0, 2, 3, 4, 6].map((v): [string, number, string] => ["FindCoordinator", v, ""]),
  ...[3, 8, 9, 13].map((v): [string, number, string] => ["Produce", v, ""]),
  ["Produce", 13, "sent to a non-leader"],
  ...[4, 7, 11, 12, 13, 18].map((v): [string, number, string] => ["Fetch", v, "one batch"]),
  ["Fetch", 16, "sent to a non-leader"],
  ["Fetch", 18, "sent to a non-leader"],
  ["ShareFetch", 1, ""],
  ["ShareFetch", 2, ""],
  ["ShareAcknowledge", 1, ""],
  ["ShareAcknowledge", 2, ""],
];

function keep(e: Exchange, seen: Set<string>): boolean {
  const rule = KEEP.find(([api, v, note]) => api === e.api && v === e.version && (note === "" ? e.note === undefined : e.note?.startsWith(note)));
  if (!rule) return false;
  // ShareFetch: the response that carries records; ShareAcknowledge: the acknowledgement.
  if (e.api === "ShareFetch" && e.response.length < 120) return false;
  if (e.api === "ShareAcknowledge" && e.response.length < 40) return false;
  const key = rule.join("/");
  if (seen.has(key)) return false;
  seen.add(key);
  return true;
}

async function main(): Promise<void> {
  let owned: KafkaCluster | undefined;
  let info: ClusterInfo | undefined = clusterFromEnv();
  if (!info) {
    owned = await KafkaCluster.start({ brokers: 3 });
    info = owned.info;
  }
  try {
    const topic = await createTopic(info, { topic: uniqueTopic("capture"), numPartitions: 1, replicationFactor: 1 });
    const failures: string[] = [];
    const result = await runConformance(info, topic, {
      ok: (v, m) => void (v || failures.push(m)),
      equal: (a, b, m) => void (a === b || failures.push(`${m}: ${String(a)} != ${String(b)}`)),
      comment: (m) => console.error(m),
    });
    if (failures.length) throw new Error(`conformance failed, fixtures not written:\n${failures.join("\n")}`);
    const seen = new Set<string>();
    const fixtures = result.exchanges.filter((e) => keep(e, seen)).map((e) => ({
      api: e.api,
      apiKey: e.apiKey,
      version: e.version,
      decodeVersion: e.decodeVersion,
      ...(e.note ? { note: e.note } : {}),
      response: e.response.toString("hex"),
    }));
    const file = join(here, "../../fixtures/protocol", `kafka-${info.kafkaVersion}-responses.json`);
    const doc = {
      about:
        "Responses captured from a real Apache Kafka broker by tests/integration/protocol/capture.ts. " +
        "`response` is the frame payload (response header + body, no size prefix) in hex.",
      kafkaVersion: info.kafkaVersion,
      brokers: info.brokers.length,
      fixtures,
    };
    await writeFile(file, JSON.stringify(doc, null, 1) + "\n");
    const bytes = fixtures.reduce((n, f) => n + f.response.length / 2, 0);
    console.error(`wrote ${fixtures.length} responses (${bytes} bytes) to ${file}`);
  } finally {
    await owned?.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
