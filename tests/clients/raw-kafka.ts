/**
 * A minimal raw Kafka connection for tests: sends requests encoded with the protocol codecs (or
 * hand-built bytes) and returns whole response frames, so tests can compare bytes exactly.
 */
import net from "node:net";
import { encodeRequestFrame, responseHeaderVersion, decodeResponseHeader } from "../../host/protocol/headers.js";
import { codecFor } from "../../host/protocol/registry.js";

export class RawKafka {
  private buf: Buffer = Buffer.alloc(0);
  private readonly frames: Buffer[] = [];
  private waiters: Array<(f: Buffer | undefined) => void> = [];
  private nextCorrelation = 1;
  closed = false;
  readonly whenClosed: Promise<void>;

  private constructor(readonly sock: net.Socket) {
    sock.on("data", (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 4) {
        const n = this.buf.readInt32BE(0);
        if (this.buf.length < 4 + n) break;
        const f = Buffer.from(this.buf.subarray(4, 4 + n));
        this.buf = this.buf.subarray(4 + n);
        const w = this.waiters.shift();
        if (w) w(f);
        else this.frames.push(f);
      }
    });
    sock.on("error", () => {});
    this.whenClosed = new Promise((r) =>
      sock.once("close", () => {
        this.closed = true;
        for (const w of this.waiters.splice(0)) w(undefined);
        r();
      }),
    );
  }

  /** Connects to "host:port"; given a bootstrap list "a:1,b:2", to its first entry. */
  static async connect(bootstrap: string): Promise<RawKafka> {
    const address = bootstrap.split(",")[0]!.trim();
    const i = address.lastIndexOf(":");
    const sock = net.connect(Number(address.slice(i + 1)), address.slice(0, i));
    await new Promise<void>((resolve, reject) => {
      sock.once("connect", () => resolve());
      sock.once("error", reject);
    });
    sock.setNoDelay(true);
    return new RawKafka(sock);
  }

  /** Writes raw bytes (size prefix and all) as they are. */
  writeRaw(bytes: Buffer): void {
    this.sock.write(bytes);
  }

  /** Writes one frame: size prefix + payload. */
  sendFrame(payload: Buffer): void {
    const p = Buffer.alloc(4);
    p.writeInt32BE(payload.length, 0);
    this.sock.write(Buffer.concat([p, payload]));
  }

  /** The next response frame (payload without size prefix); rejects on close or timeout. */
  nextFrame(timeoutMs = 15_000): Promise<Buffer> {
    const f = this.frames.shift();
    if (f) return Promise.resolve(f);
    if (this.closed) return Promise.reject(new Error("connection closed"));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no response within timeout")), timeoutMs);
      this.waiters.push((fr) => {
        clearTimeout(timer);
        if (fr) resolve(fr);
        else reject(new Error("connection closed"));
      });
    });
  }

  /** Encodes and sends a request; returns its correlation id. */
  send(apiKey: number, apiVersion: number, body: unknown, clientId = "kseal-raw"): number {
    const codec = codecFor(apiKey);
    if (!codec) throw new Error(`no codec for api ${apiKey}`);
    const correlationId = this.nextCorrelation++;
    this.sendFrame(encodeRequestFrame({ apiKey, apiVersion, correlationId, clientId }, codec.encodeRequest(body, apiVersion)));
    return correlationId;
  }

  /** Sends a request and decodes its response; also returns the raw response frame. */
  async request<T = any>(apiKey: number, apiVersion: number, body: unknown): Promise<{ msg: T; frame: Buffer }> {
    const corr = this.send(apiKey, apiVersion, body);
    const frame = await this.nextFrame();
    const { header, bodyOffset } = decodeResponseHeader(frame, responseHeaderVersion(apiKey, apiVersion)!);
    if (header.correlationId !== corr) throw new Error(`correlation ${header.correlationId}, expected ${corr}`);
    return { msg: codecFor(apiKey)!.decodeResponse(frame.subarray(bodyOffset), apiVersion) as T, frame };
  }

  close(): void {
    this.sock.destroy();
  }
}

/** ApiVersions v3 round trip; resolves with the error code and the number of APIs listed. */
export async function apiVersionsRoundTrip(address: string): Promise<{ errorCode: number; apiCount: number }> {
  const c = await RawKafka.connect(address);
  try {
    const { msg } = await c.request(18, 3, { clientSoftwareName: "kseal-test", clientSoftwareVersion: "1" });
    return { errorCode: msg.errorCode, apiCount: msg.apiKeys.length };
  } finally {
    c.close();
  }
}
