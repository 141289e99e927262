// What a broker stored on disk for a partition, read without any kseal code: the raw segment
// bytes, and Kafka's own DumpLogSegments view of the batches (codec, counts, CRC validity,
// record keys and payloads). Proxy tests use it to show that only ciphertext is at rest.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ClusterInfo } from "./cluster-info.js";
import { kafkaTool } from "./kafka-tools.js";

/** The partition's directory on every node that holds a replica of it. */
export function partitionDirs(info: ClusterInfo, topic: string, partition = 0): string[] {
  return info.brokers
    .map((b) => join(info.dir, `node-${b.nodeId}`, "data", `${topic}-${partition}`))
    .filter((d) => existsSync(d));
}

/** Segment files (*.log, oldest first) of one replica of the partition. */
export function segmentFiles(info: ClusterInfo, topic: string, partition = 0): string[] {
  const dir = partitionDirs(info, topic, partition)[0];
  if (!dir) throw new Error(`no replica of ${topic}-${partition} under ${info.dir}`);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".log"))
    .sort()
    .map((f) => join(dir, f));
}

/** All segment bytes of one replica, concatenated (a partition's log as the broker wrote it). */
export function rawLog(info: ClusterInfo, topic: string, partition = 0): Uint8Array {
  return new Uint8Array(Buffer.concat(segmentFiles(info, topic, partition).map((f) => new Uint8Array(readFileSync(f)))));
}

/** True when `needle` occurs in `haystack` (e.g. a plaintext value in a raw log). */
export function containsBytes(haystack: Uint8Array, needle: Uint8Array | string): boolean {
  const n = typeof needle === "string" ? new Uint8Array(Buffer.from(needle, "utf8")) : needle;
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(n) >= 0;
}

export interface LogRecord {
  offset: number;
  keySize: number;
  valueSize: number;
  headerKeys: string;
  /** Key and payload as DumpLogSegments prints them (UTF-8 decoded; null when absent). */
  key: string | null;
  payload: string | null;
}

export interface LogBatch {
  baseOffset: number;
  lastOffset: number;
  count: number;
  codec: string;
  magic: number;
  producerId: number;
  isTransactional: boolean;
  isControl: boolean;
  /** The broker's CRC-32C check of the stored batch. */
  isValid: boolean;
  size: number;
  records: LogRecord[];
  /** Every `name: value` field of the batch line, as printed. */
  fields: Record<string, string>;
}

function fieldsOf(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of line.matchAll(/(\w+): (\S+)/g)) out[m[1]!] = m[2]!;
  return out;
}

/** Parses DumpLogSegments --deep-iteration --print-data-log output. */
export function parseDumpLog(text: string): LogBatch[] {
  const batches: LogBatch[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("baseOffset:")) {
      const f = fieldsOf(line);
      batches.push({
        baseOffset: Number(f.baseOffset),
        lastOffset: Number(f.lastOffset),
        count: Number(f.count),
        codec: f.compresscodec ?? "unknown",
        magic: Number(f.magic),
        producerId: Number(f.producerId),
        isTransactional: f.isTransactional === "true",
        isControl: f.isControl === "true",
        isValid: f.isvalid === "true",
        size: Number(f.size),
        records: [],
        fields: f,
      });
    } else if (line.startsWith("| offset:") && batches.length > 0) {
      // Key and payload are free text at the end of the line: "... key: <k> payload: <v>".
      const keyAt = line.indexOf(" key: ");
      const payloadAt = line.indexOf(" payload: ", keyAt < 0 ? 0 : keyAt);
      const head = fieldsOf(line.slice(0, keyAt >= 0 ? keyAt : payloadAt >= 0 ? payloadAt : line.length));
      const valueSize = Number(head.valueSize);
      batches.at(-1)!.records.push({
        offset: Number(head.offset),
        keySize: Number(head.keySize),
        valueSize,
        headerKeys: /headerKeys: (\[[^\]]*\])/.exec(line)?.[1] ?? "[]",
        key: keyAt >= 0 ? line.slice(keyAt + 6, payloadAt >= 0 ? payloadAt : undefined) : null,
        payload: payloadAt >= 0 && valueSize >= 0 ? line.slice(payloadAt + 10) : null,
      });
    }
  }
  return batches;
}

/** Kafka's own reading of the stored batches of one replica of the partition. */
export async function dumpLog(info: ClusterInfo, topic: string, partition = 0): Promise<LogBatch[]> {
  // The log cleaner may replace a segment between listing and reading it (compacted topics):
  // list again and retry.
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await kafkaTool(info, "dump-log", [
        "--files", segmentFiles(info, topic, partition).join(","), "--deep-iteration", "--print-data-log",
      ]);
      return parseDumpLog(res.stdout);
    } catch (e) {
      if (attempt >= 3 || !String(e).includes("NoSuchFileException")) throw e;
    }
  }
}
