// virtualClusters: each entry inherits the top level and overrides its own listener, target,
// encryption and module; process-wide keys are refused per cluster; names and bootstrap
// addresses must be unique; the schema and the parser agree.
import t from "tap";
import { applyConfig, clustersOf, DEFAULT_CONFIG } from "../../../host/config/proxy-config.js";
import { validateAgainstSchema } from "../../../host/config/schema-validate.js";

const raw = {
  target: "10.0.0.1:9092",
  listenHost: "0.0.0.0",
  admin: { port: 9300 },
  virtualClusters: [
    { name: "payments", bootstrapPort: 9192, module: { path: "/m/strict.wasm" }, encryption: { kekTemplate: "pay-$(topicName)" } },
    { name: "analytics", bootstrapPort: 9292, target: ["10.0.0.2:9092", "10.0.0.3:9092"], encryption: { enabled: false } },
  ],
};

t.test("each virtual cluster inherits the top level and applies its own keys", async (t) => {
  t.same(validateAgainstSchema(raw), [], "schema accepts it");
  const c = applyConfig(DEFAULT_CONFIG, raw);
  const [pay, ana] = clustersOf(c);
  t.equal(pay!.name, "payments");
  t.equal(pay!.listenHost, "0.0.0.0", "listenHost inherited");
  t.same(pay!.target, [{ host: "10.0.0.1", port: 9092 }], "target inherited");
  t.equal(pay!.bootstrapPort, 9192);
  t.equal(pay!.module.path, "/m/strict.wasm");
  t.equal(pay!.encryption!.kekTemplate, "pay-$(topicName)");
  t.equal(ana!.bootstrapPort, 9292);
  t.same(ana!.target.map((x) => x.host), ["10.0.0.2", "10.0.0.3"]);
  t.equal(ana!.encryption!.enabled, false);
  t.equal(ana!.module.path, undefined, "module not inherited from a sibling");
  t.equal(c.admin.port, 9300, "admin stays process-wide");
});

t.test("without virtualClusters the top level is the one cluster \"default\"", async (t) => {
  const [only, ...rest] = clustersOf(applyConfig(DEFAULT_CONFIG, { bootstrapPort: 9500 }));
  t.equal(rest.length, 0);
  t.equal(only!.name, "default");
  t.equal(only!.bootstrapPort, 9500);
});

t.test("bad virtual clusters are refused with the entry named", async (t) => {
  const bad: [string, unknown, RegExp][] = [
    ["empty list", [], /non-empty list/],
    ["no name", [{ bootstrapPort: 1 }], /virtualClusters\[0\]\.name/],
    ["bad name", [{ name: "a b" }], /virtualClusters\[0\]\.name/],
    ["process-wide key", [{ name: "a", admin: { port: 1 } }], /key "admin" is not per cluster/],
    ["same name", [{ name: "a", bootstrapPort: 1000 }, { name: "a", bootstrapPort: 2000 }], /name a is used twice/],
    ["same address", [{ name: "a", bootstrapPort: 1000 }, { name: "b", bootstrapPort: 1000 }], /a and b both listen on 127\.0\.0\.1:1000/],
    ["bad field inside", [{ name: "a", bootstrapPort: "x" }], /virtualClusters\[0\] \(a\): bootstrapPort/],
  ];
  for (const [what, v, msg] of bad) t.throws(() => applyConfig(DEFAULT_CONFIG, { virtualClusters: v }), msg, what);
  t.not(validateAgainstSchema({ virtualClusters: [{ name: "a", logLevel: "info" }] }).length, 0, "schema refuses process-wide keys per cluster");
});
