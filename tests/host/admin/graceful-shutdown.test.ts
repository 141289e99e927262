// Graceful shutdown: drain() closes the listeners, lets requests already forwarded get their
// responses, then closes; past the deadline it cuts what is left. `kseal start` does this on SIGTERM.
import net from "node:net";
import { pino } from "pino";
import t from "tap";
import { applyConfig, DEFAULT_CONFIG } from "../../../host/config/proxy-config.js";
import { KsealProxy } from "../../../host/proxy/proxy.js";
import { rawClient, requestV1, startFakeBroker } from "../../clients/fake-broker.js";
import { spawnKsealCli } from "../../rig/kseal-cli.js";

const quiet = pino({ level: process.env.KSEAL_LOG_LEVEL ?? "silent" });

/** A broker that answers each request after `delayMs` (its correlation id, then 4 bytes). */
function slowBroker(delayMs: number) {
  return startFakeBroker(async (req) => {
    await new Promise((r) => setTimeout(r, delayMs));
    const b = Buffer.alloc(8);
    b.writeInt32BE(req.readInt32BE(4), 0);
    return b;
  });
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(false);
    });
    s.once("error", () => resolve(true));
  });
}

t.test("drain lets in-flight requests finish, then closes", async (t) => {
  const broker = await slowBroker(300);
  t.teardown(() => broker.close());
  const config = applyConfig(DEFAULT_CONFIG, { bootstrapPort: 0, target: `127.0.0.1:${broker.port}` });
  const proxy = new KsealProxy({ config, logger: quiet });
  await proxy.start();
  const port = proxy.bootstrapPort;
  const c = await rawClient(port);
  c.send(requestV1(12, 0, 1, Buffer.alloc(0)));
  c.send(requestV1(12, 0, 2, Buffer.alloc(0)));
  await new Promise((r) => setTimeout(r, 50));
  const started = Date.now();
  const draining = proxy.drain(5_000);
  t.ok(await refused(port), "no new connections once draining");
  const r1 = await c.next(2000);
  const r2 = await c.next(2000);
  t.same([r1.readInt32BE(0), r2.readInt32BE(0)], [1, 2], "both in-flight responses delivered");
  await c.closed;
  t.same(await draining, { drained: 1, cut: 0 });
  t.ok(Date.now() - started < 2_000, "closed as soon as the responses were written, not at the deadline");
});

t.test("drain cuts connections still waiting at the deadline", async (t) => {
  const broker = await slowBroker(5_000);
  t.teardown(() => broker.close());
  const config = applyConfig(DEFAULT_CONFIG, { bootstrapPort: 0, target: `127.0.0.1:${broker.port}` });
  const proxy = new KsealProxy({ config, logger: quiet });
  await proxy.start();
  const c = await rawClient(proxy.bootstrapPort);
  c.send(requestV1(12, 0, 1, Buffer.alloc(0)));
  await new Promise((r) => setTimeout(r, 50));
  const started = Date.now();
  t.same(await proxy.drain(300), { drained: 0, cut: 1 });
  t.ok(Date.now() - started < 1_500, "deadline respected");
  await c.closed;
  t.pass("client connection closed");
});

t.test("kseal start drains on SIGTERM and exits 0", async (t) => {
  const broker = await slowBroker(500);
  t.teardown(() => broker.close());
  const k = await spawnKsealCli({ args: ["--no-encryption", "--bootstrap-port", "0", "--target", `127.0.0.1:${broker.port}`], startTimeoutMs: 20_000 });
  const { child, exited, bootstrap: listen, admin } = k;
  t.teardown(() => child.kill("SIGKILL"));
  t.match(admin, /^127\.0\.0\.1:\d+$/, "admin bound to localhost on an ephemeral port");
  t.equal((await fetch(`http://${admin}/livez`)).status, 200);
  const c = await rawClient(Number(listen.split(":")[1]));
  c.send(requestV1(12, 0, 7, Buffer.alloc(0)));
  await new Promise((r) => setTimeout(r, 100));
  child.kill("SIGTERM");
  const r = await c.next(5_000);
  t.equal(r.readInt32BE(0), 7, "the in-flight response arrived after SIGTERM");
  await c.closed;
  t.equal(await exited, 0, "exit code 0");
  t.match(k.output(), /"drained":1,"cut":0/);
});
