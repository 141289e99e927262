// The tls, upstreamTls and admin config sections: defaults, accepted shapes, refusals.
import t from "tap";
import { applyConfig, DEFAULT_CONFIG } from "../../../host/config/proxy-config.js";

t.test("defaults: plaintext both sides, admin on 127.0.0.1:9190", async (t) => {
  t.equal(DEFAULT_CONFIG.tls, undefined);
  t.equal(DEFAULT_CONFIG.upstreamTls, undefined);
  t.same(DEFAULT_CONFIG.admin, { enabled: true, host: "127.0.0.1", port: 9190 });
  t.equal(DEFAULT_CONFIG.limits.shutdownDrainMs, 20_000);
});

t.test("accepted shapes", async (t) => {
  const c = applyConfig(DEFAULT_CONFIG, {
    tls: { certFile: "/c.pem", keyFile: "/k.pem" },
    upstreamTls: { caFile: "/ca.pem" },
    admin: { port: 0, host: "0.0.0.0" },
    limits: { shutdownDrainMs: 5000 },
  });
  t.same(c.tls, { certFile: "/c.pem", keyFile: "/k.pem", caFile: undefined, clientAuth: "none" });
  t.same(c.upstreamTls, { caFile: "/ca.pem", certFile: undefined, keyFile: undefined, verifyHostname: true, serverName: undefined });
  t.same(c.admin, { enabled: true, host: "0.0.0.0", port: 0 });
  t.equal(c.limits.shutdownDrainMs, 5000);
  t.same(applyConfig(DEFAULT_CONFIG, { upstreamTls: true }).upstreamTls, { verifyHostname: true }, "upstreamTls: true = system CAs, names verified");
  t.equal(DEFAULT_CONFIG.admin.port, 9190, "defaults not mutated");
});

t.test("refusals name the key", async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [{ tls: { certFile: "/c.pem" } }, /tls needs certFile and keyFile/],
    [{ tls: { certFile: "/c", keyFile: "/k", clientAuth: "required" } }, /clientAuth required needs tls.caFile/],
    [{ tls: { certFile: "/c", keyFile: "/k", clientAuth: "maybe" } }, /tls.clientAuth must be/],
    [{ tls: { certFile: "/c", keyFile: "/k", extra: 1 } }, /unknown key tls.extra/],
    [{ upstreamTls: { verifyHostname: "no" } }, /verifyHostname must be true or false/],
    [{ upstreamTls: { certFile: "/c" } }, /go together/],
    [{ admin: { port: 70000 } }, /admin.port/],
    [{ admin: { what: 1 } }, /unknown key admin.what/],
    [{ limits: { shutdownDrainMs: 0 } }, /limits.shutdownDrainMs/],
  ];
  for (const [raw, msg] of cases) t.throws(() => applyConfig(DEFAULT_CONFIG, raw), { code: "CONFIG_INVALID", message: msg }, JSON.stringify(raw));
});
