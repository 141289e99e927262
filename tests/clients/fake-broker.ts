/**
 * A scripted TCP peer that speaks Kafka framing, for connection-level proxy tests. It answers each
 * request frame with whatever `respond` returns (undefined = no response, as for acks=0).
 */
import net from "node:net";

export interface FakeBroker {
  port: number;
  /** Request frames received (payload without size prefix). */
  received: Buffer[];
  connections: number;
  close(): Promise<void>;
  /** Destroys every accepted socket (a broker going away). */
  dropAll(): void;
}

export function frame(payload: Buffer): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(payload.length, 0);
  return Buffer.concat([b, payload]);
}

/** Splits size-prefixed frames out of a growing buffer. */
export class Frames {
  private buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): Buffer[] {
    this.buf = Buffer.concat([this.buf, chunk]);
    const out: Buffer[] = [];
    while (this.buf.length >= 4) {
      const n = this.buf.readInt32BE(0);
      if (this.buf.length < 4 + n) break;
      out.push(this.buf.subarray(4, 4 + n));
      this.buf = this.buf.subarray(4 + n);
    }
    return out;
  }
}

export async function startFakeBroker(
  respond: (req: Buffer) => Buffer | undefined | Promise<Buffer | undefined>,
): Promise<FakeBroker> {
  const sockets = new Set<net.Socket>();
  const received: Buffer[] = [];
  const fb = { received, connections: 0 } as FakeBroker;
  const server = net.createServer((s) => {
    fb.connections++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
    const frames = new Frames();
    let chain = Promise.resolve();
    s.on("data", (d) => {
      for (const f of frames.push(d)) {
        received.push(Buffer.from(f));
        chain = chain.then(async () => {
          const r = await respond(f);
          if (r) s.write(frame(r));
        });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  fb.port = (server.address() as net.AddressInfo).port;
  fb.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  fb.dropAll = () => {
    for (const s of sockets) s.destroy();
  };
  return fb;
}

/** A request header v1 (non-flexible) followed by `body`. */
export function requestV1(apiKey: number, version: number, correlationId: number, body: Buffer, clientId = "test"): Buffer {
  const id = Buffer.from(clientId);
  const h = Buffer.alloc(10);
  h.writeInt16BE(apiKey, 0);
  h.writeInt16BE(version, 2);
  h.writeInt32BE(correlationId, 4);
  h.writeInt16BE(id.length, 8);
  return Buffer.concat([h, id, body]);
}

/** A request header v2 (flexible: empty tagged section) followed by `body`. */
export function requestV2(apiKey: number, version: number, correlationId: number, body: Buffer, clientId = "test"): Buffer {
  return requestV1(apiKey, version, correlationId, Buffer.concat([Buffer.from([0]), body]), clientId);
}

/** A client socket with a frame queue. */
export async function rawClient(port: number): Promise<{
  sock: net.Socket;
  next(timeoutMs?: number): Promise<Buffer>;
  send(payload: Buffer): void;
  closed: Promise<void>;
}> {
  const sock = net.connect(port, "127.0.0.1");
  await new Promise<void>((r, j) => {
    sock.once("connect", () => r());
    sock.once("error", j);
  });
  const frames = new Frames();
  const queue: Buffer[] = [];
  const waiters: Array<(b: Buffer) => void> = [];
  sock.on("data", (d) => {
    for (const f of frames.push(d)) {
      const w = waiters.shift();
      if (w) w(Buffer.from(f));
      else queue.push(Buffer.from(f));
    }
  });
  sock.on("error", () => {});
  const closed = new Promise<void>((r) => sock.once("close", () => r()));
  return {
    sock,
    closed,
    send: (p) => sock.write(frame(p)),
    next: (timeoutMs = 5000) =>
      new Promise<Buffer>((resolve, reject) => {
        const q = queue.shift();
        if (q) return resolve(q);
        const timer = setTimeout(() => reject(new Error("no frame within timeout")), timeoutMs);
        waiters.push((b) => {
          clearTimeout(timer);
          resolve(b);
        });
      }),
  };
}
