// A TCP forwarder on a free loopback port in front of a KMS server, to play outages without losing
// the server's in-memory keys: "open" forwards, "down" refuses new connections and cuts open ones
// (a stopped KMS), "hang" accepts and never answers (a stuck one), and `delayMs` holds each
// chunk from the client for that long (a slow one).

import { createServer, connect, type Server, type Socket } from "node:net";

export type GateMode = "open" | "down" | "hang";

export class KmsGate {
  mode: GateMode = "open";
  delayMs = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly targetPort: number, private readonly targetHost = "127.0.0.1") {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  setMode(mode: GateMode): void {
    this.mode = mode;
    if (mode !== "open") for (const s of this.sockets) s.destroy();
  }

  private accept(client: Socket): void {
    this.sockets.add(client);
    client.on("close", () => this.sockets.delete(client));
    client.on("error", () => undefined);
    if (this.mode === "down") {
      client.resetAndDestroy();
      return;
    }
    if (this.mode === "hang") return;
    const upstream = connect(this.targetPort, this.targetHost);
    this.sockets.add(upstream);
    upstream.on("close", () => { this.sockets.delete(upstream); client.destroy(); });
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    client.on("data", (d: Buffer) => {
      if (this.delayMs > 0) {
        client.pause();
        setTimeout(() => { upstream.write(d); client.resume(); }, this.delayMs);
      } else {
        upstream.write(d);
      }
    });
    upstream.on("data", (d: Buffer) => client.write(d));
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server?.close(r) ?? r(undefined));
  }
}
