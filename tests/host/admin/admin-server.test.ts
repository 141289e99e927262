// The admin port in front of a proxy and a scripted broker: /livez, /readyz flipping with the
// module, the cluster and shutdown, /module, and /metrics counting real traffic through the proxy.
import { pino } from "pino";
import t from "tap";
import { MetricsRegistry } from "../../../host/admin/metrics.js";
import { proxyObserver } from "../../../host/admin/proxy-metrics.js";
import { startAdmin } from "../../../host/admin/start-admin.js";
import { applyConfig, DEFAULT_CONFIG } from "../../../host/config/proxy-config.js";
import { KsealProxy } from "../../../host/proxy/proxy.js";
import { rawClient, requestV1, startFakeBroker } from "../../clients/fake-broker.js";

const quiet = pino({ level: process.env.KSEAL_LOG_LEVEL ?? "silent" });

/** Answers ApiVersions (18) with error 0, everything else with an 8-byte echo. */
function respond(req: Buffer): Buffer {
  const b = Buffer.alloc(8);
  b.writeInt32BE(req.readInt32BE(4), 0);
  return b;
}

async function get(port: number, path: string): Promise<{ status: number; body: string; type: string | null }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: r.status, body: await r.text(), type: r.headers.get("content-type") };
}

t.test("probes, module info and metrics", async (t) => {
  const broker = await startFakeBroker(respond);
  t.teardown(() => broker.close());
  const config = applyConfig(DEFAULT_CONFIG, { bootstrapPort: 0, target: `127.0.0.1:${broker.port}`, admin: { port: 0 } });
  const registry = new MetricsRegistry();
  const proxy = new KsealProxy({ config, logger: quiet, observer: proxyObserver(registry) });
  await proxy.start();
  t.teardown(() => proxy.stop());
  let loaded = false;
  const admin = await startAdmin({
    config,
    proxy,
    registry,
    logger: quiet,
    module: { loaded: () => loaded, info: () => ({ path: "x.wasm", sha256: "ab" }) },
    encryption: {
      filterStats: () => ({ encryptedPartitions: 4, decryptedPartitions: 2 }),
      edekCacheSize: () => 3,
      dekOldestAgeMs: () => 90_000,
      kmsStats: () => ({
        generateDek: { calls: 5, attempts: 6, retries: 1, outcomes: { success: 4, unavailable: 1 }, latency: { count: 4, sumMs: 120, maxMs: 50, buckets: [] } },
        breakerOpens: 2,
      }),
    },
  });
  t.teardown(() => admin.stop());
  const port = admin.port;

  t.equal((await get(port, "/livez")).status, 200, "/livez 200");
  let ready = await get(port, "/readyz");
  t.equal(ready.status, 503, "not ready while the module is not loaded");
  t.match(JSON.parse(ready.body), { ready: false, checks: { module: { ok: false }, cluster: { ok: true } } });
  loaded = true;
  ready = await get(port, "/readyz");
  t.equal(ready.status, 200, "ready once the module is loaded and the broker answered");
  t.equal(broker.received.filter((f) => f.readInt16BE(0) === 18).length, 1, "the probe sent one ApiVersions to the broker");
  await get(port, "/readyz");
  t.equal(broker.received.filter((f) => f.readInt16BE(0) === 18).length, 1, "a recent success is remembered");

  const mod = await get(port, "/module");
  t.same(JSON.parse(mod.body), { path: "x.wasm", sha256: "ab" });
  t.equal((await get(port, "/nope")).status, 404);
  t.equal((await fetch(`http://127.0.0.1:${port}/livez`, { method: "POST" })).status, 405);

  // Traffic: 3 Heartbeat v0 requests (forwarded opaque) through the proxy.
  const c = await rawClient(proxy.bootstrapPort);
  for (let i = 1; i <= 3; i++) {
    c.send(requestV1(12, 0, i, Buffer.from([0xff, 0xff, 0xff, 0xff])));
    await c.next();
  }
  const m = await get(port, "/metrics");
  t.equal(m.type, "text/plain; version=0.0.4; charset=utf-8");
  t.match(m.body, /^kseal_requests_total\{cluster="default",api="Heartbeat"\} 3$/m, "requests counted by API name");
  t.match(m.body, /^kseal_connections_total\{cluster="default",listener="bootstrap"\} 1$/m);
  t.match(m.body, /^kseal_connections_active\{cluster="default",listener="bootstrap"\} 1$/m);
  // Each request is 4 + 10 + 4 + 4 = 22 bytes with its size prefix; each response 4 + 8.
  t.match(m.body, /^kseal_bytes_total\{cluster="default",direction="client_in"\} 66$/m);
  t.match(m.body, /^kseal_bytes_total\{cluster="default",direction="client_out"\} 36$/m);
  t.match(m.body, /^kseal_encryption_partitions_total\{cluster="default",outcome="encryptedPartitions"\} 4$/m);
  t.match(m.body, /^kseal_edek_cache_entries\{cluster="default"\} 3$/m);
  t.match(m.body, /^kseal_dek_oldest_age_seconds\{cluster="default"\} 90$/m, "age of the oldest DEK in use");
  t.match(m.body, /^kseal_up 1$/m);
  t.match(m.body, /^kseal_kms_calls_total\{cluster="default",op="generateDek",outcome="success"\} 4$/m, "KMS calls by op and outcome");
  t.match(m.body, /^kseal_kms_latency_seconds_sum\{cluster="default",op="generateDek"\} 0.12$/m);
  t.match(m.body, /^kseal_kms_breaker_opens_total\{cluster="default"\} 2$/m);
  t.match(m.body, /^kseal_request_duration_seconds_count\{cluster="default",api="Heartbeat"\} 3$/m, "latency observed per request");
  t.match(m.body, /^kseal_request_duration_seconds_bucket\{cluster="default",api="Heartbeat",le="\+Inf"\} 3$/m);
  c.sock.destroy();
  await c.closed;
  await new Promise((r) => setTimeout(r, 50));
  t.match((await get(port, "/metrics")).body, /^kseal_connections_active\{cluster="default",listener="bootstrap"\} 0$/m, "closed connection leaves the gauge");

  // A malformed frame (negative size) is an error counted by code.
  const bad = await rawClient(proxy.bootstrapPort);
  bad.sock.write(Buffer.from([0xff, 0xff, 0xff, 0xff]));
  await bad.closed;
  t.match((await get(port, "/metrics")).body, /^kseal_connection_errors_total\{cluster="default",code="FRAME_MALFORMED|FRAME_TOO_LARGE"\} 1$/m);

  // Draining: /readyz goes 503 at once.
  await proxy.drain(1000);
  ready = await get(port, "/readyz");
  t.equal(ready.status, 503, "not ready while draining");
  t.match(JSON.parse(ready.body).checks.shutdown, { ok: false });
  t.match((await get(port, "/metrics")).body, /^kseal_up 0$/m);
});

t.test("readyz is 503 when the target cluster does not answer", async (t) => {
  const broker = await startFakeBroker(respond);
  const deadPort = broker.port;
  await broker.close();
  const config = applyConfig(DEFAULT_CONFIG, { bootstrapPort: 0, target: `127.0.0.1:${deadPort}`, admin: { port: 0 } });
  const registry = new MetricsRegistry();
  const proxy = new KsealProxy({ config, logger: quiet });
  await proxy.start();
  t.teardown(() => proxy.stop());
  const admin = await startAdmin({ config, proxy, registry, logger: quiet });
  t.teardown(() => admin.stop());
  const r = await get(admin.port, "/readyz");
  t.equal(r.status, 503);
  const body = JSON.parse(r.body);
  t.match(body.checks.cluster, { ok: false, detail: /did not answer/ });
  t.match(body.checks.module, { ok: true, detail: /encryption off/ });
  t.equal((await get(admin.port, "/module")).status, 404, "/module 404 without encryption");
});
