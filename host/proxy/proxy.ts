/**
 * One proxy instance = one virtual cluster: a bootstrap listener, one listener per broker node
 * (bound when the node is first seen), the shared topic map and node table, and the filters.
 */
import net from "node:net";
import tls from "node:tls";
import type { Logger } from "pino";
import type { ApiCodec } from "../protocol/codec.js";
import { nodePortBase, type HostPort, type ProxyConfig } from "../config/proxy-config.js";
import { log as rootLog } from "../log.js";
import { createAddressRewriter } from "./address-rewriter.js";
import { proxyCodecFor } from "./codecs.js";
import { ClientConnection, type ConnectionHost, type ConnectionTarget } from "./connection.js";
import type { ProxyFilter, ProxyState } from "./filter.js";
import { NodePorts } from "./node-ports.js";
import type { ProxyObserver } from "./observer.js";
import { downstreamServerOptions, upstreamTlsDialer } from "../tls/tls-sockets.js";
import { SniRouter } from "./sni-routing.js";
import { TopicMap } from "./topic-map.js";

export interface ProxyOptions {
  config: ProxyConfig;
  /**
   * Extra filters. Requests pass them in this order, then the built-in address rewriter;
   * responses pass the rewriter first (closest to the broker), then these in reverse order, so
   * they see responses as the client will.
   */
  filters?: ProxyFilter[];
  logger?: Logger;
  /** Receives traffic events for metrics (host/admin/proxy-metrics.ts). */
  observer?: ProxyObserver;
  /** Override of the protocol codec lookup (tests). */
  codecFor?: (apiKey: number) => ApiCodec<unknown, unknown> | undefined;
}

export interface ProxyStats {
  /** Client connections accepted, by proxy port. */
  acceptedByPort: Map<number, number>;
  /** Every broker address the proxy dialed, "host:port", in order. */
  upstreamDials: string[];
}

export class KsealProxy implements ConnectionHost {
  readonly state: ProxyState;
  readonly filters: readonly ProxyFilter[];
  readonly limits: ProxyConfig["limits"];
  readonly log: Logger;
  readonly observer: ProxyObserver | undefined;
  readonly dialUpstream: ((addr: HostPort, timeoutMs: number) => Promise<net.Socket>) | undefined;
  private readonly tlsOptions: tls.TlsOptions | undefined;
  /** Set in "SNI identifies node" mode: one listener, the TLS server name picks the node. */
  private readonly sni: SniRouter | undefined;
  readonly stats: ProxyStats = { acceptedByPort: new Map(), upstreamDials: [] };
  private readonly servers = new Map<net.Server, number | "bootstrap">();
  private readonly connections = new Set<ClientConnection>();
  private bootstrapServer: net.Server | undefined;
  private nextTarget = 0;
  private stopping = false;
  private readonly lookup: (apiKey: number) => ApiCodec<unknown, unknown> | undefined;

  constructor(private readonly opts: ProxyOptions) {
    const c = opts.config;
    this.log = opts.logger ?? rootLog;
    this.limits = c.limits;
    this.lookup = opts.codecFor ?? proxyCodecFor;
    this.observer = opts.observer;
    this.tlsOptions = c.tls ? downstreamServerOptions(c.tls) : undefined;
    this.dialUpstream = c.upstreamTls ? upstreamTlsDialer(c.upstreamTls) : undefined;
    this.sni = c.sni ? new SniRouter(c.sni) : undefined;
    // SNI mode binds no node listeners: every node is advertised on the one port under its own name.
    const bind = this.sni ? async () => c.sni!.advertisedPort ?? this.bootstrapPort : (id: number, port: number) => this.bindNode(id, port);
    const nodes = new NodePorts(c.nodePorts === "ephemeral" || c.bootstrapPort === 0 ? "ephemeral" : "range", nodePortBase(c), bind);
    const sni = this.sni;
    this.state = sni
      ? { topics: new TopicMap(), nodes, advertisedHost: c.sni!.bootstrapHost, nodeHost: (id) => sni.hostOf(id) }
      : { topics: new TopicMap(), nodes, advertisedHost: c.advertisedHost };
    const rewriter = createAddressRewriter({ codecRange: (k) => this.lookup(k) });
    this.filters = [...(opts.filters ?? []), rewriter];
  }

  codecFor(apiKey: number): ApiCodec<unknown, unknown> | undefined {
    return this.lookup(apiKey);
  }

  /** Binds the bootstrap listener. */
  async start(): Promise<void> {
    const c = this.opts.config;
    this.bootstrapServer = await this.listen(c.bootstrapPort, { kind: "bootstrap" });
    this.log.info(
      { listen: `${c.listenHost}:${this.bootstrapPort}`, nodePorts: c.nodePorts === "ephemeral" || c.bootstrapPort === 0 ? "ephemeral" : `${nodePortBase(c)}+`, target: c.target.map((t) => `${t.host}:${t.port}`).join(",") },
      "kseal proxy listening",
    );
  }

  get bootstrapPort(): number {
    const a = this.bootstrapServer?.address();
    if (!a || typeof a === "string") throw new Error("proxy not started");
    return a.port;
  }

  /** "host:port" a client uses as bootstrap.servers. */
  get bootstrapAddress(): string {
    if (this.opts.config.sni) return `${this.opts.config.sni.bootstrapHost}:${this.opts.config.sni.advertisedPort ?? this.bootstrapPort}`;
    return `${this.opts.config.advertisedHost}:${this.bootstrapPort}`;
  }

  /** Every port the proxy listens on (bootstrap first). */
  listeningPorts(): number[] {
    if (this.sni) return [this.bootstrapPort];
    return [this.bootstrapPort, ...this.state.nodes.entries().map((e) => e.port)];
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  upstreamCandidates(target: ConnectionTarget): HostPort[] {
    if (target.kind === "node") {
      const a = this.state.nodes.upstreamOf(target.nodeId);
      return a ? [a] : [];
    }
    // Bootstrap: any target broker; start at a rotating index, fall back to the others.
    const t = this.opts.config.target;
    const start = this.nextTarget++ % t.length;
    return [...t.slice(start), ...t.slice(0, start)];
  }

  onUpstreamDial(addr: HostPort): void {
    this.stats.upstreamDials.push(`${addr.host}:${addr.port}`);
  }

  onClosed(conn: ClientConnection): void {
    if (this.connections.delete(conn)) this.observer?.connectionClosed(listenerLabel(conn.target));
  }

  /** True once stop() or drain() has begun. */
  get isStopping(): boolean {
    return this.stopping;
  }

  /**
   * Graceful stop: closes the listeners (no new connections), lets every connection finish the
   * requests it already forwarded, and after `deadlineMs` closes whatever is left.
   * Resolves with how many connections finished cleanly and how many were cut at the deadline.
   */
  async drain(deadlineMs: number = this.limits.shutdownDrainMs): Promise<{ drained: number; cut: number }> {
    if (this.stopping) return { drained: 0, cut: 0 };
    this.stopping = true;
    const closing = [...this.servers.keys()].map((s) => new Promise<void>((r) => s.close(() => r())));
    const conns = [...this.connections];
    this.log.info({ connections: conns.length, deadlineMs }, "draining: listeners closed, finishing in-flight requests");
    let drained = 0;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((r) => {
      timer = setTimeout(r, deadlineMs);
    });
    await Promise.race([Promise.all(conns.map((c) => c.drain().then(() => drained++))), deadline]);
    clearTimeout(timer);
    const left = [...this.connections];
    for (const c of left) c.close();
    await Promise.all(closing);
    this.log.info({ drained, cut: left.length }, "kseal proxy stopped");
    return { drained, cut: left.length };
  }

  /** Stops listening and closes every connection. */
  async stop(): Promise<void> {
    if (this.stopping) {
      // Already draining: cut the connections that are still finishing.
      for (const c of [...this.connections]) c.close();
      return;
    }
    this.stopping = true;
    const closing = [...this.servers.keys()].map((s) => new Promise<void>((r) => s.close(() => r())));
    for (const c of [...this.connections]) c.close();
    await Promise.all(closing);
    this.log.info("kseal proxy stopped");
  }

  private async bindNode(nodeId: number, port: number): Promise<number> {
    if (this.stopping) throw new Error("proxy is stopping");
    const server = await this.listen(port, { kind: "node", nodeId });
    const a = server.address() as net.AddressInfo;
    this.log.info({ nodeId, listen: `${this.opts.config.listenHost}:${a.port}` }, "node listener bound");
    return a.port;
  }

  private listen(port: number, target: ConnectionTarget): Promise<net.Server> {
    return new Promise((resolve, reject) => {
      const onSocket = (sock: net.Socket) => this.accept(sock, target, server);
      const server: net.Server = this.tlsOptions ? tls.createServer({ ...this.tlsOptions, noDelay: true }, onSocket) : net.createServer({ noDelay: true }, onSocket);
      if (this.tlsOptions) {
        server.on("tlsClientError", (e) => {
          this.observer?.connectionError("TLS_HANDSHAKE");
          this.log.debug({ err: e.message }, "client TLS handshake failed");
        });
      }
      server.once("error", reject);
      server.listen({ host: this.opts.config.listenHost, port }, () => {
        server.off("error", reject);
        if (this.stopping) {
          // stop() ran while this node listener was binding: it must not outlive the proxy.
          server.close();
          reject(new Error("proxy is stopping"));
          return;
        }
        server.on("error", (e) => this.log.error({ err: e.message }, "listener error"));
        this.servers.set(server, target.kind === "node" ? target.nodeId : "bootstrap");
        resolve(server);
      });
    });
  }

  private accept(sock: net.Socket, target: ConnectionTarget, server: net.Server): void {
    if (this.stopping) {
      sock.destroy();
      return;
    }
    if (this.sni) {
      const name = (sock as tls.TLSSocket).servername;
      const routed = this.sni.route(name);
      if (!routed) {
        this.observer?.connectionError("SNI_UNKNOWN_NAME");
        this.log.debug({ serverName: name || null }, "TLS server name names no bootstrap or broker; connection refused");
        sock.destroy();
        return;
      }
      target = routed;
    }
    const port = (server.address() as net.AddressInfo).port;
    this.stats.acceptedByPort.set(port, (this.stats.acceptedByPort.get(port) ?? 0) + 1);
    const conn = new ClientConnection(this, sock, target);
    this.connections.add(conn);
    this.observer?.connectionOpened(listenerLabel(target));
    conn.start();
  }
}

function listenerLabel(t: ConnectionTarget): string {
  return t.kind === "node" ? `node-${t.nodeId}` : "bootstrap";
}
