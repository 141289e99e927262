// Finds the jars of Apache Kafka (broker and tools) on Maven Central through mvn, and caches the
// resulting classpath per version. The first resolution on a clean machine downloads ~90 jars.
// mavenClasspath does the same for any of the rig's POMs (Kroxylicious uses it too).

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const POM = join(dirname(fileURLToPath(import.meta.url)), "kafka-deps.pom.xml");

export const DEFAULT_KAFKA_VERSION = "4.4.0";

export function kafkaVersion(env: NodeJS.ProcessEnv = process.env): string {
  const v = env.KSEAL_KAFKA_VERSION ?? DEFAULT_KAFKA_VERSION;
  if (!/^\d+\.\d+\.\d+$/.test(v)) throw new Error(`KSEAL_KAFKA_VERSION must look like 4.4.0, got ${v}`);
  return v;
}

export function rigCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.KSEAL_RIG_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "kseal-rig");
}

export interface KafkaClasspath {
  version: string;
  /** Path of the file holding the classpath (entries joined by ':'). */
  file: string;
  classpath: string;
}

/** A cached classpath is reused only while every jar it names is still on disk. */
async function readCached(file: string): Promise<string | undefined> {
  if (!existsSync(file)) return undefined;
  const cp = (await readFile(file, "utf8")).trim();
  const jars = cp.split(":").filter(Boolean);
  if (jars.length === 0 || !jars.every((j) => existsSync(j))) return undefined;
  return cp;
}

/**
 * The classpath of a POM's dependencies (`props` as -Dkey=value), resolved by mvn once and cached
 * in the rig's cache folder under `name` and a hash of the POM, so a changed dependency list
 * resolves afresh. `what` names the artifacts in the error when mvn cannot resolve them.
 */
export async function mavenClasspath(pom: string, name: string, what: string, props: Record<string, string> = {}): Promise<{ file: string; classpath: string }> {
  const pomHash = createHash("sha256").update(readFileSync(pom)).digest("hex").slice(0, 12);
  const file = join(rigCacheDir(), `${name}-${pomHash}.classpath`);
  const cached = await readCached(file);
  if (cached) return { file, classpath: cached };

  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const goal = ["-B", "-q", "-f", pom, ...Object.entries(props).map(([k, v]) => `-D${k}=${v}`), "dependency:build-classpath", `-Dmdep.outputFile=${tmp}`];
  try {
    // Offline first: on a machine that already has the jars this needs no network at all.
    await run("mvn", ["-o", ...goal], { maxBuffer: 16 << 20 }).catch(() =>
      run("mvn", goal, { maxBuffer: 16 << 20, timeout: 15 * 60_000 }),
    );
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    const e = err as { stdout?: string; stderr?: string; message: string };
    const detail = `${e.stdout ?? ""}${e.stderr ?? ""}`.trim().split("\n").slice(-15).join("\n");
    throw new Error(`mvn could not resolve ${what}: ${detail || e.message}`);
  }
  const cp = await readCached(file);
  if (!cp) throw new Error(`mvn wrote an unusable classpath to ${file}`);
  return { file, classpath: cp };
}

export async function kafkaClasspath(version = kafkaVersion()): Promise<KafkaClasspath> {
  const r = await mavenClasspath(POM, `kafka-${version}`, `org.apache.kafka:kafka_2.13:${version}`, { "kafka.version": version });
  return { version, ...r };
}
