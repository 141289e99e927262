/**
 * Clients for the resource-abuse tests: many idle sockets, a healthy kafkajs round trip that must
 * keep working through the proxy, and raw sockets that misbehave.
 */
import net from "node:net";
import { Kafka, logLevel } from "kafkajs";

export function splitHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(":");
  return { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
}

/** Opens n plain TCP connections that never send a byte (`concurrency` connects at a time). */
export async function openIdle(address: string, n: number, concurrency = 200): Promise<net.Socket[]> {
  const { host, port } = splitHostPort(address);
  const socks: net.Socket[] = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const s = await new Promise<net.Socket>((resolve, reject) => {
        const sock = net.connect(port, host, () => resolve(sock));
        sock.once("error", reject);
      });
      s.on("error", () => {});
      socks.push(s);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } catch (e) {
    for (const s of socks) s.destroy();
    throw e;
  }
  return socks;
}

/** Resolves once the socket is closed by the other side (or rejects after timeoutMs). */
export function closedWithin(sock: net.Socket, timeoutMs: number): Promise<number> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    if (sock.destroyed) return resolve(0);
    const timer = setTimeout(() => reject(new Error(`still open after ${timeoutMs} ms`)), timeoutMs);
    sock.once("close", () => {
      clearTimeout(timer);
      resolve(Date.now() - start);
    });
  });
}

/** Produces `count` records through `bootstrap` and reads them back with a fresh group. */
export async function roundTrip(bootstrap: string, topic: string, count: number, tag: string): Promise<string[]> {
  const kafka = new Kafka({
    clientId: `abuse-${tag}`,
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 20, initialRetryTime: 200, maxRetryTime: 2000 },
  });
  const producer = kafka.producer();
  await producer.connect();
  const values = Array.from({ length: count }, (_, i) => `${tag}-${i}`);
  try {
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
  } finally {
    await producer.disconnect();
  }
  const consumer = kafka.consumer({ groupId: `abuse-${tag}-${Date.now()}` });
  await consumer.connect();
  const seen: string[] = [];
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${seen.length} of ${count} (${tag})`)), 60_000);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            const v = message.value!.toString();
            if (v.startsWith(`${tag}-`)) seen.push(v);
            if (seen.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}
