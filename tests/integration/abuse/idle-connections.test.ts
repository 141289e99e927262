// 10,000 idle client connections on the real `kseal start` process (encryption on): the proxy
// holds them with bounded memory (RSS under 512 MB; per-connection cost measured and reported),
// dials no broker for them, keeps serving a real producer and consumer, and gives every handle
// back when they close.
import t from "tap";
import { createTopic, kafkaUnavailableReason, useCluster } from "../../rig/index.js";
import { openIdle, roundTrip } from "./abuse-clients.js";
import { startProxyProcess, type ProcSample } from "./proxy-process.js";

const IDLE = Number(process.env.KSEAL_ABUSE_IDLE ?? 10_000);
const RSS_BUDGET_MB = 512;

const unavailable = kafkaUnavailableReason();
if (unavailable) t.plan(0, unavailable);
else {
  t.test(`${IDLE} idle connections: bounded memory, others served`, async (t) => {
    const info = await useCluster(t);
    const topic = await createTopic(info, { numPartitions: 1, replicationFactor: 1 });
    const p = await startProxyProcess(info.bootstrap);
    t.teardown(() => p.stop());

    // Warm up (module loaded, first DEK, codecs compiled) so the baseline is a serving proxy.
    t.same(await roundTrip(p.bootstrap, topic, 10, "warm"), Array.from({ length: 10 }, (_, i) => `warm-${i}`));
    const base = p.sample();

    const socks = await openIdle(p.bootstrap, IDLE);
    t.teardown(() => socks.forEach((s) => s.destroy()));
    let open = 0;
    for (let i = 0; i < 300 && open < IDLE; i++) {
      open = await p.openConnections();
      if (open < IDLE) await new Promise((r) => setTimeout(r, 200));
    }
    t.ok(open >= IDLE, `the proxy holds ${open} client connections`);
    const held: ProcSample = p.sample();
    // One fd per idle client and none towards the brokers: the broker is dialed on the first request.
    t.ok(held.fds - base.fds >= IDLE - 20 && held.fds - base.fds < IDLE + 100, `fds ${base.fds} → ${held.fds}: one per idle connection, no broker sockets`);
    t.ok(held.rssMb < RSS_BUDGET_MB, `RSS ${held.rssMb.toFixed(1)} MB with ${IDLE} idle connections (budget ${RSS_BUDGET_MB} MB)`);
    const perConnKb = ((held.rssMb - base.rssMb) * 1024) / IDLE;
    const heapPerConnKb = ((held.heapUsedMb - base.heapUsedMb) * 1024) / IDLE;
    t.comment(`RSS ${base.rssMb.toFixed(1)} → ${held.rssMb.toFixed(1)} MB (peak ${held.peakRssMb.toFixed(1)}), heap ${base.heapUsedMb.toFixed(1)} → ${held.heapUsedMb.toFixed(1)} MB: ${perConnKb.toFixed(2)} KiB RSS, ${heapPerConnKb.toFixed(2)} KiB heap per idle connection`);

    // A real client is still served, with all the idle ones open.
    t.same(await roundTrip(p.bootstrap, topic, 50, "busy"), Array.from({ length: 50 }, (_, i) => `busy-${i}`), "produce and consume through the proxy while it holds the idle connections");
    t.ok(p.sample().rssMb < RSS_BUDGET_MB, "still under budget after the round trip");

    for (const s of socks) s.destroy();
    for (let i = 0; i < 150 && (await p.openConnections()) > 0; i++) await new Promise((r) => setTimeout(r, 200));
    t.equal(await p.openConnections(), 0, "every idle connection closed on the proxy side");
    let after = p.sample();
    for (let i = 0; i < 50 && after.fds > base.fds + 10; i++) {
      await new Promise((r) => setTimeout(r, 200));
      after = p.sample();
    }
    t.ok(after.fds <= base.fds + 10, `fds back to ${after.fds} (baseline ${base.fds})`);
  });
}
