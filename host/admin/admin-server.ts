/**
 * The admin HTTP port (bound to 127.0.0.1 unless configured otherwise):
 *   GET /metrics  Prometheus text format
 *   GET /livez    200 while the process serves its event loop
 *   GET /readyz   200 when ready (module loaded, target cluster answered, not draining), else 503;
 *                 JSON body with each check
 *   GET /module   JSON: the filter module in use (path, sha256, ABI, policy), 404 when encryption is off
 * Other routes (e.g. a module reload endpoint) can be added with `route()`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { CONTENT_TYPE, type MetricsRegistry } from "./metrics.js";
import type { ReadinessReport } from "./readiness.js";

export interface AdminRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Buffer;
}

export interface AdminResponse {
  status: number;
  body: string | object;
  contentType?: string;
}

export type AdminHandler = (req: AdminRequest) => AdminResponse | Promise<AdminResponse>;

export interface AdminServerOptions {
  host: string;
  /** 0 = ephemeral. */
  port: number;
  registry: MetricsRegistry;
  readiness: { check(): Promise<ReadinessReport> };
  moduleInfo?: () => object | undefined;
  logger: Logger;
}

/** Largest request body the admin port reads (reload requests carry a path at most). */
const MAX_BODY_BYTES = 64 * 1024;

export class AdminServer {
  private server: http.Server | undefined;
  private readonly routes = new Map<string, AdminHandler>();

  constructor(private readonly o: AdminServerOptions) {
    this.route("GET", "/metrics", () => ({ status: 200, body: o.registry.render(), contentType: CONTENT_TYPE }));
    this.route("GET", "/livez", () => ({ status: 200, body: "ok\n" }));
    this.route("GET", "/readyz", async () => {
      const r = await o.readiness.check();
      return { status: r.ready ? 200 : 503, body: r };
    });
    this.route("GET", "/module", () => {
      const info = o.moduleInfo?.();
      return info ? { status: 200, body: info } : { status: 404, body: { error: "no filter module: encryption is off" } };
    });
  }

  /** Adds or replaces a route ("POST", "/module/reload", handler). */
  route(method: string, path: string, handler: AdminHandler): void {
    this.routes.set(`${method} ${path}`, handler);
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: this.o.host, port: this.o.port }, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.server = server;
    this.o.logger.info({ listen: `${this.o.host}:${this.port}` }, "admin HTTP listening");
  }

  get port(): number {
    const a = this.server?.address() as AddressInfo | null | undefined;
    if (!a) throw new Error("admin server not started");
    return a.port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    await new Promise<void>((r) => {
      s.close(() => r());
      s.closeAllConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://admin");
    const method = req.method ?? "GET";
    const handler = this.routes.get(`${method === "HEAD" ? "GET" : method} ${url.pathname}`);
    let out: AdminResponse;
    try {
      if (!handler) {
        const known = [...this.routes.keys()].some((k) => k.endsWith(` ${url.pathname}`));
        out = known ? { status: 405, body: { error: `${method} not allowed on ${url.pathname}` } } : { status: 404, body: { error: "not found" } };
      } else {
        const body = await readBody(req);
        out = await handler({ method, path: url.pathname, query: url.searchParams, body });
      }
    } catch (e) {
      this.o.logger.warn({ path: url.pathname, err: e instanceof Error ? e.message : String(e) }, "admin request failed");
      out = { status: 500, body: { error: e instanceof Error ? e.message : String(e) } };
    }
    const text = typeof out.body === "string" ? out.body : JSON.stringify(out.body) + "\n";
    res.writeHead(out.status, {
      "content-type": out.contentType ?? (typeof out.body === "string" ? "text/plain; charset=utf-8" : "application/json"),
      "content-length": Buffer.byteLength(text),
      "cache-control": "no-store",
    });
    res.end(method === "HEAD" ? undefined : text);
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on("data", (c: Buffer) => {
      n += c.length;
      if (n > MAX_BODY_BYTES) {
        req.destroy();
        reject(new Error("request body too large"));
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
