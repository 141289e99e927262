// Connection resource limits against a scripted broker, with the limits shrunk so they trigger in
// milliseconds: broker dialed on the first request only, idle connections closed, slow request
// frames closed (FRAME_TIMEOUT), the process-wide budget for incomplete frames (the largest
// holder closed), no reading from a client that does not read its responses, and no reading
// from the broker while responses wait for a slow filter.
import net from "node:net";
import { pino } from "pino";
import t, { type Test } from "tap";
import { applyConfig, DEFAULT_CONFIG } from "../../../host/config/proxy-config.js";
import { LIMITS } from "../../../host/limits.js";
import type { ApiCodec } from "../../../host/protocol/codec.js";
import { proxyCodecFor } from "../../../host/proxy/codecs.js";
import { partialFrameBytes } from "../../../host/proxy/connection.js";
import type { ProxyFilter } from "../../../host/proxy/filter.js";
import type { ProxyObserver } from "../../../host/proxy/observer.js";
import { KsealProxy } from "../../../host/proxy/proxy.js";
import { rawClient, requestV1, startFakeBroker, type FakeBroker } from "../../clients/fake-broker.js";

const quiet = pino({ level: process.env.KSEAL_LOG_LEVEL ?? "silent" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Overrides limits for one test (LIMITS is a plain object; the proxy reads it when it acts). */
function withLimits(t: Test, over: Partial<Record<keyof typeof LIMITS, number>>): void {
  const l = LIMITS as unknown as Record<string, number>;
  const old: Record<string, number> = {};
  for (const [k, v] of Object.entries(over)) {
    old[k] = l[k]!;
    l[k] = v!;
  }
  t.teardown(() => Object.assign(l, old));
}

function echo(req: Buffer): Buffer {
  const b = Buffer.alloc(8);
  b.writeInt32BE(req.readInt32BE(4), 0);
  return b;
}

async function proxyFor(t: Test, broker: FakeBroker): Promise<KsealProxy> {
  const config = applyConfig(DEFAULT_CONFIG, { bootstrapPort: 0, target: `127.0.0.1:${broker.port}` });
  const proxy = new KsealProxy({ config, logger: quiet });
  await proxy.start();
  t.teardown(() => proxy.stop());
  return proxy;
}

/**
 * A proxy whose filter holds every ListOffsets request or response (`side`) until open(), with a
 * pass-through codec for it; bytes() counts what the proxy read from the side held back
 * (responses: the broker, upstream_in; requests: the client, client_in).
 */
async function slowFilterProxy(t: Test, brokerPort: number, side: "request" | "response"): Promise<{ proxy: KsealProxy; open(): void; bytes(): number }> {
  const same = (b: unknown) => b as Buffer;
  const codec = { apiKey: 2, name: "ListOffsets", minVersion: 0, maxVersion: 20, flexibleFrom: 6, decodeRequest: same, encodeRequest: same, decodeResponse: same, encodeResponse: same } as unknown as ApiCodec<unknown, unknown>;
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const hold = async () => {
    await gate;
    return false;
  };
  const slow: ProxyFilter = side === "response"
    ? { name: "slow", wantsResponse: (k) => k === 2, onResponse: hold }
    : { name: "slow", wantsRequest: (k) => k === 2, onRequest: hold };
  const counted = side === "response" ? "upstream_in" : "client_in";
  let read = 0;
  const observer: ProxyObserver = {
    connectionOpened() {},
    connectionClosed() {},
    request() {},
    response() {},
    connectionError() {},
    bytes(d, n) {
      if (d === counted) read += n;
    },
  };
  const config = applyConfig(DEFAULT_CONFIG, { bootstrapPort: 0, target: `127.0.0.1:${brokerPort}` });
  const proxy = new KsealProxy({ config, logger: quiet, filters: [slow], observer, codecFor: (k) => (k === 2 ? codec : proxyCodecFor(k)) });
  await proxy.start();
  t.teardown(() => proxy.stop());
  return { proxy, open, bytes: () => read };
}

function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v, 0);
  return b;
}

async function until(cond: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(10);
  return cond();
}

t.test("the broker is dialed on the first request, not on connect", async (t) => {
  const broker = await startFakeBroker(echo);
  t.teardown(() => broker.close());
  const proxy = await proxyFor(t, broker);
  const clients = await Promise.all([1, 2, 3].map(() => rawClient(proxy.bootstrapPort)));
  t.teardown(() => clients.forEach((c) => c.sock.destroy()));
  await sleep(100);
  t.equal(broker.connections, 0, "three idle clients, no broker connection");
  clients[0]!.send(requestV1(2, 1, 7, Buffer.from("q")));
  t.equal((await clients[0]!.next()).readInt32BE(0), 7, "first request answered");
  t.equal(broker.connections, 1, "one broker connection, for the client that asked");
});

t.test("an idle connection is closed; one waiting for its response is not", async (t) => {
  withLimits(t, { clientIdleTimeoutMs: 300 });
  let answer = true;
  const broker = await startFakeBroker((req) => (answer ? echo(req) : undefined));
  t.teardown(() => broker.close());
  const proxy = await proxyFor(t, broker);
  const idle = await rawClient(proxy.bootstrapPort);
  const waiting = await rawClient(proxy.bootstrapPort);
  t.teardown(() => waiting.sock.destroy());
  answer = false;
  waiting.send(requestV1(2, 1, 1, Buffer.from("q")));
  await idle.closed;
  t.pass("idle connection closed");
  await sleep(700);
  t.notOk(waiting.sock.destroyed, "the connection with a request in flight is kept");
});

t.test("a request frame that trickles in is closed as FRAME_TIMEOUT; a steady one is not", async (t) => {
  withLimits(t, { clientFrameWindowMs: 300, clientFrameMinBytesPerWindow: 4096 });
  const broker = await startFakeBroker(echo);
  t.teardown(() => broker.close());
  const lines: Array<Record<string, unknown>> = [];
  const config = applyConfig(DEFAULT_CONFIG, { bootstrapPort: 0, target: `127.0.0.1:${broker.port}` });
  const proxy = new KsealProxy({ config, logger: pino({ level: "warn" }, { write: (s: string) => void lines.push(JSON.parse(s)) }) });
  await proxy.start();
  t.teardown(() => proxy.stop());

  const slow = await rawClient(proxy.bootstrapPort);
  slow.sock.write(int32(1_000_000));
  const iv = setInterval(() => slow.sock.write(Buffer.alloc(10)), 50);
  t.teardown(() => clearInterval(iv));
  const steady = await rawClient(proxy.bootstrapPort);
  t.teardown(() => steady.sock.destroy());
  const body = Buffer.alloc(20_000, 1);
  const req = requestV1(2, 1, 5, body);
  steady.sock.write(int32(req.length));
  let off = 0;
  const iv2 = setInterval(() => {
    steady.sock.write(req.subarray(off, off + 2000)); // 2000 bytes per 50 ms: 12 KB per window
    off += 2000;
    if (off >= req.length) clearInterval(iv2);
  }, 50);
  t.teardown(() => clearInterval(iv2));
  await slow.closed;
  clearInterval(iv);
  t.pass("trickling client closed");
  t.equal((await steady.next(5000)).readInt32BE(0), 5, "the steady sender's frame arrived and was answered");
  const line = lines.find((l) => l.msg === "closing connection");
  t.match(String(line?.err), /FRAME_TIMEOUT/, "logged as FRAME_TIMEOUT");
});

t.test("incomplete frames over the process budget: the largest holder is closed", async (t) => {
  withLimits(t, { clientPartialFramesMaxBytes: 1024 * 1024 });
  const broker = await startFakeBroker(echo);
  t.teardown(() => broker.close());
  const proxy = await proxyFor(t, broker);
  const start = partialFrameBytes();
  const a = await rawClient(proxy.bootstrapPort);
  const b = await rawClient(proxy.bootstrapPort);
  const c = await rawClient(proxy.bootstrapPort);
  t.teardown(() => [a, b, c].forEach((x) => x.sock.destroy()));
  a.sock.write(Buffer.concat([int32(10_000_000), Buffer.alloc(300_000)]));
  b.sock.write(Buffer.concat([int32(10_000_000), Buffer.alloc(600_000)]));
  t.ok(await until(() => partialFrameBytes() - start >= 900_000), "900 KB held in two incomplete frames");
  c.sock.write(Buffer.concat([int32(10_000_000), Buffer.alloc(200_000)]));
  await b.closed;
  t.pass("the largest holder (600 KB) was closed");
  t.ok(await until(() => partialFrameBytes() - start === 500_000), `the others hold 500 KB (${partialFrameBytes() - start})`);
  t.notOk(a.sock.destroyed || c.sock.destroyed, "the smaller holders are kept");
  a.sock.destroy();
  c.sock.destroy();
  t.ok(await until(() => partialFrameBytes() === start), "closing releases their bytes");
  const ok = await rawClient(proxy.bootstrapPort);
  t.teardown(() => ok.sock.destroy());
  ok.send(requestV1(2, 1, 3, Buffer.from("q")));
  t.equal((await ok.next()).readInt32BE(0), 3, "another client served");
});

t.test("a client that does not read its responses is not read from either", async (t) => {
  const big = Buffer.alloc(128 * 1024, 7);
  const broker = await startFakeBroker((req) => Buffer.concat([req.subarray(4, 8), big]));
  t.teardown(() => broker.close());
  const proxy = await proxyFor(t, broker);
  const sock = net.connect(proxy.bootstrapPort, "127.0.0.1");
  await new Promise<void>((r) => sock.once("connect", () => r()));
  sock.on("error", () => {});
  t.teardown(() => sock.destroy());
  sock.pause();
  const N = 500;
  const reqs: Buffer[] = [];
  for (let i = 0; i < N; i++) {
    const r = requestV1(2, 1, i, Buffer.from("q"));
    reqs.push(int32(r.length), r);
  }
  sock.write(Buffer.concat(reqs));
  await sleep(1500);
  const seen = broker.received.length;
  t.ok(seen < 300, `the broker saw ${seen} of ${N} requests: the proxy stopped reading (responses of 128 KiB are not read)`);
  sock.resume();
  let got = 0;
  let buf = Buffer.alloc(0);
  await new Promise<void>((resolve) => {
    sock.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        buf = buf.subarray(4 + buf.readInt32BE(0));
        if (++got === N) resolve();
      }
    });
  });
  t.equal(got, N, "once the client reads, every response arrives");
});

t.test("responses waiting for a slow filter: the broker is not read past the pending limit", async (t) => {
  withLimits(t, { maxPendingResponseBytesPerConnection: 1024 * 1024 });
  const big = Buffer.alloc(256 * 1024, 9);
  const broker = await startFakeBroker((req) => Buffer.concat([req.subarray(4, 8), big]));
  t.teardown(() => broker.close());
  const { proxy, open, bytes } = await slowFilterProxy(t, broker.port, "response");
  const c = await rawClient(proxy.bootstrapPort);
  t.teardown(() => c.sock.destroy());
  const N = 60; // 15 MiB of responses
  for (let i = 0; i < N; i++) c.send(requestV1(2, 1, i, Buffer.from("q")));
  await sleep(1000);
  // The limit, one response past it, and what the socket read ahead of the frame it stopped in.
  t.ok(bytes() < 3 * 1024 * 1024, `${(bytes() / 1048576).toFixed(2)} MiB read from the broker while every response waits (limit 1 MiB)`);
  open();
  const got: number[] = [];
  for (let i = 0; i < N; i++) got.push((await c.next(10_000)).readInt32BE(0));
  t.same(got, Array.from({ length: N }, (_, i) => i), "every response arrives, in order, once the filter lets them go");
});

t.test("requests waiting for a slow request filter: the client is not read past the pending limit", async (t) => {
  withLimits(t, { maxPendingRequestBytesPerConnection: 1024 * 1024 });
  const broker = await startFakeBroker(echo);
  t.teardown(() => broker.close());
  const { proxy, open, bytes } = await slowFilterProxy(t, broker.port, "request");
  const c = await rawClient(proxy.bootstrapPort);
  t.teardown(() => c.sock.destroy());
  const N = 60; // 15 MiB of requests
  const body = Buffer.alloc(256 * 1024, 3);
  for (let i = 0; i < N; i++) c.send(requestV1(2, 1, i, body));
  await sleep(1000);
  // The limit, one request past it, and what the socket read ahead (Node's read chunks).
  t.ok(bytes() < 3 * 1024 * 1024, `${(bytes() / 1048576).toFixed(2)} MiB read from the client while every request waits (limit 1 MiB)`);
  open();
  const got: number[] = [];
  for (let i = 0; i < N; i++) got.push((await c.next(10_000)).readInt32BE(0));
  t.same(got, Array.from({ length: N }, (_, i) => i), "every request is forwarded and answered once the filter lets them go");
});
