// A bare Kafka connection for conformance tests: sends frames built by our codecs and hands back
// the exact response bytes, so tests can compare them with our re-encoding.
import net from "node:net";
import { KsealError } from "../../../host/errors.js";
import { FrameReader } from "../../../host/protocol/frame-reader.js";
import { encodeRequestFrame, responseHeaderVersion, withSizePrefix, type RequestHeader } from "../../../host/protocol/headers.js";

export interface RawResponse {
  /** The whole response payload (header + body, no size prefix), exactly as received. */
  frame: Buffer;
  correlationId: number;
}

export class RawConnection {
  private nextCorrelationId = 1;
  private readonly waiting = new Map<number, { resolve: (r: RawResponse) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;

  private constructor(private readonly socket: net.Socket) {
    const reader = new FrameReader({
      onFrame: (frame) => {
        const correlationId = frame.readInt32BE(0);
        const w = this.waiting.get(correlationId);
        if (!w) return this.fail(new Error(`response with unexpected correlation id ${correlationId}`));
        this.waiting.delete(correlationId);
        w.resolve({ frame: Buffer.from(frame as unknown as Uint8Array), correlationId });
      },
      onError: (e: KsealError) => this.fail(e),
    });
    socket.on("data", (d: Buffer) => reader.push(d));
    socket.on("error", (e) => this.fail(e));
    socket.on("close", () => this.fail(new Error("connection closed")));
  }

  static connect(host: string, port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port }, () => {
        s.off("error", reject);
        resolve(new RawConnection(s));
      });
      s.once("error", reject);
    });
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }

  /** Sends one request (header built from apiKey/version) and resolves with the raw response. */
  send(apiKey: number, apiVersion: number, body: Buffer, opts: { clientId?: string | null; timeoutMs?: number } = {}): Promise<RawResponse> {
    if (this.failure) return Promise.reject(this.failure);
    const correlationId = this.nextCorrelationId++;
    const header: RequestHeader = { apiKey, apiVersion, correlationId, clientId: opts.clientId ?? "kseal-conformance" };
    const frame = withSizePrefix(encodeRequestFrame(header, body));
    return new Promise<RawResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(correlationId);
        reject(new Error(`no response to api ${apiKey} v${apiVersion} in time`));
      }, opts.timeoutMs ?? 15_000);
      this.waiting.set(correlationId, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.socket.write(frame as unknown as Uint8Array);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Splits a response payload into header length and body, using the header rules. */
export function responseBody(apiKey: number, apiVersion: number, frame: Buffer): { headerBytes: number; body: Buffer } {
  const hv = responseHeaderVersion(apiKey, apiVersion) ?? 0;
  // Header v1 = correlation id + a tagged section, which brokers send empty (one 0x00 byte).
  const headerBytes = hv === 1 ? 5 : 4;
  if (hv === 1 && frame[4] !== 0) throw new Error("response header carries tagged fields; extend responseBody");
  return { headerBytes, body: frame.subarray(headerBytes) };
}
