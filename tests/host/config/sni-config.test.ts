// SNI gateway config and routing: which server names reach bootstrap, which reach a node, which
// are refused, and the host names written into rewritten responses.
import t from "tap";
import { applyConfig, DEFAULT_CONFIG } from "../../../host/config/proxy-config.js";
import { parseSniConfig, SniRouter } from "../../../host/proxy/sni-routing.js";

const sni = { bootstrapHost: "bootstrap.kafka.example.com", brokerHostPattern: "broker-$(nodeId).kafka.example.com" };

t.test("routing by server name", async (t) => {
  const r = new SniRouter(parseSniConfig(sni));
  t.same(r.route("bootstrap.kafka.example.com"), { kind: "bootstrap" });
  t.same(r.route("BOOTSTRAP.Kafka.Example.com."), { kind: "bootstrap" }, "case and trailing dot ignored");
  t.same(r.route("broker-0.kafka.example.com"), { kind: "node", nodeId: 0 });
  t.same(r.route("broker-17.kafka.example.com"), { kind: "node", nodeId: 17 });
  for (const bad of ["broker-.kafka.example.com", "broker-01.kafka.example.com", "broker-1.kafka.example.com.evil", "xbroker-1.kafka.example.com", "broker-1xkafka.example.com", "broker-99999999999.kafka.example.com", "other.example.com", "", undefined, false]) {
    t.equal(r.route(bad as string), undefined, `refused: ${String(bad)}`);
  }
  t.equal(r.hostOf(3), "broker-3.kafka.example.com");
});

t.test("config", async (t) => {
  const tls = { certFile: "/c", keyFile: "/k" };
  t.same(applyConfig(DEFAULT_CONFIG, { tls, sni: { ...sni, advertisedPort: 443 } }).sni, { ...sni, advertisedPort: 443 });
  const cases: Array<[unknown, RegExp]> = [
    [{ sni }, /sni needs tls/],
    [{ tls, sni: { ...sni, brokerHostPattern: "broker.kafka.example.com" } }, /exactly once/],
    [{ tls, sni: { ...sni, brokerHostPattern: "b-$(nodeId)-$(nodeId).x" } }, /exactly once/],
    [{ tls, sni: { ...sni, bootstrapHost: "not a host" } }, /DNS host name/],
    [{ tls, sni: { ...sni, bootstrapHost: "broker-1.kafka.example.com" } }, /must not match/],
    [{ tls, sni: { ...sni, advertisedPort: 0 } }, /advertisedPort/],
    [{ tls, sni: { ...sni, mode: 1 } }, /unknown key sni.mode/],
  ];
  for (const [raw, msg] of cases) t.throws(() => applyConfig(DEFAULT_CONFIG, raw), { code: "CONFIG_INVALID", message: msg });
});
