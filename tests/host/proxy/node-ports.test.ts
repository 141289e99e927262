import t from "tap";
import { NodePorts } from "../../../host/proxy/node-ports.js";

t.test("range mode: ports by node-id order, stable, bound before learn resolves", async (t) => {
  const binds: Array<[number, number]> = [];
  const np = new NodePorts("range", 19193, async (id, port) => {
    binds.push([id, port]);
    return port;
  });
  await np.learn([
    { nodeId: 3, host: "b3", port: 9003 },
    { nodeId: 1, host: "b1", port: 9001 },
    { nodeId: 2, host: "b2", port: 9002 },
  ]);
  t.same(binds, [[1, 19193], [2, 19194], [3, 19195]]);
  t.equal(np.portOf(1), 19193);
  t.equal(np.portOf(3), 19195);
  t.same(np.upstreamOf(2), { host: "b2", port: 9002 });
  t.equal(np.nodeOfPort(19194), 2);
  // Seen again (even with a new address): same port, no new bind, address updated.
  await np.learn([{ nodeId: 2, host: "b2-new", port: 9102 }]);
  t.equal(binds.length, 3);
  t.equal(np.portOf(2), 19194);
  t.same(np.upstreamOf(2), { host: "b2-new", port: 9102 });
  // A new node gets the next index.
  await np.learn([{ nodeId: 7, host: "b7", port: 9007 }]);
  t.equal(np.portOf(7), 19196);
});

t.test("ephemeral mode: one bind per node even under concurrent learns", async (t) => {
  let next = 40000;
  let calls = 0;
  const np = new NodePorts("ephemeral", 0, async (_id, port) => {
    t.equal(port, 0);
    calls++;
    await new Promise((r) => setTimeout(r, 10));
    return next++;
  });
  const nodes = [
    { nodeId: 5, host: "h", port: 1 },
    { nodeId: 6, host: "h", port: 2 },
  ];
  await Promise.all([np.learn(nodes), np.learn(nodes), np.learn(nodes.slice(1))]);
  t.equal(calls, 2);
  t.equal(np.portOf(5), 40000);
  t.equal(np.portOf(6), 40001);
});

t.test("invalid entries (no coordinator: id -1, port -1) are ignored", async (t) => {
  const np = new NodePorts("ephemeral", 0, async () => 1234);
  await np.learn([{ nodeId: -1, host: "", port: -1 }]);
  t.same(np.entries(), []);
});

t.test("a failed bind is retried next time", async (t) => {
  let fail = true;
  const np = new NodePorts("ephemeral", 0, async () => {
    if (fail) throw new Error("EADDRINUSE");
    return 555;
  });
  await t.rejects(np.learn([{ nodeId: 1, host: "h", port: 1 }]));
  fail = false;
  await np.learn([{ nodeId: 1, host: "h", port: 1 }]);
  t.equal(np.portOf(1), 555);
});
