// One produce/consume interface over the independent clients the rig offers (Kafka's Java console
// tools, kcat/librdkafka, kafkajs, franz-go, and in a Python virtualenv kafka-python and
// confluent-kafka with its own librdkafka), so a test can run every producer against every consumer, for
// example through the proxy: produce(c1, ...) then consume(c2, ...) and compare the records.
//
// Records are text key/value pairs because the console tools speak lines: keys and values must be
// non-empty UTF-8 without tabs or newlines (the separators). Records may carry text headers (keys
// and values non-empty, without tabs, newlines, ",", "=" or ":"); kcat can only give every record
// of one produce the same headers (-H), and the Java console producer needs them on all or none.
// consume reports headers only when asked (ConsumeOptions.headers).

import { CompressionTypes } from "kafkajs";
import type { ClusterInfo } from "./cluster-info.js";
import { franzBinary, goAvailable, runFranz } from "./franz.js";
import { kafkaTool } from "./kafka-tools.js";
import { kcatPath, runKcat } from "./kcat.js";
import { pythonClientsUnavailableReason, pythonToolchainReason, pythonVenv, runPythonClient } from "./python-clients.js";
import { kafkajsAt, uniqueTopic } from "./test-cluster.js";

export type ClientName = "java" | "kcat" | "kafkajs" | "franz" | "kafka-python" | "confluent";

/** The clients availableClients() offers by default; the Python ones need a virtualenv (pip). */
export const CORE_CLIENTS: ClientName[] = ["java", "kcat", "kafkajs", "franz"];
export const ALL_CLIENTS: ClientName[] = [...CORE_CLIENTS, "kafka-python", "confluent"];
export type Codec = "none" | "gzip" | "snappy" | "lz4" | "zstd";

export interface TextRecord {
  key: string;
  value: string;
  /** In order; absent when the record has none. */
  headers?: [string, string][];
}

export interface ClientTarget {
  /** The cluster whose Java classpath runs the console tools. */
  info: ClusterInfo;
  /** Where the clients connect: the cluster's bootstrap, or the proxy's. */
  bootstrap: string;
}

/** Codecs each client can write (kafkajs has only gzip built in). */
export const CLIENT_CODECS: Record<ClientName, Codec[]> = {
  java: ["none", "gzip", "snappy", "lz4", "zstd"],
  kcat: ["none", "gzip", "snappy", "lz4", "zstd"],
  kafkajs: ["none", "gzip"],
  franz: ["none", "gzip", "snappy", "lz4", "zstd"],
  "kafka-python": ["none", "gzip", "snappy", "lz4", "zstd"],
  confluent: ["none", "gzip", "snappy", "lz4", "zstd"],
};

/** Clients that can produce in a transaction (ProduceOptions.transaction). */
export const TRANSACTIONAL_CLIENTS: ClientName[] = ["kafkajs", "franz"];

/** Codecs each client can read: kafkajs decodes only gzip without codec plugins. */
export const CLIENT_DECODES: Record<ClientName, Codec[]> = {
  java: ["none", "gzip", "snappy", "lz4", "zstd"],
  kcat: ["none", "gzip", "snappy", "lz4", "zstd"],
  kafkajs: ["none", "gzip"],
  franz: ["none", "gzip", "snappy", "lz4", "zstd"],
  "kafka-python": ["none", "gzip", "snappy", "lz4", "zstd"],
  confluent: ["none", "gzip", "snappy", "lz4", "zstd"],
};

/** Why a client cannot run on this machine without building or installing anything, or null. */
function missingToolchain(client: ClientName): string | null {
  switch (client) {
    case "kcat": return kcatPath() ? null : "kcat is not installed (Debian: apt-get install kcat)";
    case "franz": return goAvailable() ? null : "the Go toolchain (go) is not installed";
    case "kafka-python":
    case "confluent": return pythonToolchainReason();
    default: return null;
  }
}

/** Clients usable on this machine among `candidates` (default the four core clients): kcat needs
 * its Debian package, franz-go the Go toolchain, the Python clients python3 with venv. */
export function availableClients(candidates: ClientName[] = CORE_CLIENTS): ClientName[] {
  const order: ClientName[] = ["java", "kafkajs", "kcat", "franz", "kafka-python", "confluent"];
  return order.filter((c) => candidates.includes(c) && missingToolchain(c) === null);
}

/** Builds what a client needs ahead of time (the franz-go binary, the Python venv), so tests time
 * only the client. */
export async function prepareClient(client: ClientName): Promise<void> {
  if (client === "franz") await franzBinary();
  if (client === "kafka-python" || client === "confluent") await pythonVenv();
}

/** Prepares a client and answers null, or says why it cannot run here (for a test's skip message). */
export async function clientUnavailableReason(client: ClientName): Promise<string | null> {
  const missing = missingToolchain(client);
  if (missing) return missing;
  if (client === "kafka-python" || client === "confluent") return pythonClientsUnavailableReason();
  try {
    await prepareClient(client);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** `count` distinct records, some with non-ASCII text, for matrix tests. */
export function sampleRecords(count: number, tag = "r"): TextRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `${tag}-key-${i}`,
    value: `${tag} value ${i} ${i % 3 === 0 ? "grüße 😀 €" : "x".repeat(i % 50)}`,
  }));
}

function check(records: TextRecord[]): void {
  for (const r of records) {
    if (!r.key || !r.value || /[\t\n\r]/.test(r.key + r.value)) {
      throw new Error(`record ${JSON.stringify(r)} needs a non-empty key and value without tabs or newlines`);
    }
    if (r.headers?.some(([k, v]) => !/^[^\t\n\r,=:]+$/.test(k) || !/^[^\t\n\r,=:]+$/.test(v))) {
      throw new Error(`record ${JSON.stringify(r)} needs header keys and values without tabs, newlines, ",", "=" or ":"`);
    }
  }
}

/** "h1<kv>v1,h2<kv>v2": kcat's and kseal's own clients' form ("="), the Java console tools' (":"). */
const headerField = (headers: [string, string][], kv: string) => headers.map(([k, v]) => `${k}${kv}${v}`).join(",");

function parseHeaderField(field: string, kv: string): [string, string][] | undefined {
  if (field === "" || field === "NO_HEADERS") return undefined;
  return field.split(",").map((h) => {
    const at = h.indexOf(kv);
    return at < 0 ? [h, ""] : [h.slice(0, at), h.slice(at + 1)];
  });
}

/** "key<TAB>value" lines, with "<TAB>h=v,..." appended for records that have headers. */
const lines = (records: TextRecord[]) =>
  records.map((r) => `${r.key}\t${r.value}${r.headers?.length ? `\t${headerField(r.headers, "=")}` : ""}\n`).join("");

function record(key: string, value: string, headers: [string, string][] | undefined): TextRecord {
  return headers?.length ? { key, value, headers } : { key, value };
}

/** Reads "key<TAB>value" lines; with `headers`, "key<TAB>value[<TAB>h=v,...]". */
function parseLines(out: string, headers = false): TextRecord[] {
  return out
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => {
      const tab = l.indexOf("\t");
      if (tab < 0) return { key: "", value: l };
      const rest = l.slice(tab + 1);
      const tab2 = headers ? rest.indexOf("\t") : -1;
      if (tab2 < 0) return { key: l.slice(0, tab), value: rest };
      return record(l.slice(0, tab), rest.slice(0, tab2), parseHeaderField(rest.slice(tab2 + 1), "="));
    });
}

/** The Java console consumer's "h:v,...<TAB>key<TAB>value" (print.headers; "NO_HEADERS" for none). */
function parseJavaHeaderLines(out: string): TextRecord[] {
  return out
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => {
      const [h = "", key = "", ...value] = l.split("\t");
      return record(key, value.join("\t"), parseHeaderField(h, ":"));
    });
}

export interface ProduceOptions {
  codec?: Codec;
  acks?: "all" | "1" | "0";
  /** Produce all records in one transaction, then commit or abort it (TRANSACTIONAL_CLIENTS). */
  transaction?: "commit" | "abort";
  timeoutMs?: number;
}

/** Produces the records in order with one client; rejects if the client reports a failure. */
export async function produce(client: ClientName, target: ClientTarget, topic: string, records: TextRecord[], opts: ProduceOptions = {}): Promise<void> {
  check(records);
  const codec = opts.codec ?? "none";
  if (!CLIENT_CODECS[client].includes(codec)) throw new Error(`${client} cannot produce with ${codec}`);
  const acks = opts.acks ?? "all";
  const timeoutMs = opts.timeoutMs ?? 90_000;
  if (opts.transaction && !TRANSACTIONAL_CLIENTS.includes(client)) throw new Error(`${client} cannot produce transactionally`);
  const txnId = uniqueTopic("txn");
  const withHeaders = records.filter((r) => r.headers?.length);
  switch (client) {
    case "java": {
      if (withHeaders.length && withHeaders.length !== records.length) throw new Error("the Java console producer needs headers on every record or on none");
      const input = withHeaders.length
        ? records.map((r) => `${headerField(r.headers!, ":")}\t${r.key}\t${r.value}\n`).join("")
        : lines(records);
      await kafkaTool(target.info, "console-producer", [
        "--bootstrap-server", target.bootstrap, "--topic", topic,
        "--reader-property", "parse.key=true", "--reader-property", "key.separator=\t",
        ...(withHeaders.length ? ["--reader-property", "parse.headers=true"] : []),
        // The tool's own --compression-codec wins over a compression.type producer property.
        "--producer-property", `acks=${acks}`, ...(codec === "none" ? [] : ["--compression-codec", codec]),
      ], { input, timeoutMs });
      return;
    }
    case "kcat": {
      // -H gives every record the same headers.
      const headers = records[0]?.headers ?? [];
      if (records.some((r) => JSON.stringify(r.headers ?? []) !== JSON.stringify(headers))) throw new Error("kcat gives every record of one produce the same headers");
      const res = await runKcat(
        ["-b", target.bootstrap, "-P", "-t", topic, "-K", "\t", "-z", codec, "-X", `acks=${acks}`, ...headers.flatMap(([k, v]) => ["-H", `${k}=${v}`])],
        { input: records.map((r) => `${r.key}\t${r.value}\n`).join(""), timeoutMs },
      );
      // kcat reports delivery failures on stderr and exits non-zero.
      if (res.code !== 0) throw new Error(`kcat produce exited ${res.code}: ${res.stderr.trim().slice(-2000)}`);
      return;
    }
    case "kafkajs": {
      const producer = kafkajsAt(target.bootstrap, { clientId: "kseal-matrix" }).producer(
        opts.transaction ? { transactionalId: txnId, idempotent: true, maxInFlightRequests: 1 } : {},
      );
      await producer.connect();
      try {
        const send = {
          topic,
          acks: acks === "all" ? -1 : Number(acks),
          compression: codec === "gzip" ? CompressionTypes.GZIP : CompressionTypes.None,
          messages: records.map((r) => ({ key: r.key, value: r.value, ...(r.headers?.length ? { headers: kafkajsHeaders(r.headers) } : {}) })),
        };
        if (opts.transaction) {
          const txn = await producer.transaction();
          await txn.send(send);
          await (opts.transaction === "commit" ? txn.commit() : txn.abort());
        } else {
          await producer.send(send);
        }
      } finally {
        await producer.disconnect();
      }
      return;
    }
    case "franz": {
      const res = await runFranz(
        ["produce", "-brokers", target.bootstrap, "-topic", topic, "-codec", codec, "-acks", acks, "-timeout", `${timeoutMs}ms`,
          ...(opts.transaction ? ["-txn", txnId, ...(opts.transaction === "abort" ? ["-abort"] : [])] : [])],
        { input: lines(records), timeoutMs: timeoutMs + 10_000 },
      );
      if (res.code !== 0) throw new Error(`franz-go produce exited ${res.code}: ${res.stderr.trim().slice(-2000)}`);
      return;
    }
    case "kafka-python":
    case "confluent": {
      const res = await runPythonClient(
        client,
        ["produce", "--brokers", target.bootstrap, "--topic", topic, "--codec", codec, "--acks", acks, "--timeout", String(timeoutMs / 1000)],
        { input: lines(records), timeoutMs: timeoutMs + 10_000 },
      );
      if (res.code !== 0) throw new Error(`${client} produce exited ${res.code}: ${res.stderr.trim().slice(-2000)}`);
      return;
    }
  }
}

/** kafkajs takes headers as an object; a repeated key becomes an array of its values, in order. */
function kafkajsHeaders(headers: [string, string][]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of headers) {
    const had = out[k];
    out[k] = had === undefined ? v : [...(Array.isArray(had) ? had : [had]), v];
  }
  return out;
}

export interface ConsumeOptions {
  /** Report each record's headers (TextRecord.headers). */
  headers?: boolean;
  timeoutMs?: number;
  /** Default read_uncommitted for every client (their own defaults differ). */
  isolation?: "read_committed" | "read_uncommitted";
  /** Consumer group of the Java and kafkajs consumers (kcat reads without one); default a fresh
   * one, so every call reads from the beginning. */
  group?: string;
}

/**
 * Reads the first `count` records of a topic (all partitions), or of several topics in one client
 * run, with one client. Rejects if fewer arrive before the timeout. Order is per partition, so
 * sort before comparing multi-partition data.
 */
export async function consume(client: ClientName, target: ClientTarget, topicOrTopics: string | string[], count: number, opts: ConsumeOptions = {}): Promise<TextRecord[]> {
  const topics = typeof topicOrTopics === "string" ? [topicOrTopics] : topicOrTopics;
  const topic = topics.join(",");
  if (topics.length === 0 || topics.some((tp) => !/^[A-Za-z0-9._-]+$/.test(tp))) throw new Error(`bad topic list ${JSON.stringify(topics)}`);
  const timeoutMs = opts.timeoutMs ?? 90_000;
  const group = opts.group ?? uniqueTopic("group");
  const committed = opts.isolation === "read_committed";
  const hdrs = opts.headers === true;
  let got: TextRecord[];
  switch (client) {
    case "java": {
      const res = await kafkaTool(target.info, "console-consumer", [
        "--bootstrap-server", target.bootstrap,
        ...(topics.length === 1 ? ["--topic", topic] : ["--include", `^(${topics.map((tp) => tp.replace(/\./g, "\\.")).join("|")})$`]),
        "--group", group, "--from-beginning",
        "--max-messages", String(count), "--timeout-ms", String(timeoutMs),
        "--formatter-property", "print.key=true", "--formatter-property", "key.separator=\t",
        ...(hdrs ? ["--formatter-property", "print.headers=true"] : []),
        "--isolation-level", committed ? "read_committed" : "read_uncommitted",
      ], { timeoutMs: timeoutMs + 30_000 });
      got = hdrs ? parseJavaHeaderLines(res.stdout) : parseLines(res.stdout);
      break;
    }
    case "kcat": {
      // kcat reads one topic without a group: several topics are read one by one, each to its end.
      got = [];
      for (const tp of topics) {
        const res = await runKcat(
          ["-b", target.bootstrap, "-C", "-t", tp, "-o", "beginning", ...(topics.length === 1 ? ["-c", String(count)] : ["-e"]),
            "-q", "-f", hdrs ? "%k\t%s\t%h\n" : "%k\t%s\n", "-X", `isolation.level=${committed ? "read_committed" : "read_uncommitted"}`],
          { timeoutMs },
        );
        got.push(...parseLines(res.stdout, hdrs));
        if (res.code !== 0 && topics.length > 1) throw new Error(`kcat read ${tp} exited ${res.code}: ${res.stderr.trim().slice(-2000)}`);
        if (got.length < count && tp === topics.at(-1)) throw new Error(`kcat read ${got.length} of ${count} records: ${res.stderr.trim().slice(-2000)}`);
      }
      break;
    }
    case "kafkajs": {
      const consumer = kafkajsAt(target.bootstrap, { clientId: "kseal-matrix" }).consumer({ groupId: group, readUncommitted: !committed });
      got = [];
      await consumer.connect();
      try {
        await consumer.subscribe({ topics, fromBeginning: true });
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve, reject) => {
          // A batch kafkajs cannot decode crashes the consumer instead of reaching eachMessage. A
          // crash it restarts from (a coordinator still loading on a fresh cluster) is waited out.
          consumer.on(consumer.events.CRASH, (e) => {
            if (!e.payload.restart || /not implemented|codec/i.test(String(e.payload.error?.message))) reject(e.payload.error);
          });
          timer = setTimeout(() => reject(new Error(`kafkajs read ${got.length} of ${count} records in ${timeoutMs} ms`)), timeoutMs);
          consumer
            .run({
              eachMessage: async ({ message }) => {
                if (got.length < count) {
                  const headers = Object.entries(message.headers ?? {}).flatMap(([k, v]) =>
                    (Array.isArray(v) ? v : [v]).map((x): [string, string] => [k, x?.toString() ?? ""]));
                  got.push(record(message.key?.toString("utf8") ?? "", message.value?.toString("utf8") ?? "", hdrs ? headers : undefined));
                }
                if (got.length === count) resolve();
              },
            })
            .catch(reject);
        }).finally(() => clearTimeout(timer));
      } finally {
        await consumer.disconnect();
      }
      break;
    }
    case "franz": {
      const res = await runFranz(
        ["consume", "-brokers", target.bootstrap, "-topic", topic, "-count", String(count), "-group", group,
          "-timeout", `${timeoutMs}ms`, ...(committed ? ["-read-committed"] : []), ...(hdrs ? ["-headers"] : [])],
        { timeoutMs: timeoutMs + 10_000 },
      );
      if (res.code !== 0) throw new Error(`franz-go consume exited ${res.code}: ${res.stderr.trim().slice(-2000)}`);
      got = parseLines(res.stdout, hdrs);
      break;
    }
    case "kafka-python":
    case "confluent": {
      const res = await runPythonClient(
        client,
        ["consume", "--brokers", target.bootstrap, "--topic", topic, "--count", String(count), "--group", group,
          "--timeout", String(timeoutMs / 1000), ...(committed ? ["--read-committed"] : []), ...(hdrs ? ["--headers"] : [])],
        { timeoutMs: timeoutMs + 10_000 },
      );
      if (res.code !== 0) throw new Error(`${client} consume exited ${res.code}: ${res.stderr.trim().slice(-2000)}`);
      got = parseLines(res.stdout, hdrs);
      break;
    }
  }
  if (got.length < count) throw new Error(`${client} read ${got.length} of ${count} records from ${topic}`);
  return got.slice(0, count);
}

/**
 * Reads `count` records through a share group (KIP-932, ShareFetch/ShareAcknowledge) with Kafka's
 * console share consumer. The group is first set to start from the earliest offset (share groups
 * start at the latest by default), through the cluster itself, not `target`.
 */
export async function shareConsume(target: ClientTarget, topic: string, count: number, opts: { group?: string; timeoutMs?: number } = {}): Promise<TextRecord[]> {
  const group = opts.group ?? uniqueTopic("share");
  const timeoutMs = opts.timeoutMs ?? 90_000;
  await kafkaTool(target.info, "configs", [
    "--bootstrap-server", target.info.bootstrap, "--alter", "--entity-type", "groups", "--entity-name", group,
    "--add-config", "share.auto.offset.reset=earliest",
  ]);
  const res = await kafkaTool(target.info, "console-share-consumer", [
    "--bootstrap-server", target.bootstrap, "--topic", topic, "--group", group,
    "--max-messages", String(count), "--timeout-ms", String(timeoutMs),
    "--formatter-property", "print.key=true", "--formatter-property", "key.separator=\t",
  ], { timeoutMs: timeoutMs + 30_000 });
  const got = parseLines(res.stdout);
  if (got.length < count) throw new Error(`the share consumer read ${got.length} of ${count} records from ${topic}`);
  return got.slice(0, count);
}
