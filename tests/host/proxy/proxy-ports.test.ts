// Node listeners of a running proxy: bound in node-id order when Metadata names them, before the
// rewritten response is sent; a connection on a node port reaches that node's broker.
import net from "node:net";
import { pino } from "pino";
import t from "tap";
import { applyConfig, DEFAULT_CONFIG } from "../../../host/config/proxy-config.js";
import { encodeResponseFrame } from "../../../host/protocol/headers.js";
import { codecFor } from "../../../host/protocol/registry.js";
import { KsealProxy } from "../../../host/proxy/proxy.js";
import { rawClient, requestV2, startFakeBroker, type FakeBroker } from "../../clients/fake-broker.js";

const quiet = pino({ level: "silent" });

/** Three scripted brokers; each answers Metadata v12 listing all three (ids 30, 10, 20). */
async function cluster(t: Tap): Promise<FakeBroker[]> {
  const brokers: FakeBroker[] = [];
  const ids = [30, 10, 20];
  for (let i = 0; i < 3; i++) {
    const me = ids[i]!;
    brokers.push(
      await startFakeBroker((req) => {
        const corr = req.readInt32BE(4);
        if (req.readInt16BE(0) !== 3) {
          // Anything else: echo which node answered.
          const b = Buffer.alloc(8);
          b.writeInt32BE(corr, 0);
          b.writeInt32BE(me, 4);
          return b;
        }
        const body = codecFor(3)!.encodeResponse(
          { throttleTimeMs: 0, brokers: ids.map((id, j) => ({ nodeId: id, host: "127.0.0.1", port: brokers[j]!.port, rack: null })), clusterId: "c", controllerId: 10, topics: [] },
          12,
        );
        return encodeResponseFrame(3, 12, { correlationId: corr }, body);
      }),
    );
  }
  t.teardown(() => Promise.all(brokers.map((b) => b.close())));
  return brokers;
}
type Tap = { teardown(fn: () => unknown): void };

async function freeRange(n: number): Promise<number> {
  for (;;) {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
    const base = (s.address() as net.AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    if (base + n > 65535) continue;
    const ok = await Promise.all(
      Array.from({ length: n }, (_, i) => new Promise<boolean>((r) => {
        const x = net.createServer();
        x.once("error", () => r(false));
        x.listen(base + i, "127.0.0.1", () => x.close(() => r(true)));
      })),
    );
    if (ok.every(Boolean)) return base;
  }
}

const metadataV12 = (corr: number) => requestV2(3, 12, corr, Buffer.from([1, 1, 0, 0])); // topics null, autocreate true, no auth ops, tags

for (const mode of ["range", "ephemeral"] as const) {
  t.test(`${mode} node ports`, async (t) => {
    const brokers = await cluster(t);
    const base = await freeRange(4);
    const config = applyConfig(DEFAULT_CONFIG, mode === "range"
      ? { bootstrapPort: base, target: `127.0.0.1:${brokers[0]!.port}` }
      : { bootstrapPort: 0, target: `127.0.0.1:${brokers[0]!.port}` });
    const proxy = new KsealProxy({ config, logger: quiet });
    await proxy.start();
    t.teardown(() => proxy.stop());
    const c = await rawClient(proxy.bootstrapPort);
    t.teardown(() => c.sock.destroy());
    c.send(metadataV12(1));
    const frame = await c.next();
    const md = codecFor(3)!.decodeResponse(frame.subarray(5), 12) as { brokers: Array<{ nodeId: number; host: string; port: number }>; clusterId: string };
    t.equal(md.clusterId, "c");
    const byId = new Map(md.brokers.map((b) => [b.nodeId, b.port]));
    if (mode === "range") t.same([10, 20, 30].map((id) => byId.get(id)), [base + 1, base + 2, base + 3], "bootstrap+1+index in node-id order");
    for (const [id, port] of byId) {
      // The listener is already accepting when the client reads the response.
      const n = await rawClient(port);
      n.send(requestV2(2, 7, 9, Buffer.alloc(0)));
      t.equal((await n.next()).readInt32BE(4), id, `port ${port} reaches node ${id}`);
      n.sock.destroy();
    }
    // Seen again: same ports.
    c.send(metadataV12(2));
    const again = codecFor(3)!.decodeResponse((await c.next()).subarray(5), 12) as typeof md;
    t.same(new Map(again.brokers.map((b) => [b.nodeId, b.port])), byId, "mapping stable");
    t.same(proxy.listeningPorts().length, 4);
  });
}

t.test("stop closes every listener and connection", async (t) => {
  const brokers = await cluster(t);
  const config = applyConfig(DEFAULT_CONFIG, { bootstrapPort: 0, target: `127.0.0.1:${brokers[0]!.port}` });
  const proxy = new KsealProxy({ config, logger: quiet });
  await proxy.start();
  const c = await rawClient(proxy.bootstrapPort);
  c.send(metadataV12(1));
  await c.next();
  const ports = proxy.listeningPorts();
  await proxy.stop();
  await c.closed;
  for (const p of ports) {
    const refused = await new Promise<boolean>((r) => {
      const s = net.connect(p, "127.0.0.1");
      s.once("connect", () => { s.destroy(); r(false); });
      s.once("error", () => r(true));
    });
    t.ok(refused, `port ${p} closed`);
  }
  await proxy.stop();
  t.pass("stop is idempotent");
});
