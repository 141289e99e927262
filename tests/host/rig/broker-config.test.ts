import t from "tap";
import {
  DEFAULT_SASL_USERS,
  nodeProperties,
  planCluster,
  scramFormatArgs,
  toProperties,
} from "../../rig/broker-config.js";

const ports = () => {
  let p = 40000;
  return () => p++;
};

t.test("three brokers with the controller combined into node 1", async (t) => {
  const plan = planCluster({ brokers: 3, dir: "/x" }, ports());
  t.same(plan.nodes.map((n) => [n.nodeId, n.roles.join("+")]), [[1, "broker+controller"], [2, "broker"], [3, "broker"]]);
  const n1 = nodeProperties(plan, plan.nodes[0]!);
  const n2 = nodeProperties(plan, plan.nodes[1]!);
  t.equal(n1["process.roles"], "broker,controller");
  t.equal(n1["controller.quorum.voters"], "1@127.0.0.1:40001");
  t.equal(n2["controller.quorum.voters"], "1@127.0.0.1:40001", "every node knows the single voter");
  t.equal(n1.listeners, "PLAINTEXT://127.0.0.1:40000,CONTROLLER://127.0.0.1:40001");
  t.equal(n1["advertised.listeners"], "PLAINTEXT://127.0.0.1:40000", "the controller listener is not advertised");
  t.equal(n2.listeners, "PLAINTEXT://127.0.0.1:40002");
  t.equal(n2["log.dirs"], "/x/node-2/data");
  t.equal(n2["offsets.topic.replication.factor"], "3");
  t.equal(n2["transaction.state.log.min.isr"], "2");
  t.equal(n2["group.initial.rebalance.delay.ms"], "0");
});

t.test("one broker gets replication factors of 1", async (t) => {
  const plan = planCluster({ brokers: 1, dir: "/x" }, ports());
  const p = nodeProperties(plan, plan.nodes[0]!);
  t.equal(p["offsets.topic.replication.factor"], "1");
  t.equal(p["transaction.state.log.min.isr"], "1");
  t.equal(p["share.coordinator.state.topic.min.isr"], "1");
});

t.test("a dedicated controller is node brokers+1 with no client listener", async (t) => {
  const plan = planCluster({ brokers: 2, dir: "/x", dedicatedController: true }, ports());
  t.same(plan.nodes.map((n) => [n.nodeId, n.roles.join("+")]), [[1, "broker"], [2, "broker"], [3, "controller"]]);
  const c = nodeProperties(plan, plan.nodes[2]!);
  t.equal(c["process.roles"], "controller");
  t.equal(c.listeners, "CONTROLLER://127.0.0.1:40002");
  t.notOk("advertised.listeners" in c);
  t.notOk("offsets.topic.replication.factor" in c, "broker settings stay off a controller-only node");
  t.equal(nodeProperties(plan, plan.nodes[0]!)["controller.quorum.voters"], "3@127.0.0.1:40002");
});

t.test("SASL adds a listener per broker, JAAS for PLAIN and SCRAM, and SCRAM users at format", async (t) => {
  const plan = planCluster({ brokers: 2, dir: "/x", sasl: true }, ports());
  const p = nodeProperties(plan, plan.nodes[1]!);
  t.match(p.listeners, /^PLAINTEXT:\/\/127\.0\.0\.1:\d+,SASL_PLAINTEXT:\/\/127\.0\.0\.1:\d+$/);
  t.match(p["listener.security.protocol.map"], /SASL_PLAINTEXT:SASL_PLAINTEXT/);
  t.equal(p["sasl.enabled.mechanisms"], "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512");
  t.equal(
    p["listener.name.sasl_plaintext.plain.sasl.jaas.config"],
    'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret" user_bob="bob-secret";',
  );
  t.match(p["listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config"], /ScramLoginModule required;$/);
  t.equal(p["inter.broker.listener.name"], "PLAINTEXT", "brokers talk to each other without SASL");
  const args = scramFormatArgs(plan);
  t.equal(args.length, 2 * 2 * DEFAULT_SASL_USERS.length);
  t.same(args.slice(0, 2), ["--add-scram", "SCRAM-SHA-256=[name=alice,password=alice-secret]"]);
  t.same(scramFormatArgs(planCluster({ brokers: 1, dir: "/x" }, ports())), []);
});

t.test("extra properties override the defaults", async (t) => {
  const plan = planCluster({ brokers: 1, dir: "/x", props: { "num.partitions": "6", "message.max.bytes": "2000000" } }, ports());
  const p = nodeProperties(plan, plan.nodes[0]!);
  t.equal(p["num.partitions"], "6");
  t.equal(p["message.max.bytes"], "2000000");
});

t.test("broker counts outside 1..9 are refused", async (t) => {
  t.throws(() => planCluster({ brokers: 0, dir: "/x" }, ports()), /1 to 9/);
  t.throws(() => planCluster({ brokers: 10, dir: "/x" }, ports()), /1 to 9/);
  t.throws(() => planCluster({ brokers: 1.5, dir: "/x" }, ports()), /1 to 9/);
});

t.test("properties text escapes what java.util.Properties would misread", async (t) => {
  t.equal(toProperties({ a: "b", "log.dirs": "C:\\data" }), "a=b\nlog.dirs=C:\\\\data\n");
  t.equal(toProperties({ "k=x": " lead" }), "k\\=x=\\ lead\n");
});
