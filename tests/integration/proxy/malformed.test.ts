// Malformed input on one connection closes that connection only; the proxy keeps serving others.
import t from "tap";
import { Kafka, logLevel } from "kafkajs";
import { kafkaUnavailableReason, useCluster } from "../../rig/index.js";
import { RawKafka, apiVersionsRoundTrip } from "../../clients/raw-kafka.js";
import { startTestProxy } from "./proxy-harness.js";

function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v, 0);
  return b;
}
/** An ApiVersions v3 request header (flexible) with clientId "x". */
function apiVersionsHeader(corr: number): Buffer {
  return Buffer.from([0, 18, 0, 3, ...int32(corr), 0, 1, 0x78, 0]);
}

const cases: Array<{ name: string; bytes: () => Buffer; half?: boolean }> = [
  { name: "negative size prefix", bytes: () => int32(-5) },
  { name: "2 GiB size prefix", bytes: () => int32(0x7fffffff) },
  { name: "size just over the 100 MiB limit", bytes: () => int32(100 * 1024 * 1024 + 1) },
  { name: "truncated frame, then close", bytes: () => Buffer.concat([int32(100), Buffer.alloc(50, 1)]), half: true },
  { name: "frame shorter than a request header", bytes: () => Buffer.concat([int32(3), Buffer.from([0, 18, 0])]) },
  { name: "size smaller than the content (rest parsed as a new frame)", bytes: () => Buffer.concat([int32(6), apiVersionsHeader(1), Buffer.alloc(8, 0xff)]) },
  { name: "garbage after the ApiVersions header", bytes: () => { const p = Buffer.concat([apiVersionsHeader(1), Buffer.from("garbage-garbage-garbage")]); return Buffer.concat([int32(p.length), p]); } },
  { name: "unknown API key with garbage", bytes: () => { const p = Buffer.concat([Buffer.from([0x7f, 0x00, 0, 1]), int32(9), Buffer.alloc(40, 0xab)]); return Buffer.concat([int32(p.length), p]); } },
  { name: "Produce cut before acks", bytes: () => { const p = Buffer.from([0, 0, 0, 9, ...int32(1), 0, 1, 0x78, 0]); return Buffer.concat([int32(p.length), p]); } },
  { name: "Metadata v12 body truncated (broker rejects it)", bytes: () => { const p = Buffer.from([0, 3, 0, 12, ...int32(1), 0, 1, 0x78, 0, 5]); return Buffer.concat([int32(p.length), p]); } },
];

const unavailable = kafkaUnavailableReason();
if (unavailable) t.plan(0, unavailable);
else {
  t.test("malformed input: the proxy stays up and serves other clients", async (t) => {
    const info = await useCluster(t, { brokers: 3 });
    const tp = await startTestProxy(t, info);
    // A long-lived healthy connection that must survive everything below.
    const healthy = await RawKafka.connect(tp.bootstrap);
    t.teardown(() => healthy.close());

    for (const c of cases) {
      const bad = await RawKafka.connect(tp.bootstrap);
      bad.writeRaw(c.bytes());
      if (c.half) bad.sock.end();
      // Either the proxy closes it, or (for input that is valid framing) the broker answers
      // with an error or closes it; it must not hang the proxy.
      const outcome = await Promise.race([
        bad.whenClosed.then(() => "closed"),
        bad.nextFrame(10_000).then(() => "answered", () => "closed"),
      ]);
      bad.close();
      t.ok(outcome === "closed" || outcome === "answered", `${c.name}: connection ${outcome}`);
      const rt = await apiVersionsRoundTrip(tp.bootstrap);
      t.equal(rt.errorCode, 0, `${c.name}: ApiVersions on a new connection still works`);
      const { msg } = await healthy.request(18, 3, { clientSoftwareName: "kseal-test", clientSoftwareVersion: "1" });
      t.equal(msg.errorCode, 0, `${c.name}: the long-lived connection still works`);
    }

    const kafka = new Kafka({ clientId: "after-malformed", brokers: [tp.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const topics = await admin.listTopics();
    t.ok(Array.isArray(topics), "kafkajs admin round trip after all malformed input");
    await admin.disconnect();
  });
}
