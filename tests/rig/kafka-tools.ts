// Kafka's own Java command-line tools (the reference client), run on the classpath of a cluster.

import { readFileSync } from "node:fs";
import type { ClusterInfo } from "./cluster-info.js";
import { runJava, type JavaCommand, type RunOptions, type RunResult } from "./java-process.js";

/** Short names for the tools' main classes (the bin/kafka-*.sh scripts of a distribution). */
export const KAFKA_TOOLS: Record<string, string> = {
  "console-producer": "org.apache.kafka.tools.ConsoleProducer",
  "console-consumer": "org.apache.kafka.tools.consumer.ConsoleConsumer",
  "console-share-consumer": "org.apache.kafka.tools.consumer.ConsoleShareConsumer",
  "producer-perf": "org.apache.kafka.tools.ProducerPerformance",
  "consumer-perf": "org.apache.kafka.tools.ConsumerPerformance",
  "verifiable-producer": "org.apache.kafka.tools.VerifiableProducer",
  "verifiable-consumer": "org.apache.kafka.tools.VerifiableConsumer",
  "verifiable-share-consumer": "org.apache.kafka.tools.VerifiableShareConsumer",
  "share-consumer-perf": "org.apache.kafka.tools.ShareConsumerPerformance",
  "share-groups": "org.apache.kafka.tools.consumer.group.ShareGroupCommand",
  topics: "org.apache.kafka.tools.TopicCommand",
  "consumer-groups": "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
  configs: "org.apache.kafka.tools.ConfigCommand",
  features: "org.apache.kafka.tools.FeatureCommand",
  "metadata-quorum": "org.apache.kafka.tools.MetadataQuorumCommand",
  "get-offsets": "org.apache.kafka.tools.GetOffsetShell",
  "dump-log": "org.apache.kafka.tools.DumpLogSegments",
  "e2e-latency": "org.apache.kafka.tools.EndToEndLatency",
  "api-versions": "org.apache.kafka.tools.BrokerApiVersionsCommand",
  storage: "kafka.tools.StorageTool",
};

export function toolMainClass(tool: string): string {
  const cls = KAFKA_TOOLS[tool] ?? tool;
  if (!/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$/.test(cls)) {
    throw new Error(`unknown Kafka tool ${tool}; use one of ${Object.keys(KAFKA_TOOLS).join(", ")} or a main class`);
  }
  return cls;
}

export interface ToolOptions extends RunOptions {
  /** JVM options; default a small heap with C1 only, since tools are short-lived. */
  jvmOpts?: string[];
}

/** Replaces the literal token {bootstrap} in tool arguments with the cluster's bootstrap list. */
export function expandArgs(args: string[], info: Pick<ClusterInfo, "bootstrap">): string[] {
  return args.map((a) => a.split("{bootstrap}").join(info.bootstrap));
}

export function toolCommand(info: ClusterInfo, tool: string, args: string[], jvmOpts?: string[]): JavaCommand {
  return {
    classpath: readFileSync(info.classpathFile, "utf8").trim(),
    mainClass: toolMainClass(tool),
    args: expandArgs(args, info),
    jvmOpts: jvmOpts ?? ["-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"],
    log4jFile: info.toolLog4jFile,
  };
}

/** Runs a tool to completion; a non-zero exit is returned, not thrown. */
export function runKafkaTool(info: ClusterInfo, tool: string, args: string[], opts: ToolOptions = {}): Promise<RunResult> {
  return runJava(toolCommand(info, tool, args, opts.jvmOpts), { timeoutMs: 120_000, ...opts });
}

/** Runs a tool and throws with its output when it exits non-zero. */
export async function kafkaTool(info: ClusterInfo, tool: string, args: string[], opts: ToolOptions = {}): Promise<RunResult> {
  const res = await runKafkaTool(info, tool, args, opts);
  if (res.code !== 0) {
    throw new Error(`kafka ${tool} exited ${res.code}: ${(res.stderr + res.stdout).trim().slice(-3000)}`);
  }
  return res;
}
