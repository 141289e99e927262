/**
 * "SNI identifies node": one TLS port for the whole cluster. The TLS server name a client sends
 * picks the upstream: the bootstrap name goes to any target broker, a name made from the broker
 * pattern (e.g. broker-$(nodeId).kafka.example.com) goes to that node. Rewritten responses name
 * each node by its pattern host on the one advertised port, so clients only ever dial names
 * that resolve to the proxy (a wildcard DNS record and a wildcard certificate cover them all).
 *
 * YAML (needs tls:):
 *   sni:
 *     bootstrapHost: bootstrap.kafka.example.com
 *     brokerHostPattern: broker-$(nodeId).kafka.example.com
 *     advertisedPort: 9092        # default: the listening bootstrapPort (differs behind a NAT/LB)
 */
import { KsealError } from "../errors.js";

export const NODE_ID_PLACEHOLDER = "$(nodeId)";

export interface SniConfig {
  bootstrapHost: string;
  brokerHostPattern: string;
  advertisedPort?: number;
}

export type SniTarget = { kind: "bootstrap" } | { kind: "node"; nodeId: number };

const HOST_RE = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

function invalid(detail: string): KsealError {
  return new KsealError("CONFIG_INVALID", detail);
}

export function parseSniConfig(v: unknown): SniConfig {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw invalid("sni must be a mapping");
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!["bootstrapHost", "brokerHostPattern", "advertisedPort"].includes(k)) throw invalid(`unknown key sni.${k}`);
  const bootstrapHost = o.bootstrapHost;
  if (typeof bootstrapHost !== "string" || !HOST_RE.test(bootstrapHost)) throw invalid("sni.bootstrapHost must be a DNS host name");
  const pattern = o.brokerHostPattern;
  if (typeof pattern !== "string" || pattern.split(NODE_ID_PLACEHOLDER).length !== 2) {
    throw invalid(`sni.brokerHostPattern must contain ${NODE_ID_PLACEHOLDER} exactly once`);
  }
  if (!HOST_RE.test(pattern.replace(NODE_ID_PLACEHOLDER, "0"))) throw invalid("sni.brokerHostPattern must make DNS host names");
  const c: SniConfig = { bootstrapHost, brokerHostPattern: pattern };
  if (o.advertisedPort !== undefined) {
    const p = o.advertisedPort;
    if (typeof p !== "number" || !Number.isInteger(p) || p < 1 || p > 65535) throw invalid("sni.advertisedPort must be an integer port");
    c.advertisedPort = p;
  }
  if (new SniRouter({ ...c, bootstrapHost: "bootstrap.invalid" }).route(bootstrapHost)?.kind === "node") throw invalid("sni.bootstrapHost must not match sni.brokerHostPattern");
  return c;
}

export class SniRouter {
  private readonly nodeRe: RegExp;
  private readonly bootstrap: string;

  constructor(private readonly c: SniConfig) {
    const [pre, post] = c.brokerHostPattern.split(NODE_ID_PLACEHOLDER) as [string, string];
    const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    this.nodeRe = new RegExp(`^${esc(pre)}(0|[1-9][0-9]{0,9})${esc(post)}$`, "i");
    this.bootstrap = c.bootstrapHost.toLowerCase();
  }

  /** The upstream a TLS server name selects; undefined = no such name (the connection is refused). */
  route(serverName: string | false | undefined | null): SniTarget | undefined {
    if (!serverName) return undefined;
    const name = serverName.toLowerCase().replace(/\.$/, "");
    if (name === this.bootstrap) return { kind: "bootstrap" };
    const m = this.nodeRe.exec(name);
    if (!m) return undefined;
    const id = Number(m[1]);
    return id <= 0x7fffffff ? { kind: "node", nodeId: id } : undefined;
  }

  hostOf(nodeId: number): string {
    return this.c.brokerHostPattern.replace(NODE_ID_PLACEHOLDER, String(nodeId));
  }
}
