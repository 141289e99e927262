// Clients that abuse the real `kseal start` process (encryption on) while a well-behaved client
// must keep being served:
//  (b) a size prefix just below the frame limit, then bytes trickled (and one that stalls): no
//      up-front allocation, closed by the frame window limit (FRAME_TIMEOUT);
//  (c) a client that pipelines 2,000 4-MiB Fetches and never reads: backpressure keeps the
//      proxy's memory bounded;
//  (d) Metadata, Produce and Fetch requests naming 5,000 topics / partitions: answered.
import net from "node:net";
import { randomBytes } from "node:crypto";
import t from "tap";
import { Kafka, logLevel } from "kafkajs";
import { LIMITS } from "../../../host/limits.js";
import { decodeResponseHeader, encodeRequestFrame, responseHeaderVersion } from "../../../host/protocol/headers.js";
import { codecFor } from "../../../host/protocol/registry.js";
import { RawKafka } from "../../clients/raw-kafka.js";
import { createTopic, kafkaUnavailableReason, useCluster } from "../../rig/index.js";
import { buildBatch } from "../protocol/record-batch.js";
import { closedWithin, roundTrip, splitHostPort } from "./abuse-clients.js";
import { startProxyProcess, type ProxyProcess } from "./proxy-process.js";

const MANY = 5_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v, 0);
  return b;
}

/** A request and its decoded response, waiting up to 60 s (5,000 partitions take a while on a loaded machine). */
async function slowRequest(raw: RawKafka, apiKey: number, apiVersion: number, body: unknown): Promise<{ msg: any }> {
  const corr = raw.send(apiKey, apiVersion, body);
  const frame = await raw.nextFrame(60_000);
  const { header, bodyOffset } = decodeResponseHeader(frame, responseHeaderVersion(apiKey, apiVersion)!);
  if (header.correlationId !== corr) throw new Error(`correlation ${header.correlationId}, expected ${corr}`);
  return { msg: codecFor(apiKey)!.decodeResponse(frame.subarray(bodyOffset), apiVersion) };
}

/** Connects, sends a size prefix of `size`, then `bytes` bytes every `everyMs` until closed. */
async function trickler(address: string, size: number, bytes: number, everyMs: number): Promise<net.Socket> {
  const { host, port } = splitHostPort(address);
  const s = await new Promise<net.Socket>((resolve, reject) => {
    const sock = net.connect(port, host, () => resolve(sock));
    sock.once("error", reject);
  });
  s.on("error", () => {});
  s.setNoDelay(true);
  s.write(int32(size));
  if (bytes > 0) {
    const iv = setInterval(() => (s.destroyed ? clearInterval(iv) : s.write(randomBytes(bytes))), everyMs);
    s.once("close", () => clearInterval(iv));
  }
  return s;
}

/** Fetch v12 for one topic: the given partitions from offset 0. */
function fetchBody(topic: string, partitions: number[], partitionMaxBytes: number): unknown {
  return {
    replicaId: -1,
    maxWaitMs: 100,
    minBytes: 1,
    maxBytes: 64 * 1024 * 1024,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: partitions.map((partition) => ({ partition, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes })) }],
    forgottenTopicsData: [],
    rackId: "",
  };
}

/** The proxy's address for the leader of partition 0 of `topic` (as the proxy advertises it). */
async function leaderAddress(bootstrap: string, topic: string): Promise<string> {
  const admin = new Kafka({ clientId: "abuse-admin", brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    const leader = md.topics[0]!.partitions.find((p) => p.partitionId === 0)!.leader;
    const b = (await admin.describeCluster()).brokers.find((x) => x.nodeId === leader)!;
    return `${b.host}:${b.port}`;
  } finally {
    await admin.disconnect();
  }
}

/** Produces `count` records of `size` bytes to `topic` through the proxy. */
async function fill(bootstrap: string, topic: string, count: number, size: number): Promise<void> {
  const kafka = new Kafka({ clientId: "abuse-fill", brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (let i = 0; i < count; i += 500) {
      const n = Math.min(500, count - i);
      await producer.send({ topic, acks: -1, messages: Array.from({ length: n }, () => ({ value: randomBytes(size) })) });
    }
  } finally {
    await producer.disconnect();
  }
}

const unavailable = kafkaUnavailableReason();
if (unavailable) t.plan(0, unavailable);
else {
  t.test("abusive clients do not take the proxy down or its memory up", async (t) => {
    const info = await useCluster(t);
    const rf = 1;
    const topic = await createTopic(info, { numPartitions: 1, replicationFactor: rf });
    const big = await createTopic(info, { numPartitions: 1, replicationFactor: rf });
    const p: ProxyProcess = await startProxyProcess(info.bootstrap);
    t.teardown(() => p.stop());
    t.same(await roundTrip(p.bootstrap, topic, 10, "warm"), Array.from({ length: 10 }, (_, i) => `warm-${i}`), "warm-up round trip");
    const base = p.sample();
    t.comment(`baseline: RSS ${base.rssMb.toFixed(1)} MB, heap ${base.heapUsedMb.toFixed(1)} MB, ${base.fds} fds`);

    // (b) A frame of maxFrameBytes - 1 announced, then trickled; another announced and stalled.
    const size = LIMITS.maxFrameBytes - 1;
    const trickle = await trickler(p.bootstrap, size, 16, 100);
    const stall = await trickler(p.bootstrap, size, 0, 0);
    const trickleClosed = closedWithin(trickle, 2 * LIMITS.clientFrameWindowMs + 30_000);
    const stallClosed = closedWithin(stall, 2 * LIMITS.clientFrameWindowMs + 30_000);
    await sleep(2_000);
    const afterPrefix = p.sample();
    t.ok(afterPrefix.rssMb - base.rssMb < 50, `no up-front allocation for a ${size}-byte frame: RSS ${base.rssMb.toFixed(1)} → ${afterPrefix.rssMb.toFixed(1)} MB`);

    // (c) 2,000 pipelined Fetches of up to 4 MiB each, responses never read.
    await fill(p.bootstrap, big, 4_000, 1024);
    const leader = await leaderAddress(p.bootstrap, big);
    const { host, port } = splitHostPort(leader);
    const hog = await new Promise<net.Socket>((resolve, reject) => {
      const sock = net.connect(port, host, () => resolve(sock));
      sock.once("error", reject);
    });
    hog.on("error", () => {});
    hog.pause(); // never read: the kernel buffers fill, then the proxy's write buffer
    const fetchCodec = codecFor(1)!;
    const FETCHES = 2_000;
    const reqs: Buffer[] = [];
    for (let i = 0; i < FETCHES; i++) {
      const frame = encodeRequestFrame({ apiKey: 1, apiVersion: 12, correlationId: i + 1, clientId: "hog" }, fetchCodec.encodeRequest(fetchBody(big, [0], 4 * 1024 * 1024), 12));
      reqs.push(int32(frame.length), frame);
    }
    hog.write(Buffer.concat(reqs));
    let hogPeak = 0;
    for (let i = 0; i < 20; i++) {
      await sleep(500);
      hogPeak = Math.max(hogPeak, p.sample().rssMb);
    }
    const hogged = p.sample();
    const fetched = await p.requestsOf("Fetch");
    t.ok(fetched < FETCHES, `the proxy stopped reading the hog's requests: ${fetched} of ${FETCHES} Fetches read`);
    // Unbounded, this would be 8 GB of responses (128 in flight: 512 MB) queued for the client.
    t.ok(hogPeak - base.rssMb < 300, `non-reading client: RSS ${base.rssMb.toFixed(1)} → peak ${hogPeak.toFixed(1)} MB over 10 s (heap ${hogged.heapUsedMb.toFixed(1)} MB, array buffers ${hogged.arrayBuffersMb.toFixed(1)} MB)`);
    t.same(await roundTrip(p.bootstrap, topic, 20, "beside-hog"), Array.from({ length: 20 }, (_, i) => `beside-hog-${i}`), "another client is served while the hog is stalled");
    t.ok(!hog.destroyed, "the hog connection is still open (backpressure, not a close)");

    // (d) Thousands of topics / partitions in one request.
    // Partition 0 of `topic` may be led by another broker than `big`'s: ask for its own leader.
    const raw = await RawKafka.connect(await leaderAddress(p.bootstrap, topic));
    t.teardown(() => raw.close());
    const names = Array.from({ length: MANY }, (_, i) => `abuse-missing-${i}-${randomBytes(3).toString("hex")}`);
    const md = await slowRequest(raw, 3, 12, { topics: names.map((name) => ({ topicId: "0".repeat(32), name })), allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    t.equal(md.msg.topics.length, MANY, `Metadata naming ${MANY} topics: answered for each`);
    t.ok(md.msg.topics.every((x: { errorCode: number }) => x.errorCode === 3), "each UNKNOWN_TOPIC_OR_PARTITION");

    const batch = buildBatch([{ key: null, value: Buffer.from("many-partitions") }], BigInt(Date.now()));
    const produceStart = Date.now();
    const pr = await slowRequest(raw, 0, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30_000,
      topicData: [{ name: topic, partitionData: Array.from({ length: MANY }, (_, index) => ({ index, records: batch })) }],
    });
    const parts = pr.msg.responses[0].partitionResponses as Array<{ index: number; errorCode: number }>;
    t.equal(parts.length, MANY, `Produce with ${MANY} partition entries: one answer each (${Date.now() - produceStart} ms)`);
    t.equal(parts.find((x) => x.index === 0)?.errorCode, 0, "partition 0 (exists) written");
    t.ok(parts.filter((x) => x.index !== 0).every((x) => x.errorCode !== 0), "the others refused by the broker");

    const fr = await slowRequest(raw, 1, 12, fetchBody(topic, Array.from({ length: MANY }, (_, i) => i), 64 * 1024));
    const fparts = fr.msg.responses[0].partitions as Array<{ partitionIndex: number; errorCode: number }>;
    t.equal(fparts.length, MANY, `Fetch with ${MANY} partitions: one answer each`);
    t.equal(fparts.find((x) => x.partitionIndex === 0)?.errorCode, 0, "partition 0 fetched");

    t.same(await roundTrip(p.bootstrap, topic, 20, "after-many"), Array.from({ length: 20 }, (_, i) => `after-many-${i}`), "served after the huge requests");

    // (b) again: both slow senders are closed by the frame window, and nothing else was.
    const tMs = await trickleClosed;
    const sMs = await stallClosed;
    t.comment(`trickler closed ${(tMs / 1000).toFixed(1)} s and staller ${(sMs / 1000).toFixed(1)} s after they started (window ${LIMITS.clientFrameWindowMs / 1000} s)`);
    t.match(p.log(), /FRAME_TIMEOUT/, "closed as FRAME_TIMEOUT");
    const end = p.sample();
    t.ok(end.peakRssMb - base.rssMb < 400, `peak RSS over the whole run ${end.peakRssMb.toFixed(1)} MB (baseline ${base.rssMb.toFixed(1)})`);
    hog.destroy();
    t.same(await roundTrip(p.bootstrap, topic, 5, "end"), Array.from({ length: 5 }, (_, i) => `end-${i}`), "still serving at the end");
  });
}
