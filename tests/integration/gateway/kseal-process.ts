/**
 * The real `kseal start` CLI as a child process with a config file (tests/rig/kseal-cli.ts), and
 * helpers the gateway and fault tests share: metrics text, a plain consumer (free port ranges:
 * tests/rig/free-ports.ts).
 */
import { Kafka, logLevel } from "kafkajs";
import { spawnKsealCli, type KsealCli } from "../../rig/kseal-cli.js";

export type KsealProcess = KsealCli;

/** Starts the CLI from the source tree; its whole output is kept for the test to read. */
export function startKseal(configFile: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<KsealProcess> {
  return spawnKsealCli({ config: configFile, env, startTimeoutMs: timeoutMs, keepBytes: Infinity });
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
