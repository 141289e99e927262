// Kroxylicious, the open-source Kafka proxy whose record-encryption format kseal writes (v2), as a
// rig component: the format interop test runs records through it and kseal both ways, and the
// benchmark's `kroxylicious` mode measures it in the same rounds as kseal.
//
// Its runtime, record encryption filter and KMS providers come from Maven Central through
// kroxylicious/pom.xml; its command-line front end is not published there, so
// kroxylicious/KroxyliciousMain.java starts the proxy from a config file. The classpath and the
// compiled launcher are cached in the rig's cache folder (mavenClasspath, as for Kafka). Its KMS is the rig's Vault server
// (tests/rig/openbao.ts) or AWS KMS emulator (tests/rig/moto.ts). Topics whose KEK alias has no
// key are refused (unresolvedKeyPolicy REJECT), so a misconfigured run fails instead of writing
// plaintext.

import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePortRange } from "./free-ports.js";
import { compiledJava, spawnJava } from "./java-process.js";
import { mavenClasspath, rigCacheDir } from "./kafka-classpath.js";

const HERE = join(dirname(fileURLToPath(import.meta.url)), "kroxylicious");
const POM = join(HERE, "pom.xml");
const LAUNCHER = join(HERE, "KroxyliciousMain.java");
/** The heap LoadGen gets too; the JIT and the collector are the JVM's defaults. */
const JVM = ["-Xms256m", "-Xmx512m"];
const READY = "KROXYLICIOUS READY";
/** Broker node ids it can route to (the rig numbers brokers from 1, at most 9 of them); node n
 * listens on the bootstrap port + 1 + n - start. */
const NODE_IDS = { start: 0, end: 9 };

export const KROXYLICIOUS_VERSION = readFileSync(POM, "utf8").match(/<kroxylicious\.version>([^<]+)</)![1]!;

export interface KroxyliciousOptions {
  /** Bootstrap of the Kafka cluster. */
  target: string;
  /** The KMS: a Vault transit engine (base URL http://host:port and a token allowed to use it),
   * or an AWS KMS endpoint with long-term credentials. */
  kms:
    | { vault: { url: string; token: string; mount?: string } }
    | { aws: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string } };
  /** KEK alias per topic, with $(topicName) (Kroxylicious' TemplateKekSelector). */
  kekTemplate: string;
}

export interface Kroxylicious {
  child: ChildProcess;
  pid: number;
  /** host:port clients connect to. */
  bootstrap: string;
  output(): string;
  /** SIGTERM, SIGKILL after 30 s. */
  stop(): Promise<void>;
}

/** Classpath of Kroxylicious plus the launcher, compiled once per source and classpath. */
export async function kroxyliciousClasspath(): Promise<string> {
  const { classpath: cp } = await mavenClasspath(POM, "kroxylicious", `Kroxylicious ${KROXYLICIOUS_VERSION} (${POM})`);
  const dir = compiledJava(LAUNCHER, cp, rigCacheDir(), "kroxylicious-launcher");
  return `${cp}:${dir}`;
}

function kmsConfig(kms: KroxyliciousOptions["kms"]): string {
  if ("vault" in kms) {
    return `      kms: VaultKmsService
      kmsConfig:
        vaultTransitEngineUrl: ${kms.vault.url}/v1/${kms.vault.mount ?? "transit"}
        vaultToken:
          password: ${kms.vault.token}`;
  }
  return `      kms: AwsKmsService
      kmsConfig:
        endpointUrl: ${kms.aws.endpoint}
        region: ${kms.aws.region}
        accessKey:
          password: ${kms.aws.accessKeyId}
        secretKey:
          password: ${kms.aws.secretAccessKey}`;
}

function config(o: KroxyliciousOptions, listen: string): string {
  return `virtualClusters:
  - name: kseal-rig
    targetCluster:
      bootstrapServers: ${o.target}
    gateways:
      - name: plain
        portIdentifiesNode:
          bootstrapAddress: ${listen}
          nodeIdRanges:
            - name: brokers
              start: ${NODE_IDS.start}
              end: ${NODE_IDS.end}
filterDefinitions:
  - name: encrypt
    type: RecordEncryption
    config:
${kmsConfig(o.kms)}
      selector: TemplateKekSelector
      selectorConfig:
        template: ${JSON.stringify(o.kekTemplate)}
      unresolvedKeyPolicy: REJECT
defaultFilters:
  - encrypt
`;
}

/**
 * Starts Kroxylicious encrypting every topic towards `target`. It listens on a free loopback port
 * P for bootstrap and on the ports above it for the brokers (its port-per-node scheme), so P is
 * picked with enough free ports above it.
 */
export async function startKroxylicious(o: KroxyliciousOptions): Promise<Kroxylicious> {
  const cp = await kroxyliciousClasspath();
  const port = await freePortRange(2 + NODE_IDS.end - NODE_IDS.start);
  // The config holds the KMS credentials: a private folder (with the JVM's log), removed on stop.
  const dir = mkdtempSync(join(tmpdir(), "kseal-kroxylicious-"));
  const file = join(dir, "proxy.yaml");
  writeFileSync(file, config(o, `127.0.0.1:${port}`), { mode: 0o600 });
  const log = join(dir, "kroxylicious.log");
  const child = spawnJava({ classpath: cp, mainClass: "KroxyliciousMain", args: [file], jvmOpts: JVM }, log);
  const output = () => (existsSync(log) ? readFileSync(log, "utf8").slice(-256 * 1024) : "");
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const deadline = Date.now() + 120_000;
  while (!output().includes(READY)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      const tail = output().slice(-3000);
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`Kroxylicious ${child.exitCode !== null ? `exited ${child.exitCode}` : "did not start in 120 s"}: ${tail}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    pid: child.pid!,
    bootstrap: `127.0.0.1:${port}`,
    output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
