import t from "tap";
import { applyConfig, DEFAULT_CONFIG, nodePortBase, parseHostPort, parseTargets } from "../../../host/config/proxy-config.js";
import { startConfig } from "../../../host/cli/main.js";
import { TopicMap } from "../../../host/proxy/topic-map.js";

t.test("embedded defaults", async (t) => {
  t.equal(DEFAULT_CONFIG.listenHost, "127.0.0.1");
  t.equal(DEFAULT_CONFIG.bootstrapPort, 9192);
  t.equal(nodePortBase(DEFAULT_CONFIG), 9193);
  t.same(DEFAULT_CONFIG.target, [{ host: "127.0.0.1", port: 9092 }]);
  t.equal(DEFAULT_CONFIG.limits.maxFrameBytes, 100 * 1024 * 1024);
});

t.test("overrides and validation", async (t) => {
  const c = applyConfig(DEFAULT_CONFIG, { listenHost: "10.0.0.5", bootstrapPort: 19092, target: ["a:1", "[::1]:2"], limits: { maxFrameBytes: 1024 } });
  t.equal(c.advertisedHost, "10.0.0.5", "advertised host follows the listen host");
  t.equal(nodePortBase(c), 19093);
  t.same(c.target, [{ host: "a", port: 1 }, { host: "::1", port: 2 }]);
  t.equal(c.limits.maxFrameBytes, 1024);
  t.equal(c.limits.maxInFlightPerConnection, DEFAULT_CONFIG.limits.maxInFlightPerConnection);
  t.equal(applyConfig(DEFAULT_CONFIG, { listenHost: "0.0.0.0" }).advertisedHost, "127.0.0.1", "a wildcard is not advertised");
  t.equal(applyConfig(DEFAULT_CONFIG, { listenHost: "0.0.0.0", advertisedHost: "kseal.example" }).advertisedHost, "kseal.example");
  for (const bad of [{ bootstrapPort: -1 }, { bootstrapPort: 1.5 }, { nodePorts: "odd" }, { target: "" }, { target: "nohost" }, { unknownKey: 1 }, { limits: { maxFrameBytes: 0 } }, { limits: { nope: 1 } }, { logLevel: "loud" }, []]) {
    t.throws(() => applyConfig(DEFAULT_CONFIG, bad), { code: "CONFIG_INVALID" }, `rejects ${JSON.stringify(bad)}`);
  }
  t.same(parseTargets("h1:1,h2:2"), [{ host: "h1", port: 1 }, { host: "h2", port: 2 }]);
  t.throws(() => parseHostPort("h:99999", "x"));
});

t.test("CLI flags", async (t) => {
  const c = startConfig(["--listen", "127.0.0.2:7000", "--target", "k1:9092,k2:9092", "--log-level", "debug"]);
  if (c === "help") throw new Error("unexpected help");
  t.equal(c.listenHost, "127.0.0.2");
  t.equal(c.bootstrapPort, 7000);
  t.equal(c.advertisedHost, "127.0.0.2");
  t.equal(c.target.length, 2);
  t.equal(c.logLevel, "debug");
  const e = startConfig(["--bootstrap-port", "0"]);
  t.equal(e !== "help" && e.bootstrapPort, 0);
  t.equal(startConfig(["-h"]), "help");
});

t.test("topic map", async (t) => {
  const m = new TopicMap();
  const id1 = "0123456789abcdef0123456789abcdef";
  const id2 = "fedcba9876543210fedcba9876543210";
  m.set(id1, "orders");
  t.equal(m.nameOf(id1), "orders");
  t.equal(m.nameOf(Buffer.from(id1, "hex")), "orders", "raw 16-byte ids work too");
  t.equal(m.idOf("orders"), id1);
  m.set("0".repeat(32), "ignored");
  m.set(undefined, "ignored");
  m.set(id2, null);
  t.equal(m.size, 1, "zero ids, missing ids and null names are ignored");
  m.set(id2, "orders");
  t.equal(m.nameOf(id1), undefined, "a re-created topic's old id is forgotten");
  t.equal(m.idOf("orders"), id2);
  t.equal(m.nameOf("FEDCBA9876543210FEDCBA9876543210"), "orders", "hex is case-insensitive");
});
