import t from "tap";
import { clusterFromEnv, type ClusterInfo } from "../../rig/cluster-info.js";
import { sharedFits } from "../../rig/test-cluster.js";

const shared = {
  name: "npm-test",
  bootstrap: "127.0.0.1:1,127.0.0.1:2,127.0.0.1:3",
  brokers: [1, 2, 3].map((nodeId) => ({ nodeId, host: "127.0.0.1", port: nodeId })),
} as ClusterInfo;

t.test("the shared cluster serves tests that ask for no more than it has", async (t) => {
  t.ok(sharedFits(shared, {}));
  t.ok(sharedFits(shared, { brokers: 3 }));
  t.notOk(sharedFits(shared, { brokers: 4 }));
  t.notOk(sharedFits(shared, { sasl: true }), "no SASL listener on it");
  t.ok(sharedFits({ ...shared, sasl: { bootstrap: "x", brokers: [], mechanisms: [], users: [] } }, { sasl: true }));
  for (const o of [{ own: true }, { dedicatedController: true }, { props: {} }, { kafkaVersion: "4.3.1" }, { fullJit: true }]) {
    t.notOk(sharedFits(shared, o), `not with ${JSON.stringify(o)}`);
  }
});

t.test("KSEAL_TEST_CLUSTER is read, and garbage in it is an error", async (t) => {
  t.equal(clusterFromEnv({}), undefined);
  t.same(clusterFromEnv({ KSEAL_TEST_CLUSTER: JSON.stringify(shared) }), shared);
  t.throws(() => clusterFromEnv({ KSEAL_TEST_CLUSTER: "{}" }), /not a cluster description/);
  t.throws(() => clusterFromEnv({ KSEAL_TEST_CLUSTER: "nope" }));
});
