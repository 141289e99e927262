/**
 * One client connection and its own upstream broker connection.
 *
 * Requests: frame → header peek → (local answer | decode + filters + re-encode | opaque) →
 * upstream, in arrival order. Every request that expects a response reserves a slot in the
 * response queue when it is read (Produce acks=0 does not: the broker sends nothing).
 * Responses: frame → matched to the oldest request awaiting the broker (brokers answer in order)
 * → (decode + filters + re-encode | opaque) → its slot; slots are written to the client in order.
 *
 * Resources: the broker connection is dialed when the first complete request arrives, so an idle
 * client costs one socket and no broker connection. Reading from the client stops while the
 * broker or the client cannot take more bytes, or maxInFlightPerConnection requests await
 * responses; reading from the broker stops while the client's write buffer is full. A request
 * frame that arrives too slowly, and a connection idle for too long, are closed (host/limits.ts).
 */
import net from "node:net";
import type { Logger } from "pino";
import type { ApiCodec } from "../protocol/codec.js";
import type { HostPort, ProxyLimits } from "../config/proxy-config.js";
import { KsealError, isKsealError } from "../errors.js";
import { LIMITS } from "../limits.js";
import { FrameReader } from "../protocol/frame-reader.js";
import { API } from "./api-keys.js";
import type { FilterContext, ProxyFilter, ProxyState, RequestHeaderInfo } from "./filter.js";
import {
  createFrameSplitter,
  looksLikeKafkaRequest,
  parseRequestHeader,
  peekRequest,
  produceAcks,
  responseBodyStart,
  sizePrefix,
  type FrameSplitter,
} from "./protocol-adapter.js";
import type { ProxyObserver } from "./observer.js";
import { ResponseQueue, type Frame, type Slot } from "./response-queue.js";
import { unsupportedApiVersionsResponse } from "./local-responses.js";

export type ConnectionTarget = { kind: "bootstrap" } | { kind: "node"; nodeId: number };

/** What a connection needs from its proxy. */
export interface ConnectionHost {
  readonly state: ProxyState;
  /** Filters in request order. */
  readonly filters: readonly ProxyFilter[];
  readonly limits: ProxyLimits;
  readonly log: Logger;
  codecFor(apiKey: number): ApiCodec<unknown, unknown> | undefined;
  /** Upstream addresses to try, in order. */
  upstreamCandidates(target: ConnectionTarget): HostPort[];
  onUpstreamDial(addr: HostPort): void;
  onClosed(conn: ClientConnection): void;
  readonly observer?: ProxyObserver;
  /** Dials one upstream address (TLS or plain); undefined = plain TCP. */
  readonly dialUpstream?: (addr: HostPort, timeoutMs: number) => Promise<net.Socket>;
}

interface Pending {
  /** raw = a headerless SASL token after SaslHandshake v0; its reply is a raw frame too. */
  kind: "kafka" | "raw";
  header: RequestHeaderInfo;
  decodeResponse: boolean;
  slot?: Slot<Pending>;
  /** performance.now() when the request was read (for the latency metric). */
  readAt?: number;
  /** Size of its response frame as read from the broker, counted until it is written. */
  responseBytes?: number;
}

type PauseReason = "connecting" | "in-flight" | "upstream-full" | "client-full" | "requests" | "draining";
/** Why the broker socket is not being read. */
type UpstreamPause = "client-full" | "responses";

let nextConnectionId = 1;

/** Bytes held in incomplete client frames over every connection (LIMITS.clientPartialFramesMaxBytes). */
const partialFrames = { bytes: 0, holders: new Set<ClientConnection>() };

/** Bytes the process holds in incomplete client request frames now (for tests and metrics). */
export function partialFrameBytes(): number {
  return partialFrames.bytes;
}

export class ClientConnection {
  readonly id = nextConnectionId++;
  private upstream: net.Socket | undefined;
  private readonly queue: ResponseQueue<Pending>;
  /** Requests sent upstream whose response has not arrived, oldest first. */
  private readonly awaiting: Pending[] = [];
  private readonly clientFrames: FrameReader;
  private clientFrameError: KsealError | undefined;
  private readonly upstreamFrames: FrameSplitter;
  private dialed = false;
  /** Runs while a client frame is partly received; see LIMITS.clientFrameWindowMs. */
  private frameTimer: NodeJS.Timeout | undefined;
  private windowBytes = 0;
  private windowFrames = 0;
  /** This connection's share of partialFrames.bytes. */
  private partialBytes = 0;
  private readonly upstreamPaused = new Set<UpstreamPause>();
  /** Bytes of responses read from the broker and not yet written to the client. */
  private pendingResponseBytes = 0;
  /** Bytes of requests read from the client and waiting for request filters before going upstream. */
  private pendingRequestBytes = 0;
  /** Requests go upstream in order; this chain forwards each once its filters and those of the requests before it are done. */
  private chain: Promise<void> = Promise.resolve();
  private chainDepth = 0;
  /** Request filters started and not finished (at most LIMITS.requestFiltersPerConnection start early). */
  private filtersRunning = 0;
  private saslRaw = false;
  private closed = false;
  private readonly paused = new Set<PauseReason>();
  /** Client frames read but not yet handled because the in-flight cap was reached. */
  private readonly held: Buffer[] = [];
  private childLog: Logger | undefined;

  constructor(
    private readonly host: ConnectionHost,
    private readonly client: net.Socket,
    readonly target: ConnectionTarget,
  ) {
    this.queue = new ResponseQueue<Pending>((out, p) => this.writeClient(out, p));
    this.clientFrames = new FrameReader({
      maxFrameBytes: host.limits.maxFrameBytes,
      onFrame: (f) => {
        this.windowFrames++;
        this.held.push(f);
      },
      onError: (e) => {
        this.clientFrameError = e;
      },
    });
    this.upstreamFrames = createFrameSplitter(host.limits.maxFrameBytes);
  }

  /** Created on first use: most connections never log, and a child logger costs about 1 KiB. */
  private get log(): Logger {
    this.childLog ??= this.host.log.child({ conn: this.id, node: this.target.kind === "node" ? this.target.nodeId : "bootstrap" });
    return this.childLog;
  }

  get inFlight(): number {
    return this.queue.size;
  }

  start(): void {
    const c = this.client;
    c.setNoDelay(true);
    c.setTimeout(LIMITS.clientIdleTimeoutMs);
    c.on("timeout", () => this.onIdle());
    c.on("data", (chunk: Buffer) => this.onClientData(chunk));
    c.on("error", (e) => this.log.debug({ err: e.message }, "client socket error"));
    c.on("close", () => this.close());
    c.on("drain", () => {
      this.resumeUpstream("client-full");
      this.resume("client-full");
    });
  }

  /** Dials the broker once, when the first request is in hand; requests wait in `held` meanwhile. */
  private dialUpstreamOnce(): void {
    if (this.dialed) return;
    this.dialed = true;
    this.pause("connecting");
    this.connectUpstream().then(
      (sock) => {
        if (this.closed) {
          sock.destroy();
          return;
        }
        this.upstream = sock;
        if (this.upstreamPaused.size > 0) sock.pause();
        sock.on("data", (chunk: Buffer) => this.onUpstreamData(chunk));
        sock.on("error", (e) => this.log.debug({ err: e.message }, "broker socket error"));
        sock.on("close", () => {
          if (this.closed) return;
          this.log.info("broker closed the connection; closing the client connection");
          this.closed = true;
          this.stopFrameTimer();
          this.countPartial(0);
          this.client.end();
          // A client that never closes its side must not keep the socket forever.
          setTimeout(() => this.client.destroy(), LIMITS.clientEndGraceMs).unref();
          this.host.onClosed(this);
        });
        sock.on("drain", () => this.resume("upstream-full"));
        this.resume("connecting");
      },
      (e: unknown) => {
        this.log.warn({ err: errText(e) }, "cannot reach broker; closing the client connection");
        this.close();
      },
    );
  }

  /**
   * Graceful close: reads no further requests, lets every request already forwarded get its
   * response written, then ends the client side. Requests read but not yet forwarded (held by
   * the in-flight cap) are dropped: the broker never saw them, so the client retries them.
   * Resolves when the connection is closed; the caller enforces a deadline with close().
   */
  drain(pollMs = 20): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.pause("draining");
    this.held.length = 0;
    return new Promise((resolve) => {
      const check = () => {
        if (this.closed) {
          resolve();
          return;
        }
        if (this.queue.size === 0 && this.chainDepth === 0 && this.client.writableLength === 0) {
          this.closed = true;
          this.stopFrameTimer();
          this.countPartial(0);
          this.client.end();
          this.upstream?.destroy();
          setTimeout(() => this.client.destroy(), LIMITS.clientEndGraceMs).unref();
          this.host.onClosed(this);
          resolve();
          return;
        }
        setTimeout(check, pollMs);
      };
      check();
    });
  }

  /** Closes both sides now. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopFrameTimer();
    this.countPartial(0);
    this.client.destroy();
    this.upstream?.destroy();
    this.host.onClosed(this);
  }

  private fail(reason: string, e?: unknown): void {
    if (this.closed) return;
    this.host.observer?.connectionError(isKsealError(e) ? e.code : "OTHER");
    this.log.warn({ reason, err: e === undefined ? undefined : errText(e) }, "closing connection");
    this.close();
  }

  private pause(r: PauseReason): void {
    if (this.paused.size === 0) this.client.pause();
    this.paused.add(r);
  }

  private resume(r: PauseReason): void {
    if (!this.paused.delete(r) || this.closed) return;
    if (r === "in-flight" || r === "connecting") this.drainHeld();
    if (this.paused.size === 0 && !this.closed) this.client.resume();
  }

  private pauseUpstream(r: UpstreamPause): void {
    if (this.upstreamPaused.size === 0) this.upstream?.pause();
    this.upstreamPaused.add(r);
  }

  private resumeUpstream(r: UpstreamPause): void {
    if (!this.upstreamPaused.delete(r) || this.closed) return;
    if (this.upstreamPaused.size === 0) this.upstream?.resume();
  }

  private async connectUpstream(): Promise<net.Socket> {
    const candidates = this.host.upstreamCandidates(this.target);
    if (candidates.length === 0) {
      throw new KsealError("UNKNOWN_NODE", this.target.kind === "node" ? `node ${this.target.nodeId}` : "no targets");
    }
    let last: unknown;
    for (const addr of candidates) {
      if (this.closed) break;
      try {
        this.host.onUpstreamDial(addr);
        const timeout = this.host.limits.upstreamConnectTimeoutMs;
        return await (this.host.dialUpstream ? this.host.dialUpstream(addr, timeout) : dial(addr, timeout));
      } catch (e) {
        last = e;
        this.log.debug({ upstream: `${addr.host}:${addr.port}`, err: errText(e) }, "broker dial failed");
      }
    }
    throw new KsealError("UPSTREAM_UNAVAILABLE", candidates.map((a) => `${a.host}:${a.port}`).join(","), { cause: last });
  }

  // ---- requests ----

  private onClientData(chunk: Buffer): void {
    if (this.closed) return;
    this.host.observer?.bytes("client_in", chunk.length);
    this.windowBytes += chunk.length;
    this.clientFrames.push(chunk);
    if (this.clientFrameError) {
      this.fail("bad frame from client", this.clientFrameError);
      return;
    }
    if (this.clientFrames.inFrame) this.startFrameTimer();
    else this.stopFrameTimer();
    this.countPartial(this.clientFrames.bufferedBytes);
    if (partialFrames.bytes > LIMITS.clientPartialFramesMaxBytes) {
      enforcePartialFrameBudget();
      if (this.closed) return;
    }
    if (this.held.length > 0 && !this.dialed) this.dialUpstreamOnce();
    this.drainHeld();
  }

  private startFrameTimer(): void {
    if (this.frameTimer !== undefined) return;
    this.windowBytes = 0;
    this.windowFrames = 0;
    this.frameTimer = setTimeout(() => this.onFrameWindow(), LIMITS.clientFrameWindowMs).unref();
  }

  private stopFrameTimer(): void {
    if (this.frameTimer === undefined) return;
    clearTimeout(this.frameTimer);
    this.frameTimer = undefined;
  }

  /** End of a window with a partial client frame: it must have grown enough, or frames completed. */
  private onFrameWindow(): void {
    this.frameTimer = undefined;
    if (this.closed || !this.clientFrames.inFrame) return;
    // A window in which the proxy paused reading is the proxy's doing, not the client's.
    const progressed = this.windowBytes >= LIMITS.clientFrameMinBytesPerWindow || this.windowFrames > 0 || this.paused.size > 0;
    if (!progressed) {
      const detail = `${this.windowBytes} bytes in ${LIMITS.clientFrameWindowMs} ms, ${this.clientFrames.bufferedBytes} of a frame held`;
      this.fail("request frame arrived too slowly", new KsealError("FRAME_TIMEOUT", detail));
      return;
    }
    this.startFrameTimer();
  }

  private countPartial(bytes: number): void {
    partialFrames.bytes += bytes - this.partialBytes;
    this.partialBytes = bytes;
    if (bytes > 0) partialFrames.holders.add(this);
    else partialFrames.holders.delete(this);
  }

  /** Closes this connection because its partial frame is the largest while the budget is exceeded. */
  evictForBudget(): void {
    const detail = `${this.partialBytes} bytes of an incomplete frame; ${partialFrames.bytes} held over all connections, limit ${LIMITS.clientPartialFramesMaxBytes}`;
    this.fail("incomplete request frames over the memory limit", new KsealError("CLIENT_MEMORY_LIMIT", detail));
  }

  get partialFrameBytes(): number {
    return this.partialBytes;
  }

  /** The client socket saw no traffic for LIMITS.clientIdleTimeoutMs. */
  private onIdle(): void {
    if (this.closed || this.queue.size > 0 || this.chainDepth > 0 || this.held.length > 0) return;
    this.log.debug({ idleMs: LIMITS.clientIdleTimeoutMs }, "idle client connection closed");
    this.close();
  }

  /** Handles held client frames until the in-flight cap is reached (or the broker is not dialed yet). */
  private drainHeld(): void {
    while (this.held.length > 0 && !this.closed && !this.paused.has("in-flight") && !this.paused.has("connecting")) {
      const f = this.held.shift()!;
      try {
        this.onClientFrame(f);
      } catch (e) {
        this.fail("bad request from client", e);
        return;
      }
    }
  }

  private onClientFrame(frame: Buffer): void {
    if (this.saslRaw) {
      if (!looksLikeKafkaRequest(frame)) {
        this.host.observer?.request(-1, -1);
        const p: Pending = { kind: "raw", header: { apiKey: -1, apiVersion: -1, correlationId: -1, clientId: null }, decodeResponse: false };
        this.reserve(p);
        this.forward(frame, p);
        return;
      }
      this.saslRaw = false;
    }
    const { apiKey, apiVersion, correlationId } = peekRequest(frame);
    this.host.observer?.request(apiKey, apiVersion);
    const codec = this.host.codecFor(apiKey);
    const inCodec = codec !== undefined && apiVersion >= codec.minVersion && apiVersion <= codec.maxVersion;
    const filters = this.host.filters;
    const wantsReq = filters.some((f) => f.wantsRequest?.(apiKey, apiVersion));
    const wantsRes = filters.some((f) => f.wantsResponse?.(apiKey, apiVersion));

    if (apiKey === API.ApiVersions && codec !== undefined && apiVersion > codec.maxVersion) {
      // As a broker does (KIP-511): answer in the v0 format with UNSUPPORTED_VERSION and our range,
      // so the client retries with a version we can decode.
      const p: Pending = { kind: "kafka", header: { apiKey, apiVersion, correlationId, clientId: null }, decodeResponse: false };
      const slot = this.reserve(p);
      const body = unsupportedApiVersionsResponse(codec);
      const header = Buffer.alloc(4);
      header.writeInt32BE(correlationId, 0);
      this.queue.complete(slot, [[header, body]]);
      return;
    }
    if ((wantsReq || wantsRes) && !inCodec) {
      // Fail closed: an API we must rewrite at a version we cannot decode would leak addresses.
      throw new KsealError("UNSUPPORTED_VERSION", `api ${apiKey} v${apiVersion}`);
    }
    const expectsResponse = apiKey !== API.Produce || produceAcks(frame, apiVersion) !== 0;
    let clientId: string | null = null;
    let bodyStart = -1;
    if (wantsReq || wantsRes) {
      ({ clientId, bodyStart } = parseRequestHeader(frame, apiVersion >= codec!.flexibleFrom));
    }
    const p: Pending = { kind: "kafka", header: { apiKey, apiVersion, correlationId, clientId }, decodeResponse: wantsRes };
    if (expectsResponse) this.reserve(p);
    if (apiKey === API.SaslHandshake && apiVersion === 0) this.saslRaw = true;

    if (!wantsReq && this.chainDepth === 0) {
      this.forward(frame, expectsResponse ? p : undefined);
      return;
    }
    this.chainDepth++;
    this.pendingRequestBytes += frame.length;
    // Requests waiting for filters (a KMS call, the sandbox) are held in memory: stop reading more.
    if (this.pendingRequestBytes > LIMITS.maxPendingRequestBytesPerConnection) this.pause("requests");
    const done = () => {
      this.chainDepth--;
      this.pendingRequestBytes -= frame.length;
      if (this.pendingRequestBytes <= LIMITS.maxPendingRequestBytesPerConnection) this.resume("requests");
    };
    // Filters start at once (up to a limit), so concurrent requests keep every sandbox worker
    // busy; only the forwarding waits for the requests before it, which keeps the client's order
    // upstream.
    const filter = () => this.filterRequest(frame, bodyStart, p.header, codec!);
    const early = wantsReq && this.filtersRunning < LIMITS.requestFiltersPerConnection ? filter() : undefined;
    early?.catch(() => {}); // handled in order by the chain below
    this.chain = this.chain
      .then(async () => {
        const out = early ? await early : wantsReq ? await filter() : frame;
        this.forward(out, expectsResponse ? p : undefined);
      })
      .then(done, (e) => {
        done();
        this.fail("request filter failed", e);
      });
  }

  private reserve(p: Pending): Slot<Pending> {
    if (this.host.observer) p.readAt = performance.now();
    const slot = this.queue.reserve(p);
    p.slot = slot;
    if (this.queue.size >= this.host.limits.maxInFlightPerConnection) this.pause("in-flight");
    return slot;
  }

  private async filterRequest(frame: Buffer, bodyStart: number, header: RequestHeaderInfo, codec: ApiCodec<unknown, unknown>): Promise<Frame> {
    this.filtersRunning++;
    try {
      return await this.runRequestFilters(frame, bodyStart, header, codec);
    } finally {
      this.filtersRunning--;
    }
  }

  private async runRequestFilters(frame: Buffer, bodyStart: number, header: RequestHeaderInfo, codec: ApiCodec<unknown, unknown>): Promise<Frame> {
    const msg = codec.decodeRequest(frame.subarray(bodyStart), header.apiVersion);
    const ctx = this.context(header);
    let changed = false;
    for (const f of this.host.filters) {
      if (f.onRequest && f.wantsRequest?.(header.apiKey, header.apiVersion)) {
        if (await f.onRequest(ctx, msg)) changed = true;
      }
    }
    if (!changed) return frame;
    const head = frame.subarray(0, bodyStart);
    return codec.encodeRequestParts ? [head, ...codec.encodeRequestParts(msg, header.apiVersion)] : [head, codec.encodeRequest(msg, header.apiVersion)];
  }

  private forward(frame: Frame, p: Pending | undefined): void {
    if (this.closed || !this.upstream) return;
    if (p) this.awaiting.push(p);
    const u = this.upstream;
    u.cork();
    const n = writeFrame(u, frame);
    const ok = !u.writableNeedDrain;
    u.uncork();
    this.host.observer?.bytes("upstream_out", n);
    if (!ok) this.pause("upstream-full");
  }

  // ---- responses ----

  private onUpstreamData(chunk: Buffer): void {
    if (this.closed) return;
    this.host.observer?.bytes("upstream_in", chunk.length);
    let frames: Buffer[];
    try {
      frames = this.upstreamFrames.push(chunk);
    } catch (e) {
      this.fail("bad frame from broker", e);
      return;
    }
    for (const f of frames) {
      if (this.closed) return;
      try {
        this.onUpstreamFrame(f);
      } catch (e) {
        this.fail("bad response from broker", e);
        return;
      }
    }
  }

  private onUpstreamFrame(frame: Buffer): void {
    const p = this.awaiting.shift();
    if (!p || !p.slot) throw new KsealError("FRAME_MALFORMED", "response with no request awaiting it");
    p.responseBytes = frame.length;
    this.pendingResponseBytes += frame.length;
    // Responses waiting for filters (or for earlier slots) are held in memory: stop reading more.
    if (this.pendingResponseBytes > LIMITS.maxPendingResponseBytesPerConnection) this.pauseUpstream("responses");
    if (p.readAt !== undefined && !p.decodeResponse) this.host.observer?.response(p.header.apiKey, performance.now() - p.readAt);
    if (p.kind === "raw") {
      this.queue.complete(p.slot, [frame]);
      return;
    }
    if (frame.length < 4) throw new KsealError("FRAME_MALFORMED", "response shorter than its header");
    const corr = frame.readInt32BE(0);
    if (corr !== p.header.correlationId) {
      throw new KsealError("FRAME_MALFORMED", `response correlation id ${corr}, expected ${p.header.correlationId}`);
    }
    if (!p.decodeResponse) {
      this.queue.complete(p.slot, [frame]);
      return;
    }
    const slot = p.slot;
    this.filterResponse(frame, p.header).then(
      (out) => {
        if (p.readAt !== undefined) this.host.observer?.response(p.header.apiKey, performance.now() - p.readAt);
        if (!this.closed) this.queue.complete(slot, [out]);
      },
      (e) => this.fail(`response filter failed (api ${p.header.apiKey} v${p.header.apiVersion})`, e),
    );
  }

  private async filterResponse(frame: Buffer, header: RequestHeaderInfo): Promise<Frame> {
    const codec = this.host.codecFor(header.apiKey)!;
    let version = header.apiVersion;
    const bodyStart = responseBodyStart(frame, header.apiKey, version >= codec.flexibleFrom);
    // A broker that does not support the requested ApiVersions version answers in the v0 format.
    if (header.apiKey === API.ApiVersions && frame.length >= bodyStart + 2 && frame.readInt16BE(bodyStart) === 35) version = 0;
    const msg = codec.decodeResponse(frame.subarray(bodyStart), version);
    const ctx = this.context(header);
    let changed = false;
    const fs = this.host.filters;
    for (let i = fs.length - 1; i >= 0; i--) {
      const f = fs[i]!;
      if (f.onResponse && f.wantsResponse?.(header.apiKey, header.apiVersion)) {
        if (await f.onResponse(ctx, msg)) changed = true;
      }
    }
    if (!changed) return frame;
    const head = frame.subarray(0, bodyStart);
    return codec.encodeResponseParts ? [head, ...codec.encodeResponseParts(msg, version)] : [head, codec.encodeResponse(msg, version)];
  }

  private writeClient(out: Frame[], p: Pending): void {
    if (p.responseBytes !== undefined) {
      this.pendingResponseBytes -= p.responseBytes;
      if (this.pendingResponseBytes <= LIMITS.maxPendingResponseBytesPerConnection) this.resumeUpstream("responses");
    }
    if (this.closed) return;
    const c = this.client;
    let ok = true;
    c.cork();
    let n = 0;
    for (const f of out) n += writeFrame(c, f);
    ok = !c.writableNeedDrain;
    c.uncork();
    this.host.observer?.bytes("client_out", n);
    if (!ok) {
      // The client is not reading fast enough: stop reading responses and requests until it drains.
      this.pauseUpstream("client-full");
      this.pause("client-full");
    }
    if (this.paused.has("in-flight") && this.queue.size < this.host.limits.maxInFlightPerConnection) {
      // Not from inside the queue's flush: handling held frames may complete slots again.
      queueMicrotask(() => {
        if (this.queue.size < this.host.limits.maxInFlightPerConnection) this.resume("in-flight");
      });
    }
  }

  private context(header: RequestHeaderInfo): FilterContext {
    return {
      proxy: this.host.state,
      connectionId: this.id,
      nodeId: this.target.kind === "node" ? this.target.nodeId : undefined,
      header,
    };
  }
}

/** Closes the connections with the largest partial frames until the total is within the limit. */
function enforcePartialFrameBudget(): void {
  while (partialFrames.bytes > LIMITS.clientPartialFramesMaxBytes && partialFrames.holders.size > 0) {
    let largest: ClientConnection | undefined;
    for (const c of partialFrames.holders) if (!largest || c.partialFrameBytes > largest.partialFrameBytes) largest = c;
    const before = partialFrames.bytes;
    largest!.evictForBudget();
    // fail() releases its bytes through close(); never loop on a connection that did not.
    if (partialFrames.bytes === before) partialFrames.holders.delete(largest!);
  }
}

export function dial(addr: HostPort, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: addr.host, port: addr.port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new KsealError("UPSTREAM_UNAVAILABLE", `connect to ${addr.host}:${addr.port} timed out`));
    }, timeoutMs);
    s.once("connect", () => {
      clearTimeout(timer);
      s.removeAllListeners("error");
      s.setNoDelay(true);
      resolve(s);
    });
    s.once("error", (e) => {
      clearTimeout(timer);
      s.destroy();
      reject(e);
    });
  });
}

/** Writes one frame with its size prefix (the caller corks); returns the bytes written. */
function writeFrame(sock: net.Socket, frame: Frame): number {
  if (!Array.isArray(frame)) {
    sock.write(sizePrefix(frame.length));
    sock.write(frame);
    return frame.length + 4;
  }
  let len = 0;
  for (const part of frame) len += part.length;
  sock.write(sizePrefix(len));
  for (const part of frame) if (part.length > 0) sock.write(part);
  return len + 4;
}

function errText(e: unknown): string {
  if (isKsealError(e)) return `${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}
