/**
 * Starts a kseal proxy in-process on ephemeral ports in front of a test cluster, with an audit
 * filter that records every broker address in every response sent to clients.
 */
import { pino } from "pino";
import type { Test } from "tap";
import type { ClusterInfo } from "../../rig/index.js";
import { applyConfig, DEFAULT_CONFIG } from "../../../host/config/proxy-config.js";
import { endpointsOf, responseHasAddresses } from "../../../host/proxy/address-rewriter.js";
import type { ProxyFilter } from "../../../host/proxy/filter.js";
import { KsealProxy } from "../../../host/proxy/proxy.js";

export interface SeenAddress {
  apiKey: number;
  apiVersion: number;
  nodeId: number;
  host: string;
  port: number;
}

export interface TestProxy {
  proxy: KsealProxy;
  /** bootstrap.servers for clients: the proxy only. */
  bootstrap: string;
  /** Addresses in rewritten responses, as clients received them. */
  seen: SeenAddress[];
  /** API keys (and versions) of every request the proxy handled, "key:version". */
  requests: Map<string, number>;
}

export async function startTestProxy(
  t: { teardown(fn: () => unknown): void },
  info: ClusterInfo,
  opts: { target?: string } = {},
): Promise<TestProxy> {
  const seen: SeenAddress[] = [];
  const requests = new Map<string, number>();
  // Responses pass filters in reverse order, so this one sees them after the address rewriter.
  const audit: ProxyFilter = {
    name: "audit",
    wantsRequest: (k, v) => {
      requests.set(`${k}:${v}`, (requests.get(`${k}:${v}`) ?? 0) + 1);
      return false;
    },
    wantsResponse: (k, v) => responseHasAddresses(k, v),
    onResponse(ctx, msg) {
      const { apiKey, apiVersion } = ctx.header;
      for (const e of endpointsOf(apiKey, apiVersion, msg as Record<string, unknown>)) {
        seen.push({ apiKey, apiVersion, nodeId: e.nodeId ?? e.brokerId ?? -1, host: e.host, port: e.port });
      }
      return false;
    },
  };
  const config = applyConfig(DEFAULT_CONFIG, { bootstrapPort: 0, target: opts.target ?? info.bootstrap, logLevel: "warn" });
  const proxy = new KsealProxy({ config, filters: [audit], logger: pino({ level: process.env.KSEAL_LOG_LEVEL ?? "warn" }) });
  await proxy.start();
  t.teardown(() => proxy.stop());
  return { proxy, bootstrap: proxy.bootstrapAddress, seen, requests };
}

/**
 * Checks that clients were only ever told about proxy addresses and only connected to proxy
 * listeners, and that the proxy only dialed real brokers.
 */
export function checkOnlyProxyAddresses(
  t: Test,
  tp: TestProxy,
  info: ClusterInfo,
  opts: { minNodePortsUsed?: number } = {},
): void {
  const proxyPorts = new Set(tp.proxy.listeningPorts());
  const realPorts = new Set(info.brokers.map((b) => b.port));
  const bad = tp.seen.filter((a) => a.nodeId >= 0 && (a.host !== "127.0.0.1" || !proxyPorts.has(a.port) || realPorts.has(a.port)));
  t.ok(tp.seen.length > 0, `clients received ${tp.seen.length} broker addresses`);
  t.same(bad, [], "every broker address sent to clients is a proxy listener");
  for (const a of tp.seen) {
    if (a.nodeId >= 0 && tp.proxy.state.nodes.portOf(a.nodeId) !== a.port) {
      t.fail(`node ${a.nodeId} advertised on ${a.port}, mapped to ${tp.proxy.state.nodes.portOf(a.nodeId)}`);
    }
  }
  const accepted = tp.proxy.stats.acceptedByPort;
  const nodePortsUsed = [...accepted.keys()].filter((p) => p !== tp.proxy.bootstrapPort).length;
  t.ok(nodePortsUsed >= (opts.minNodePortsUsed ?? 1), `clients connected to ${nodePortsUsed} node ports (${JSON.stringify([...accepted])})`);
  for (const p of accepted.keys()) t.ok(proxyPorts.has(p), `accepted connections only on proxy port ${p}`);
  const realAddrs = new Set(info.brokers.map((b) => `${b.host}:${b.port}`));
  const strange = tp.proxy.stats.upstreamDials.filter((d) => !realAddrs.has(d));
  t.same(strange, [], "the proxy dialed only real brokers");
  // Node ids keep their real addresses: port N forwards to node N.
  for (const e of tp.proxy.state.nodes.entries()) {
    const b = info.brokers.find((x) => x.nodeId === e.nodeId);
    t.same(e.upstream, b && { host: b.host, port: b.port }, `node ${e.nodeId} → its own broker`);
  }
}
