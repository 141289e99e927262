/**
 * Readiness of the target cluster: a target broker answers ApiVersions v0.
 *
 * Request frame: int32 size | int16 api_key=18 | int16 api_version=0 | int32 correlation_id |
 * string client_id (int16 length + bytes); the v0 body is empty.
 * Response frame: int32 size | int32 correlation_id | int16 error_code | ... (rest ignored).
 */
import net from "node:net";
import type { HostPort } from "../config/proxy-config.js";
import { dial } from "../proxy/connection.js";

const CLIENT_ID = "kseal-readyz";

export function apiVersionsV0Request(correlationId: number): Buffer {
  const id = Buffer.from(CLIENT_ID);
  const b = Buffer.alloc(4 + 2 + 2 + 4 + 2 + id.length);
  b.writeInt32BE(b.length - 4, 0);
  b.writeInt16BE(18, 4);
  b.writeInt16BE(0, 6);
  b.writeInt32BE(correlationId, 8);
  b.writeInt16BE(id.length, 12);
  id.copy(b, 14);
  return b;
}

export type Dialer = (addr: HostPort, timeoutMs: number) => Promise<net.Socket>;

/** Resolves when one broker of `targets` answers ApiVersions without error; rejects otherwise. */
export async function probeCluster(targets: HostPort[], timeoutMs: number, dialer: Dialer = dial): Promise<HostPort> {
  let last: unknown;
  for (const t of targets) {
    try {
      await probeOne(t, timeoutMs, dialer);
      return t;
    } catch (e) {
      last = e;
    }
  }
  throw last instanceof Error ? last : new Error("no target answered");
}

async function probeOne(addr: HostPort, timeoutMs: number, dialer: Dialer): Promise<void> {
  const started = Date.now();
  const sock = await dialer(addr, timeoutMs);
  try {
    await new Promise<void>((resolve, reject) => {
      let buf = Buffer.alloc(0);
      const timer = setTimeout(() => reject(new Error(`${addr.host}:${addr.port} did not answer ApiVersions`)), Math.max(1, timeoutMs - (Date.now() - started)));
      const done = (e?: Error) => {
        clearTimeout(timer);
        if (e) reject(e);
        else resolve();
      };
      sock.on("data", (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length < 10) return;
        const corr = buf.readInt32BE(4);
        const err = buf.readInt16BE(8);
        if (corr !== 1) done(new Error("ApiVersions answer with the wrong correlation id"));
        else if (err !== 0) done(new Error(`ApiVersions error code ${err}`));
        else done();
      });
      sock.once("error", (e) => done(e));
      sock.once("close", () => done(new Error("broker closed the connection")));
      sock.write(apiVersionsV0Request(1));
    });
  } finally {
    sock.destroy();
  }
}
