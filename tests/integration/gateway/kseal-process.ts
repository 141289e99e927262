/**
 * Runs the real `kseal start` CLI as a child process with a config file, and reads its JSON log
 * lines to learn where it listens.
 */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { Kafka, logLevel } from "kafkajs";
import { fileURLToPath } from "node:url";

export interface KsealProcess {
  child: ChildProcess;
  /** host:port of the Kafka bootstrap listener. */
  listen: string;
  /** host:port of the admin HTTP port. */
  admin: string;
  output(): string;
  lines(): Array<Record<string, unknown>>;
  exited: Promise<number | null>;
}

const MAIN = fileURLToPath(new URL("../../../host/cli/main.ts", import.meta.url));

export async function startKseal(configFile: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<KsealProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "start", "--config", configFile], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, KSEAL_LOG_LEVEL: "info", ...env },
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const lines = () =>
    out.split("\n").filter((l) => l.startsWith("{")).map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      clearInterval(iv);
      child.kill("SIGKILL"); // never leave a half-started proxy behind
      reject(new Error(`kseal did not start: ${out.slice(-2000)}`));
    }, timeoutMs);
    const iv = setInterval(() => {
      if (lines().some((l) => l.msg === "admin HTTP listening")) {
        clearTimeout(timer);
        clearInterval(iv);
        resolve();
      } else if (child.exitCode !== null) {
        clearTimeout(timer);
        clearInterval(iv);
        reject(new Error(`kseal exited ${child.exitCode}: ${out.slice(-2000)}`));
      }
    }, 50);
  });
  const l = lines();
  return {
    child,
    listen: String(l.find((x) => x.msg === "kseal proxy listening")!.listen),
    admin: String(l.find((x) => x.msg === "admin HTTP listening")!.listen),
    output: () => out,
    lines,
    exited,
  };
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

/** A base port such that base .. base+count-1 are free now (for range-mode node ports). */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = await portFree(base + i);
    if (ok) return base;
  }
  throw new Error("no free port range");
}

/** Parses Prometheus text into "name{labels}" → value. */
export function parseMetrics(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    m.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return m;
}

/** Reads `expected` values of `topic` from the beginning with a fresh kafkajs group. */
export async function consumeAll(bootstrap: string, topic: string, expected: number): Promise<string[]> {
  const kafka = new Kafka({ clientId: "gw-consumer", brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `g-${topic}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`consumed ${values.length} of ${expected}`)), 60_000);
    consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value!.toString());
        if (values.length >= expected) {
          clearTimeout(timer);
          resolve();
        }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  return values;
}
