/**
 * "Port identifies node": every broker node id the proxy learns of gets its own proxy port, and
 * a client connection on that port is forwarded to that node's real address.
 *
 * Ports are assigned when a node id is first seen (in a Metadata, DescribeCluster,
 * FindCoordinator or NodeEndpoints response) and never change for the life of the process:
 * - range mode: base + index, indices handed out in node-id order within each batch of newly
 *   seen ids (a cluster's first Metadata lists all brokers, so ids 1,2,3 get base, base+1, base+2);
 * - ephemeral mode: the OS picks a free port when the listener is bound.
 * The listener is bound before `learn` resolves, so a rewritten response never names a port that
 * is not accepting yet.
 */
import type { HostPort } from "../config/proxy-config.js";

export interface NodeAddress {
  nodeId: number;
  host: string;
  port: number;
}

/** Binds a listener for a node on `port` (0 = ephemeral) and resolves with the bound port. */
export type BindNodeListener = (nodeId: number, port: number) => Promise<number>;

export class NodePorts {
  private readonly upstream = new Map<number, HostPort>();
  private readonly ports = new Map<number, Promise<number>>();
  private readonly bound = new Map<number, number>();
  private readonly nodeByPort = new Map<number, number>();
  private nextIndex = 0;

  constructor(
    private readonly mode: "range" | "ephemeral",
    private readonly base: number,
    private readonly bind: BindNodeListener,
  ) {}

  /** Records nodes' real addresses and makes sure each has a bound proxy port. */
  async learn(nodeList: Iterable<NodeAddress>): Promise<void> {
    const nodes = [...nodeList];
    const fresh: number[] = [];
    for (const n of nodes) {
      if (n.nodeId < 0 || n.port <= 0 || n.port > 65535) continue;
      this.upstream.set(n.nodeId, { host: n.host, port: n.port });
      if (!this.ports.has(n.nodeId) && !fresh.includes(n.nodeId)) fresh.push(n.nodeId);
    }
    fresh.sort((a, b) => a - b);
    for (const id of fresh) {
      const wanted = this.mode === "range" ? this.base + this.nextIndex++ : 0;
      const p = this.bind(id, wanted).then((port) => {
        this.bound.set(id, port);
        this.nodeByPort.set(port, id);
        return port;
      });
      // A failed bind is retried the next time the node is seen.
      p.catch(() => this.ports.delete(id));
      this.ports.set(id, p);
    }
    const waits: Promise<number>[] = [];
    for (const n of nodes) {
      const p = this.ports.get(n.nodeId);
      if (p) waits.push(p);
    }
    await Promise.all(waits);
  }

  /** The bound proxy port of a node, once `learn` has resolved for it. */
  portOf(nodeId: number): number | undefined {
    return this.bound.get(nodeId);
  }

  upstreamOf(nodeId: number): HostPort | undefined {
    return this.upstream.get(nodeId);
  }

  nodeOfPort(port: number): number | undefined {
    return this.nodeByPort.get(port);
  }

  /** nodeId → proxy port of every bound node. */
  entries(): Array<{ nodeId: number; port: number; upstream: HostPort | undefined }> {
    return [...this.bound].map(([nodeId, port]) => ({ nodeId, port, upstream: this.upstream.get(nodeId) }));
  }
}
