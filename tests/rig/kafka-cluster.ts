// A real Apache Kafka cluster (KRaft) on loopback, started from the jars mvn resolves: format each
// node's storage, start one JVM per node, wait until every broker sees every other one. Tests use
// it in-process (KafkaCluster.start) or through the rig CLI, which keeps one running between
// commands (see supervisor.ts).

import { randomBytes } from "node:crypto";
import { type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  RIG_HOST,
  brokerNodes,
  controllerNodes,
  nodeProperties,
  planCluster,
  scramFormatArgs,
  toProperties,
  type ClusterPlan,
  type NodePlan,
} from "./broker-config.js";
import { joinEndpoints, type ClusterInfo, type Endpoint } from "./cluster-info.js";
import { sleep, waitForBrokers } from "./cluster-probe.js";
import { freePorts } from "./free-ports.js";
import { runJava, spawnJava } from "./java-process.js";
import { kafkaClasspath, kafkaVersion, type KafkaClasspath } from "./kafka-classpath.js";
import { BROKER_LOG4J, TOOL_LOG4J } from "./log4j-config.js";

export interface ClusterOptions {
  /** Names the working directory; default `kseal-<pid>-<n>`. */
  name?: string;
  brokers?: number;
  /** Run the controller as its own node instead of inside broker 1. */
  dedicatedController?: boolean;
  /** Add SASL_PLAINTEXT listeners (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) with test users. */
  sasl?: boolean;
  /** Extra server.properties entries for every node, overriding the rig's defaults. */
  props?: Record<string, string>;
  /** Working directory; default <KSEAL_RIG_DIR or $TMPDIR/kseal-rig>/<name>. It is wiped first. */
  dir?: string;
  kafkaVersion?: string;
  /** Broker JVM options; default KSEAL_RIG_JVM_OPTS or a small heap, serial GC, C1 only. */
  jvmOpts?: string[];
  /** Let the brokers' JIT reach C2 (slower start, faster steady state: for benchmarks). */
  fullJit?: boolean;
  startTimeoutMs?: number;
  /** PID recorded as the owner in ClusterInfo.pid; default this process. */
  ownerPid?: number;
  /** Called when a node JVM exits without being asked to (a crash after start-up). */
  onUnexpectedExit?: (nodeId: number, why: string) => void;
  /** Where listener ports come from; default free loopback ports (tests of the rig swap it). */
  portSource?: (count: number) => Promise<number[]>;
}

export interface StopOptions {
  /** SIGTERM and wait for a clean shutdown instead of SIGKILL (slower; data is wiped either way). */
  graceful?: boolean;
  /** Leave the working directory (logs, data) on disk. */
  keepDir?: boolean;
}

export function rigStateRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.KSEAL_RIG_DIR ?? join(tmpdir(), "kseal-rig");
}

export function defaultJvmOpts(fullJit = false, env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.KSEAL_RIG_JVM_OPTS) return env.KSEAL_RIG_JVM_OPTS.split(/\s+/).filter(Boolean);
  // The machines have 2 cores shared with other work: small heaps, one GC thread. Stopping at the
  // C1 compiler halves broker start-up there (13.6 s against 28.7 s for 3 brokers under load);
  // benchmarks that measure steady-state throughput ask for the full JIT instead.
  return [
    "-Xms64m",
    "-Xmx512m",
    "-XX:+UseSerialGC",
    ...(fullJit ? [] : ["-XX:TieredStopAtLevel=1"]),
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
  ];
}

/** Kafka's Uuid text form: 16 random bytes, URL-safe base64 without padding, never leading '-'. */
export function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

const live = new Set<KafkaCluster>();
let exitHookInstalled = false;
let counter = 0;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Backstop for a process that exits without stopping its clusters (the pdeathsig wrapper covers
  // a process that is killed outright).
  process.on("exit", () => {
    for (const c of live) c.killAllNow();
  });
}

const START_ATTEMPTS = 3;

export class KafkaCluster {
  private readonly procs = new Map<number, ChildProcess>();
  private readonly exits = new Map<number, string>();
  /** Nodes launched and not deliberately stopped: their exit is a failure. */
  private readonly expected = new Set<number>();
  private stopped = false;

  private constructor(
    readonly info: ClusterInfo,
    readonly plan: ClusterPlan,
    private readonly cp: KafkaClasspath,
    private readonly jvmOpts: string[],
    private readonly brokerLog4j: string,
    private readonly startTimeoutMs: number,
    private readonly onUnexpectedExit?: (nodeId: number, why: string) => void,
  ) {}

  static async start(opts: ClusterOptions = {}): Promise<KafkaCluster> {
    const name = opts.name ?? `kseal-${process.pid}-${++counter}`;
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`cluster name must be [A-Za-z0-9._-]+, got ${name}`);
    const dir = opts.dir ?? join(rigStateRoot(), name);
    const cp = await kafkaClasspath(opts.kafkaVersion ?? kafkaVersion());
    const jvmOpts = opts.jvmOpts ?? defaultJvmOpts(opts.fullJit);
    const timeout = opts.startTimeoutMs ?? 180_000;

    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      const brokerLog4j = join(dir, "broker-log4j2.properties");
      const toolLog4j = join(dir, "tool-log4j2.properties");
      await writeFile(brokerLog4j, BROKER_LOG4J);
      await writeFile(toolLog4j, TOOL_LOG4J);

      const brokers = opts.brokers ?? 1;
      const ports = await (opts.portSource ?? freePorts)(brokers * (opts.sasl ? 2 : 1) + 1);
      const plan = planCluster(
        { brokers, dir, dedicatedController: opts.dedicatedController, sasl: opts.sasl, props: opts.props },
        () => ports.shift()!,
      );
      const clusterId = randomClusterId();
      const endpoint = (n: NodePlan, port: number | undefined): Endpoint => ({ nodeId: n.nodeId, host: RIG_HOST, port: port! });
      const bNodes = brokerNodes(plan);
      const info: ClusterInfo = {
        name,
        kafkaVersion: cp.version,
        clusterId,
        bootstrap: joinEndpoints(bNodes.map((n) => endpoint(n, n.brokerPort))),
        brokers: bNodes.map((n) => endpoint(n, n.brokerPort)),
        controllers: controllerNodes(plan).map((n) => endpoint(n, n.controllerPort)),
        dir,
        classpathFile: cp.file,
        toolLog4jFile: toolLog4j,
        pid: opts.ownerPid ?? process.pid,
      };
      if (plan.sasl) {
        const saslBrokers = bNodes.map((n) => endpoint(n, n.saslPort));
        info.sasl = { bootstrap: joinEndpoints(saslBrokers), brokers: saslBrokers, ...plan.sasl };
      }

      const cluster = new KafkaCluster(info, plan, cp, jvmOpts, brokerLog4j, timeout, opts.onUnexpectedExit);
      try {
        await cluster.format();
        installExitHook();
        live.add(cluster);
        for (const node of plan.nodes) cluster.launch(node);
        await cluster.waitReady(bNodes.map((n) => n.nodeId), timeout);
        return cluster;
      } catch (err) {
        lastError = err as Error;
        const portClash = plan.nodes.some((n) => /Address already in use/.test(cluster.logTail(n.nodeId, 200)));
        await cluster.stop({ keepDir: true });
        if (!portClash) break;
      }
    }
    throw new Error(`Kafka cluster ${name} did not start (logs in ${dir}): ${lastError?.message}`);
  }

  private async format(): Promise<void> {
    await Promise.all(
      this.plan.nodes.map(async (node) => {
        await mkdir(node.dir, { recursive: true });
        const props = join(node.dir, "server.properties");
        await writeFile(props, toProperties(nodeProperties(this.plan, node)));
        const res = await runJava(
          {
            classpath: this.cp.classpath,
            mainClass: "kafka.tools.StorageTool",
            args: ["format", "-t", this.info.clusterId, "-c", props, ...scramFormatArgs(this.plan)],
            jvmOpts: ["-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"],
            log4jFile: this.info.toolLog4jFile,
          },
          { timeoutMs: 120_000 },
        );
        if (res.code !== 0) throw new Error(`formatting node ${node.nodeId} failed: ${(res.stderr + res.stdout).trim().slice(-2000)}`);
      }),
    );
  }

  private node(id: number): NodePlan {
    const node = this.plan.nodes.find((n) => n.nodeId === id);
    if (!node) throw new Error(`cluster ${this.info.name} has no node ${id}`);
    return node;
  }

  logFile(id: number): string {
    return join(this.node(id).dir, "server.log");
  }

  /** The last `lines` lines of a node's log (JVM output and log4j output share the file). */
  logTail(id: number, lines = 40): string {
    const f = this.logFile(id);
    if (!existsSync(f)) return "";
    return readFileSync(f, "utf8").split("\n").slice(-lines - 1).join("\n");
  }

  private launch(node: NodePlan): void {
    const log = this.logFile(node.nodeId);
    const child = spawnJava(
      {
        classpath: this.cp.classpath,
        mainClass: "kafka.Kafka",
        args: [join(node.dir, "server.properties")],
        jvmOpts: this.jvmOpts,
        log4jFile: this.brokerLog4j,
        sysProps: { "kseal.rig.log": log },
      },
      log,
    );
    this.exits.delete(node.nodeId);
    this.expected.add(node.nodeId);
    this.procs.set(node.nodeId, child);
    child.on("exit", (code, signal) => {
      if (this.procs.get(node.nodeId) !== child) return;
      this.procs.delete(node.nodeId);
      const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
      this.exits.set(node.nodeId, why);
      if (this.expected.has(node.nodeId) && !this.stopped) this.onUnexpectedExit?.(node.nodeId, why);
    });
  }

  private async waitReady(brokerIds: number[], timeoutMs: number): Promise<void> {
    const ask = this.info.brokers.filter((b) => brokerIds.includes(b.nodeId) && this.procs.has(b.nodeId));
    const expect = this.info.brokers.filter((b) => this.procs.has(b.nodeId)).map((b) => b.nodeId);
    await waitForBrokers(ask, expect, this.info.clusterId, timeoutMs, () => {
      for (const id of this.expected) {
        const why = this.exits.get(id);
        if (why) return `node ${id} ${why} while starting:\n${this.logTail(id, 15)}`;
      }
      return undefined;
    });
  }

  /** PIDs of the running node JVMs, by node id. */
  pids(): Map<number, number> {
    return new Map([...this.procs].map(([id, p]) => [id, p.pid!]));
  }

  isRunning(id: number): boolean {
    return this.procs.has(id);
  }

  private async halt(id: number, graceful: boolean): Promise<void> {
    this.expected.delete(id);
    const child = this.procs.get(id);
    if (!child) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill(graceful ? "SIGTERM" : "SIGKILL");
    const t = setTimeout(() => child.kill("SIGKILL"), graceful ? 30_000 : 5_000);
    await exited;
    clearTimeout(t);
  }

  /**
   * Stops one node: SIGKILL by default (a crash), or a clean shutdown with `graceful`. Its data
   * stays, so startNode brings it back with its logs and replicas.
   */
  async stopNode(id: number, opts: { graceful?: boolean } = {}): Promise<void> {
    this.node(id);
    await this.halt(id, opts.graceful ?? false);
  }

  /** Starts a stopped node again and waits until every running broker sees it. */
  async startNode(id: number, timeoutMs = this.startTimeoutMs): Promise<void> {
    if (this.stopped) throw new Error(`cluster ${this.info.name} is stopped`);
    if (this.procs.has(id)) return;
    this.launch(this.node(id));
    const running = this.info.brokers.filter((b) => this.procs.has(b.nodeId)).map((b) => b.nodeId);
    await this.waitReady(running, timeoutMs);
  }

  /** Waits until every running broker reports exactly the running brokers as alive. */
  async waitForRunningBrokers(timeoutMs = this.startTimeoutMs): Promise<void> {
    const running = this.info.brokers.filter((b) => this.procs.has(b.nodeId)).map((b) => b.nodeId);
    await this.waitReady(running, timeoutMs);
  }

  /** Stops every node (brokers before controllers when graceful) and wipes the working directory. */
  async stop(opts: StopOptions = {}): Promise<void> {
    this.stopped = true;
    const graceful = opts.graceful ?? false;
    const brokersOnly = this.plan.nodes.filter((n) => !n.roles.includes("controller")).map((n) => n.nodeId);
    const rest = this.plan.nodes.filter((n) => n.roles.includes("controller")).map((n) => n.nodeId);
    if (graceful) {
      await Promise.all(brokersOnly.map((id) => this.halt(id, true)));
      await Promise.all(rest.map((id) => this.halt(id, true)));
    } else {
      await Promise.all([...brokersOnly, ...rest].map((id) => this.halt(id, false)));
    }
    live.delete(this);
    if (!opts.keepDir) {
      // A JVM that just died may still be closing files; retry briefly.
      for (let i = 0; i < 5; i++) {
        try {
          await rm(this.info.dir, { recursive: true, force: true });
          break;
        } catch {
          await sleep(200);
        }
      }
    }
  }

  /** Synchronous SIGKILL of every JVM, for process exit hooks. */
  killAllNow(): void {
    for (const p of this.procs.values()) p.kill("SIGKILL");
  }
}
