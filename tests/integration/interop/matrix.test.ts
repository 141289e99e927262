// The client interop matrix through kseal with record encryption: every available client (Kafka's
// Java client, kcat/librdkafka 2.0, confluent-kafka/librdkafka 2.16, franz-go, kafka-python,
// kafkajs) produces a small batch with every codec it can write, and every client then reads
// everything it can decode, checking each record (key, value and headers: kseal adds and removes a
// header of its own) of each producer and codec. One topic per codec,
// so a consumer reads all its codecs in one run (kafkajs, which decodes only gzip, never meets the
// others). At rest the broker holds no plaintext and batches keep the producer's codec.
//
// KSEAL_INTEROP_RESULTS=<file> also writes the results as JSON; `node --import tsx
// tests/interop/table.ts <file> --write docs/interop.md` puts the table into the docs.
import { readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import t from "tap";
import {
  ALL_CLIENTS, CLIENT_CODECS, CLIENT_DECODES, clientUnavailableReason, consume, containsBytes, createTopic,
  kafkaTool, kafkaUnavailableReason, kcatPath, parseDumpLog, produce, pythonClientVersions, rawLog, segmentFiles,
  uniqueTopic, useCluster, type ClientName, type ClusterInfo, type Codec, type LogBatch, type TextRecord,
} from "../../rig/index.js";
import { startEncryptingProxy } from "../encryption/encryption-harness.js";
import { renderMarkdown, type Cell, type ClientReport, type InteropResults, type MatrixRow } from "../../interop/matrix-results.js";
import { spawnSync } from "node:child_process";

const CODECS: Codec[] = ["none", "gzip", "snappy", "lz4", "zstd"];
const PER_BATCH = 6;
/** librdkafka sends a batch uncompressed when compressing would not shrink it. */
const MAY_SKIP_COMPRESSION: ClientName[] = ["kcat", "confluent"];

const sortKey = (r: TextRecord) => `${r.key}\u0000${r.value}\u0000${JSON.stringify(r.headers ?? [])}`;

/** Kafka's own reading (DumpLogSegments, which decompresses) of every topic's stored batches, in one JVM. */
async function dumpTopics(info: ClusterInfo, topics: string[]): Promise<Map<string, LogBatch[]>> {
  const fileTopic = new Map<string, string>();
  for (const topic of topics) for (const f of segmentFiles(info, topic)) fileTopic.set(f, topic);
  const res = await kafkaTool(info, "dump-log", ["--files", [...fileTopic.keys()].join(","), "--deep-iteration", "--print-data-log"]);
  const out = new Map<string, LogBatch[]>(topics.map((tp) => [tp, []]));
  // The output is "Dumping <file>" followed by that file's batches, file after file.
  for (const part of res.stdout.split(/^Dumping /m).slice(1)) {
    const file = part.slice(0, part.indexOf("\n")).trim();
    const topic = fileTopic.get(file);
    if (!topic) throw new Error(`dump-log printed an unexpected file ${file}`);
    out.get(topic)!.push(...parseDumpLog(part));
  }
  return out;
}

function records(producer: ClientName, codec: Codec, secret: string): TextRecord[] {
  return Array.from({ length: PER_BATCH }, (_, i) => ({
    key: `${producer}.${codec}.${i}`,
    // Compressible (so librdkafka compresses) and with non-ASCII text.
    value: `${secret} ${producer}/${codec} #${i} grüße 😀 € ${"abc".repeat(10 + i)}`,
    // The same headers on every record of a batch: kcat's -H cannot vary them per record.
    headers: [["interop-producer", producer], ["interop-codec", codec], ["note", "grüße €"]],
  }));
}

async function clientLabel(c: ClientName, info: ClusterInfo): Promise<string> {
  const read = (rel: string) => readFileSync(new URL(rel, import.meta.url), "utf8");
  switch (c) {
    case "java": return `Apache Kafka Java client (kafka-clients ${info.kafkaVersion}, console tools)`;
    case "kcat": {
      const v = spawnSync(kcatPath() ?? "kcat", ["-V"], { encoding: "utf8" }).stdout;
      return `kcat ${/Version (\S+)/.exec(v)?.[1] ?? "?"} (librdkafka ${/librdkafka (\S+)/.exec(v)?.[1] ?? "?"})`;
    }
    case "kafkajs": return `kafkajs ${(JSON.parse(read("../../../node_modules/kafkajs/package.json")) as { version: string }).version}`;
    case "franz": return `franz-go ${/twmb\/franz-go v(\S+)/.exec(read("../../rig/franz-go/go.mod"))?.[1] ?? "?"}`;
    case "kafka-python": return `kafka-python ${(await pythonClientVersions("kafka-python"))["kafka-python"]}`;
    case "confluent": {
      const v = await pythonClientVersions("confluent");
      return `confluent-kafka ${v["confluent-kafka"]} (librdkafka ${v.librdkafka})`;
    }
  }
}

/** Runs the tasks with at most `limit` at a time (the box has 2 shared cores). */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  }));
}

const brief = (e: unknown) => String((e as Error)?.message ?? e).replace(/\s+/g, " ").slice(0, 300);

const unavailable = kafkaUnavailableReason();
if (unavailable) t.plan(0, unavailable);
else {
  t.test("every client produces every codec it writes through kseal; every client reads them all", async (t) => {
    const started = Date.now();
    const info = await useCluster(t);
    const ep = await startEncryptingProxy(t, info);
    const target = { info, bootstrap: ep.bootstrap };

    const reports: ClientReport[] = [];
    const clients: ClientName[] = [];
    for (const c of ALL_CLIENTS) {
      const reason = await clientUnavailableReason(c);
      if (reason) {
        t.test(`client ${c}`, { skip: `${c} skipped: ${reason}` }, () => {});
        reports.push({ name: c, label: c, skipped: reason });
      } else {
        clients.push(c);
        reports.push({ name: c, label: await clientLabel(c, info) });
      }
    }
    t.comment(`clients: ${reports.map((r) => r.label + (r.skipped ? " (skipped)" : "")).join("; ")}`);

    const secret = `interop-secret-${randomBytes(6).toString("hex")}`;
    const topics = new Map<Codec, string>();
    for (const codec of CODECS) topics.set(codec, await createTopic(info, { topic: uniqueTopic(`interop-${codec}`), numPartitions: 1 }));

    // Produce: the clients side by side, each one's codecs in turn.
    const rows: MatrixRow[] = [];
    const sent = new Map<MatrixRow, TextRecord[]>();
    for (const producer of clients) {
      for (const codec of CLIENT_CODECS[producer]) {
        const row: MatrixRow = { producer, codec, produce: { result: "pass" }, consumers: {} };
        rows.push(row);
        sent.set(row, records(producer, codec, secret));
      }
    }
    await pool(clients, 3, async (producer) => {
      for (const row of rows.filter((r) => r.producer === producer)) {
        try {
          await produce(producer, target, topics.get(row.codec as Codec)!, sent.get(row)!, { codec: row.codec as Codec, timeoutMs: 60_000 });
        } catch (e) {
          row.produce = { result: "fail", note: brief(e) };
        }
      }
    });
    for (const row of rows) t.equal(row.produce.result, "pass", `${row.producer} produces ${row.codec} through kseal${row.produce.note ? `: ${row.produce.note}` : ""}`);

    // At rest: ciphertext only, each batch in its producer's codec, as the segment files hold it
    // and as Kafka itself reads it (decompressed).
    const atRest: InteropResults["atRest"] = [];
    const dumped = await dumpTopics(info, [...topics.values()]);
    for (const codec of CODECS) {
      const log = rawLog(info, topics.get(codec)!);
      const batches = dumped.get(topics.get(codec)!)!;
      const recs = batches.flatMap((b) => b.records);
      const stored = batches.map((b) => b.codec);
      const plaintextFound = containsBytes(log, secret) || recs.some((r) => r.payload?.includes(secret));
      atRest.push({ codec, plaintextFound, storedCodecs: [...new Set(stored)] });
      t.notOk(plaintextFound, `${codec} topic: no plaintext value on the broker, in the raw files or decompressed by Kafka`);
      const writers = rows.filter((r) => r.codec === codec && r.produce.result === "pass");
      t.equal(recs.length, writers.length * PER_BATCH, `${codec} topic: Kafka reads ${recs.length} records`);
      t.ok(recs.every((r) => r.payload), `${codec} topic: Kafka printed every stored value (so the plaintext check sees them)`);
      t.ok(recs.every((r) => r.headerKeys.startsWith("[kroxylicious.io/encryption,interop-producer,interop-codec,note")),
        `${codec} topic: every record carries the encryption header first, then its own (${recs[0]?.headerKeys})`);
      const allowed = new Set([codec, ...(writers.some((r) => MAY_SKIP_COMPRESSION.includes(r.producer as ClientName)) ? ["none"] : [])]);
      t.ok(stored.length >= writers.length && stored.every((c) => allowed.has(c)), `${codec} topic: ${writers.length} producers' batches stored as ${stored.join(",")}`);
      if (codec !== "none" && writers.length) t.ok(stored.includes(codec), `${codec} topic: ${codec} batches on the broker`);
      // Keys stay in clear by design (only values are encrypted).
      if (codec === "none") t.ok(writers.every((r) => containsBytes(log, `${r.producer}.none.0`)), "uncompressed topic: every producer's keys readable");
    }

    // Consume: every client reads every codec topic it decodes, all in one run.
    const readable = (consumer: ClientName, row: MatrixRow) => CLIENT_DECODES[consumer].includes(row.codec as Codec);
    await pool(clients, 3, async (consumer) => {
      const mine = rows.filter((r) => readable(consumer, r) && r.produce.result === "pass");
      for (const row of rows) if (!readable(consumer, row)) row.consumers[consumer] = { result: "n/a", note: `${consumer} cannot decode ${row.codec}` };
      for (const row of rows) if (readable(consumer, row) && row.produce.result !== "pass") row.consumers[consumer] = { result: "skip", note: "produce failed" };
      if (!mine.length) return;
      const topicsRead = [...new Set(mine.map((r) => topics.get(r.codec as Codec)!))];
      const count = mine.reduce((n, r) => n + sent.get(r)!.length, 0);
      let got: TextRecord[];
      try {
        got = await consume(consumer, target, topicsRead, count, { timeoutMs: 60_000, headers: true });
      } catch (first) {
        // Once more with a fresh group, so one slow start on a loaded machine is not a failure.
        t.comment(`${consumer} consume failed, retrying: ${brief(first)}`);
        try {
          got = await consume(consumer, target, topicsRead, count, { timeoutMs: 90_000, headers: true });
        } catch (e) {
          for (const row of mine) row.consumers[consumer] = { result: "fail", note: brief(e) };
          return;
        }
      }
      for (const row of mine) {
        const prefix = `${row.producer}.${row.codec}.`;
        const want = sent.get(row)!.map(sortKey).sort();
        const have = got.filter((r) => r.key.startsWith(prefix)).map(sortKey).sort();
        const same = want.length === have.length && want.every((w, i) => w === have[i]);
        row.consumers[consumer] = same ? { result: "pass" } : { result: "fail", note: `read ${have.length} of ${want.length} records or different bytes` };
      }
    });
    for (const row of rows) {
      for (const consumer of clients) {
        const cell: Cell = row.consumers[consumer]!;
        if (cell.result === "n/a" || cell.result === "skip") continue;
        t.equal(cell.result, "pass", `${row.producer} ${row.codec} → ${consumer}${cell.note ? `: ${cell.note}` : ""}`);
      }
    }

    const results: InteropResults = {
      measuredAt: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
      kafkaVersion: info.kafkaVersion,
      recordsPerBatch: PER_BATCH,
      clients: reports,
      // With a row for each codec a client cannot write, so the table shows every gap.
      rows: clients.flatMap((producer) => CODECS.map((codec): MatrixRow =>
        rows.find((r) => r.producer === producer && r.codec === codec) ?? {
          producer, codec, produce: { result: "n/a", note: `${producer} cannot write ${codec}` },
          consumers: Object.fromEntries(clients.map((c) => [c, { result: "n/a" }])),
        })),
      atRest,
      wallSeconds: (Date.now() - started) / 1000,
    };
    t.comment(`\n${renderMarkdown(results)}`);
    if (process.env.KSEAL_INTEROP_RESULTS) writeFileSync(process.env.KSEAL_INTEROP_RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  });
}
