// Connection behaviour against a scripted broker: ordering, acks=0, backpressure, SASL v0 raw
// tokens, local ApiVersions answer, broker loss, unreachable broker, malformed frames.
import net from "node:net";
import { pino } from "pino";
import t, { type Test } from "tap";
import { applyConfig, DEFAULT_CONFIG } from "../../../host/config/proxy-config.js";
import type { ApiCodec } from "../../../host/protocol/codec.js";
import { proxyCodecFor } from "../../../host/proxy/codecs.js";
import type { ProxyFilter } from "../../../host/proxy/filter.js";
import { KsealProxy } from "../../../host/proxy/proxy.js";
import { LIMITS } from "../../../host/limits.js";
import { frame, rawClient, requestV1, requestV2, startFakeBroker, type FakeBroker } from "../../clients/fake-broker.js";

const quiet = pino({ level: process.env.KSEAL_LOG_LEVEL ?? "silent" });

/** Echo broker: answers with correlationId + "r" + the request's correlation id, except acks=0. */
function corr(req: Buffer): number {
  return req.readInt32BE(4);
}
function echo(req: Buffer): Buffer {
  const b = Buffer.alloc(8);
  b.writeInt32BE(corr(req), 0);
  b.writeInt32BE(0x72000000 + corr(req), 4);
  return b;
}
/** Produce body up to acks: transactionalId null + acks + some bytes. */
function produceBody(acks: number, flexible: boolean): Buffer {
  const tail = Buffer.from([0, 0, 0x75, 0x30, 0, 0, 0, 0]);
  if (flexible) return Buffer.concat([Buffer.from([0]), int16(acks), tail]);
  return Buffer.concat([int16(-1), int16(acks), tail]);
}
function int16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(v, 0);
  return b;
}

async function proxyFor(t: Test, broker: FakeBroker | number, extra: Record<string, unknown> = {}, filters: ProxyFilter[] = [], codecFor?: (k: number) => ApiCodec<unknown, unknown> | undefined) {
  const port = typeof broker === "number" ? broker : broker.port;
  const config = applyConfig(DEFAULT_CONFIG, { bootstrapPort: 0, target: `127.0.0.1:${port}`, ...extra });
  const proxy = new KsealProxy({ config, logger: quiet, filters, codecFor });
  await proxy.start();
  t.teardown(() => proxy.stop());
  return proxy;
}

t.test("acks=0 Produce gets no slot; other responses stay in order (v3 and flexible v9)", async (t) => {
  const broker = await startFakeBroker((req) => {
    const apiKey = req.readInt16BE(0);
    if (apiKey === 0) {
      const v = req.readInt16BE(2);
      const acks = v >= 9 ? req.readInt16BE(16) : req.readInt16BE(16);
      if (acks === 0) return undefined;
    }
    return echo(req);
  });
  t.teardown(() => broker.close());
  const proxy = await proxyFor(t, broker);
  const c = await rawClient(proxy.bootstrapPort);
  t.teardown(() => c.sock.destroy());
  const sent = [
    requestV1(2, 1, 1, Buffer.from("x")),
    requestV1(0, 3, 2, produceBody(0, false)),
    requestV1(2, 1, 3, Buffer.from("y")),
    requestV2(0, 9, 4, produceBody(0, true)),
    requestV2(0, 9, 5, produceBody(1, true)),
    requestV1(0, 7, 6, produceBody(-1, false)),
  ];
  c.sock.write(Buffer.concat(sent.map(frame)));
  const got: number[] = [];
  for (let i = 0; i < 4; i++) got.push((await c.next()).readInt32BE(0));
  t.same(got, [1, 3, 5, 6]);
  t.equal(broker.received.length, 6);
  broker.received.forEach((r, i) => t.ok(r.equals(sent[i]!), `request ${i} forwarded byte-identical`));
});

t.test("async filters completing out of order still give in-order responses", async (t) => {
  const broker = await startFakeBroker(echo);
  t.teardown(() => broker.close());
  const fakeCodec = { apiKey: 2, name: "ListOffsets", minVersion: 0, maxVersion: 20, flexibleFrom: 6, decodeRequest: (b: Buffer) => b, encodeRequest: (m: unknown) => m as Buffer, decodeResponse: (b: Buffer) => ({ b }), encodeResponse: (m: unknown) => Buffer.concat([(m as { b: Buffer }).b, Buffer.from("!")]) } as unknown as ApiCodec<unknown, unknown>;
  const slow: ProxyFilter = {
    name: "slow",
    wantsResponse: (k) => k === 2,
    async onResponse(ctx) {
      // The first response waits longest, the last not at all.
      await new Promise((r) => setTimeout(r, 60 - ctx.header.correlationId * 20));
      return ctx.header.correlationId === 2;
    },
  };
  const proxy = await proxyFor(t, broker, {}, [slow], (k) => (k === 2 ? fakeCodec : proxyCodecFor(k)));
  const c = await rawClient(proxy.bootstrapPort);
  t.teardown(() => c.sock.destroy());
  for (let i = 1; i <= 3; i++) c.send(requestV1(2, 1, i, Buffer.from("q")));
  const out = [await c.next(), await c.next(), await c.next()];
  t.same(out.map((b) => b.readInt32BE(0)), [1, 2, 3]);
  t.equal(out[1]!.subarray(-1).toString(), "!", "changed response re-encoded");
  t.equal(out[0]!.length, 8, "unchanged responses are the broker's bytes");
});

t.test("request filters run concurrently; requests still reach the broker in the client's order", async (t) => {
  const broker = await startFakeBroker(echo);
  t.teardown(() => broker.close());
  const fakeCodec = { apiKey: 2, name: "ListOffsets", minVersion: 0, maxVersion: 20, flexibleFrom: 6, decodeRequest: (b: Buffer) => ({ b }), encodeRequest: (m: unknown) => Buffer.concat([(m as { b: Buffer }).b, Buffer.from("!")]), decodeResponse: (b: Buffer) => b, encodeResponse: (m: unknown) => m as Buffer } as unknown as ApiCodec<unknown, unknown>;
  let running = 0;
  let maxRunning = 0;
  const slow: ProxyFilter = {
    name: "slow",
    wantsRequest: (k) => k === 2,
    async onRequest(ctx) {
      running++;
      maxRunning = Math.max(maxRunning, running);
      // The first request's filter finishes last.
      await new Promise((r) => setTimeout(r, 80 - ctx.header.correlationId * 20));
      running--;
      return ctx.header.correlationId !== 2;
    },
  };
  const proxy = await proxyFor(t, broker, {}, [slow], (k) => (k === 2 ? fakeCodec : proxyCodecFor(k)));
  const c = await rawClient(proxy.bootstrapPort);
  t.teardown(() => c.sock.destroy());
  for (let i = 1; i <= 3; i++) c.send(requestV1(2, 1, i, Buffer.from("q")));
  c.send(requestV1(12, 0, 4, Buffer.from("h")));
  const out = [await c.next(), await c.next(), await c.next(), await c.next()];
  t.same(out.map((b) => b.readInt32BE(0)), [1, 2, 3, 4]);
  t.equal(maxRunning, 3, "all three filters were running at once");
  t.same(broker.received.map((r) => r.readInt32BE(4)), [1, 2, 3, 4], "forwarded in the client's order, the unfiltered one behind them");
  t.equal(broker.received[0]!.subarray(-1).toString(), "!", "a changed request is re-encoded");
  t.equal(broker.received[1]!.subarray(-1).toString(), "q", "an unchanged request is the client's bytes");
});

t.test("request filters running at once per connection are capped; the rest start in turn", async (t) => {
  const broker = await startFakeBroker(echo);
  t.teardown(() => broker.close());
  const fakeCodec = { apiKey: 2, name: "ListOffsets", minVersion: 0, maxVersion: 20, flexibleFrom: 6, decodeRequest: (b: Buffer) => b, encodeRequest: (m: unknown) => m as Buffer, decodeResponse: (b: Buffer) => b, encodeResponse: (m: unknown) => m as Buffer } as unknown as ApiCodec<unknown, unknown>;
  let running = 0;
  let maxRunning = 0;
  const slow: ProxyFilter = {
    name: "slow",
    wantsRequest: (k) => k === 2,
    async onRequest() {
      maxRunning = Math.max(maxRunning, ++running);
      await new Promise((r) => setTimeout(r, 20));
      running--;
      return false;
    },
  };
  const proxy = await proxyFor(t, broker, {}, [slow], (k) => (k === 2 ? fakeCodec : proxyCodecFor(k)));
  const c = await rawClient(proxy.bootstrapPort);
  t.teardown(() => c.sock.destroy());
  const n = LIMITS.requestFiltersPerConnection * 2 + 3;
  for (let i = 1; i <= n; i++) c.send(requestV1(2, 1, i, Buffer.from("q")));
  const got: number[] = [];
  for (let i = 0; i < n; i++) got.push((await c.next()).readInt32BE(0));
  t.same(got, Array.from({ length: n }, (_, i) => i + 1), "every response, in order");
  t.equal(maxRunning, LIMITS.requestFiltersPerConnection, `at most ${LIMITS.requestFiltersPerConnection} filters at once`);
  t.same(broker.received.map((r) => r.readInt32BE(4)), got, "forwarded in the client's order");
});

t.test("in-flight cap: the proxy holds requests beyond the cap until responses drain", async (t) => {
  let answered = 0;
  let maxOutstanding = 0;
  let broker: FakeBroker | undefined = undefined;
  broker = await startFakeBroker(async (req) => {
    // Requests received but not yet answered (the fake answers one at a time, slowly).
    maxOutstanding = Math.max(maxOutstanding, broker!.received.length - answered);
    await new Promise((r) => setTimeout(r, 5));
    answered++;
    return echo(req);
  });
  t.teardown(() => broker.close());
  const proxy = await proxyFor(t, broker, { limits: { maxInFlightPerConnection: 3 } });
  const c = await rawClient(proxy.bootstrapPort);
  t.teardown(() => c.sock.destroy());
  const n = 20;
  c.sock.write(Buffer.concat(Array.from({ length: n }, (_, i) => frame(requestV1(2, 1, i + 1, Buffer.from("q"))))));
  const got: number[] = [];
  for (let i = 0; i < n; i++) got.push((await c.next()).readInt32BE(0));
  t.same(got, Array.from({ length: n }, (_, i) => i + 1));
  t.ok(maxOutstanding <= 3, `broker saw at most 3 outstanding (saw ${maxOutstanding})`);
});

t.test("SASL after SaslHandshake v0: raw token frames pass untouched", async (t) => {
  const broker = await startFakeBroker((req) => {
    if (req.length >= 10 && req.readInt16BE(0) === 17) return echo(req);
    if (req.toString().startsWith("\0alice")) return Buffer.from("server-token");
    return echo(req);
  });
  t.teardown(() => broker.close());
  const proxy = await proxyFor(t, broker);
  const c = await rawClient(proxy.bootstrapPort);
  t.teardown(() => c.sock.destroy());
  c.send(requestV1(17, 0, 1, Buffer.from([0, 5, 0x50, 0x4c, 0x41, 0x49, 0x4e])));
  t.equal((await c.next()).readInt32BE(0), 1);
  const token = Buffer.from("\0alice\0secret");
  c.send(token);
  const reply = await c.next();
  t.equal(reply.toString(), "server-token", "raw server token passed back");
  t.ok(broker.received[1]!.equals(token), "token forwarded raw");
  c.send(requestV1(2, 1, 2, Buffer.from("after")));
  t.equal((await c.next()).readInt32BE(0), 2, "Kafka requests flow again after the exchange");
});

t.test("ApiVersions newer than the codec: answered locally with UNSUPPORTED_VERSION in v0 layout", async (t) => {
  const broker = await startFakeBroker(echo);
  t.teardown(() => broker.close());
  const proxy = await proxyFor(t, broker);
  const c = await rawClient(proxy.bootstrapPort);
  t.teardown(() => c.sock.destroy());
  c.send(requestV2(18, 99, 7, Buffer.from([0, 0])));
  const r = await c.next();
  t.equal(r.readInt32BE(0), 7);
  t.equal(r.readInt16BE(4), 35, "UNSUPPORTED_VERSION");
  t.equal(r.readInt32BE(6), 1, "one api key");
  t.same([r.readInt16BE(10), r.readInt16BE(12), r.readInt16BE(14)], [18, 0, proxyCodecFor(18)!.maxVersion]);
  t.equal(broker.received.length, 0, "nothing forwarded");
});

t.test("a broker that goes away closes its client connections", async (t) => {
  const broker = await startFakeBroker(echo);
  t.teardown(() => broker.close());
  const proxy = await proxyFor(t, broker);
  const c = await rawClient(proxy.bootstrapPort);
  c.send(requestV1(2, 1, 1, Buffer.from("q")));
  await c.next();
  broker.dropAll();
  await c.closed;
  t.pass("client connection closed");
});

t.test("an unreachable broker closes the client connection", async (t) => {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const deadPort = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  const proxy = await proxyFor(t, deadPort);
  const c = await rawClient(proxy.bootstrapPort);
  t.same(proxy.stats.upstreamDials, [], "no broker dial before the first request");
  c.send(requestV1(2, 1, 1, Buffer.from("q")));
  await c.closed;
  t.same(proxy.stats.upstreamDials, [`127.0.0.1:${deadPort}`]);
});

t.test("bootstrap falls back to the next target", async (t) => {
  const broker = await startFakeBroker(echo);
  t.teardown(() => broker.close());
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const deadPort = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  const proxy = await proxyFor(t, broker, { target: `127.0.0.1:${deadPort},127.0.0.1:${broker.port}` });
  const c = await rawClient(proxy.bootstrapPort);
  t.teardown(() => c.sock.destroy());
  c.send(requestV1(2, 1, 1, Buffer.from("q")));
  t.equal((await c.next()).readInt32BE(0), 1);
});

t.test("malformed frames close only their own connection", async (t) => {
  const broker = await startFakeBroker(echo);
  t.teardown(() => broker.close());
  const proxy = await proxyFor(t, broker, { limits: { maxFrameBytes: 1024 } });
  const bad: Array<[string, Buffer]> = [
    ["negative size", Buffer.from([0xff, 0xff, 0xff, 0xfe])],
    ["2 GiB size", Buffer.from([0x7f, 0xff, 0xff, 0xff])],
    ["over the limit", frame(Buffer.alloc(1025))],
    ["frame shorter than a header", frame(Buffer.from([0, 1, 2]))],
    ["Produce cut before acks", frame(requestV1(0, 3, 1, Buffer.from([0])))],
  ];
  for (const [name, bytes] of bad) {
    const c = await rawClient(proxy.bootstrapPort);
    c.sock.write(bytes);
    await c.closed;
    t.pass(`${name}: connection closed`);
    const ok = await rawClient(proxy.bootstrapPort);
    ok.send(requestV1(2, 1, 9, Buffer.from("q")));
    t.equal((await ok.next()).readInt32BE(0), 9, `${name}: another connection still served`);
    ok.sock.destroy();
  }
});

t.test("a closed connection is logged with its reason", async (t) => {
  const broker = await startFakeBroker(echo);
  t.teardown(() => broker.close());
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: "info" }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const config = applyConfig(DEFAULT_CONFIG, { bootstrapPort: 0, target: `127.0.0.1:${broker.port}` });
  const proxy = new KsealProxy({ config, logger });
  await proxy.start();
  t.teardown(() => proxy.stop());
  const c = await rawClient(proxy.bootstrapPort);
  c.sock.write(Buffer.from([0x80, 0, 0, 0]));
  await c.closed;
  const line = lines.find((l) => l.msg === "closing connection");
  t.ok(line, "a warning line");
  t.equal(line?.level, 40, "at warn level");
  t.equal(line?.reason, "bad frame from client");
  t.match(String(line?.err), /FRAME_MALFORMED: .*negative frame size/);
  t.ok(lines.some((l) => l.msg === "kseal proxy listening"), "start line logged");
});
