// The benchmark's `kroxylicious` mode: Kroxylicious, the open-source Kafka proxy whose record
// encryption the throughput targets are quoted against, run on the same machine and in the same
// rounds as kseal, so its cost is measured side by side instead of taken from elsewhere.
//
// Kroxylicious (runtime, record encryption filter, Vault KMS) comes from Maven Central through
// kroxylicious/pom.xml; its command-line front end is not published there, so
// kroxylicious/KroxyliciousMain.java starts the proxy from a config file. Its KMS is the rig's
// Vault dev server (tests/rig/openbao.ts) with one transit key for every topic. Records of topics
// without a key are rejected (unresolvedKeyPolicy REJECT), so a misconfigured run fails instead
// of measuring plaintext passthrough.

import { execFile, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer } from "node:net";
import { promisify } from "node:util";
import { freePorts } from "../rig/free-ports.js";
import { javaBin } from "../rig/java-process.js";
import { startVault, type VaultServer } from "../rig/openbao.js";
import type { ProxyUnderTest } from "./kseal-child.js";

const HERE = join(dirname(fileURLToPath(import.meta.url)), "kroxylicious");
const POM = join(HERE, "pom.xml");
const LAUNCHER = join(HERE, "KroxyliciousMain.java");
const OUT_ROOT = fileURLToPath(new URL("../../build/bench/", import.meta.url));
const SETPRIV = "/usr/bin/setpriv";
const KEK = "kseal-bench";
/** The heap LoadGen gets too; the JIT and the collector are the JVM's defaults. */
const JVM = ["-Xms256m", "-Xmx512m"];
const READY = "KROXYLICIOUS READY";

/** Classpath and compiled launcher, cached in build/bench/ per POM and launcher source. */
async function classpath(): Promise<string> {
  const hash = createHash("sha256").update(readFileSync(POM)).update(readFileSync(LAUNCHER)).digest("hex").slice(0, 12);
  const dir = join(OUT_ROOT, `kroxylicious-${hash}`);
  const cpFile = join(dir, "classpath");
  if (!existsSync(join(dir, "KroxyliciousMain.class"))) {
    const tmp = `${dir}.${process.pid}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const goal = ["-B", "-q", "-f", POM, "dependency:build-classpath", `-Dmdep.outputFile=${join(tmp, "classpath")}`];
    const mvn = promisify(execFile);
    try {
      await mvn("mvn", ["-o", ...goal], { maxBuffer: 16 << 20 }).catch(() => mvn("mvn", goal, { maxBuffer: 16 << 20, timeout: 15 * 60_000 }));
    } catch (e) {
      const x = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(`mvn could not resolve Kroxylicious (${POM}): ${`${x.stdout ?? ""}${x.stderr ?? ""}`.trim().slice(-2000) || x.message}`);
    }
    const cp = readFileSync(join(tmp, "classpath"), "utf8").trim();
    execFileSync("javac", ["-nowarn", "-cp", cp, "-d", tmp, LAUNCHER], { stdio: "inherit" });
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  return `${readFileSync(cpFile, "utf8").trim()}:${dir}`;
}

function config(target: string, listen: string, vault: VaultServer): string {
  return `virtualClusters:
  - name: bench
    targetCluster:
      bootstrapServers: ${target}
    gateways:
      - name: plain
        portIdentifiesNode:
          bootstrapAddress: ${listen}
filterDefinitions:
  - name: encrypt
    type: RecordEncryption
    config:
      kms: VaultKmsService
      kmsConfig:
        vaultTransitEngineUrl: ${vault.url}/v1/transit
        vaultToken:
          password: ${vault.rootToken}
      selector: TemplateKekSelector
      selectorConfig:
        template: "${KEK}"
      unresolvedKeyPolicy: REJECT
defaultFilters:
  - encrypt
`;
}

/**
 * Starts Vault (dev mode, with the KEK) and Kroxylicious encrypting every topic towards `target`.
 * The proxy listens on a free loopback port P for bootstrap and on P+1 upwards for the brokers
 * (Kroxylicious' port-per-node scheme), so P is picked with a few free ports above it.
 */
export async function startKroxylicious(o: { target: string; dir: string }): Promise<ProxyUnderTest> {
  const cp = await classpath();
  const vault = await startVault();
  try {
    await vault.createKey(KEK);
    const port = await portWithFreeNeighbours(4);
    const file = join(o.dir, "kroxylicious.yaml");
    writeFileSync(file, config(o.target, `127.0.0.1:${port}`, vault), { mode: 0o600 });
    const argv = [...(existsSync(SETPRIV) ? [SETPRIV, "--pdeathsig", "KILL", "--"] : []), javaBin(), ...JVM, "-cp", cp, "KroxyliciousMain", file];
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const add = (d: Buffer) => {
      out = (out + d.toString()).slice(-256 * 1024);
    };
    child.stdout!.on("data", add);
    child.stderr!.on("data", add);
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    const deadline = Date.now() + 120_000;
    while (!out.includes(READY)) {
      if (child.exitCode !== null) throw new Error(`Kroxylicious exited ${child.exitCode}: ${out.slice(-3000)}`);
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`Kroxylicious did not start in 120 s: ${out.slice(-3000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return {
      child,
      pid: child.pid!,
      bootstrap: `127.0.0.1:${port}`,
      output: () => out,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
          await exited;
          clearTimeout(timer);
        }
        await vault.stop();
      },
    };
  } catch (e) {
    await vault.stop();
    throw e;
  }
}

/** A free port P whose next `n - 1` ports were free a moment ago too. */
async function portWithFreeNeighbours(n: number): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const [p] = await freePorts(1);
    const want = Array.from({ length: n - 1 }, (_, i) => p! + 1 + i);
    if (await Promise.all(want.map(isFree)).then((xs) => xs.every(Boolean))) return p!;
  }
  throw new Error(`no run of ${n} free loopback ports found`);
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}
