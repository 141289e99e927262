/**
 * TLS listeners for clients and TLS dialing of brokers, from the PEM files named in config.
 * Files are read once when the proxy starts; a missing or unreadable file fails start-up.
 */
import { readFileSync } from "node:fs";
import net from "node:net";
import tls from "node:tls";
import type { HostPort } from "../config/proxy-config.js";
import { KsealError } from "../errors.js";
import type { DownstreamTlsConfig, UpstreamTlsConfig } from "./tls-config.js";

function pem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new KsealError("CONFIG_INVALID", `cannot read ${what} ${path}`, { cause: e });
  }
}

export function downstreamServerOptions(c: DownstreamTlsConfig): tls.TlsOptions {
  const opts: tls.TlsOptions = {
    cert: pem(c.certFile, "tls.certFile"),
    key: pem(c.keyFile, "tls.keyFile"),
    minVersion: "TLSv1.2",
    requestCert: c.clientAuth !== "none",
    rejectUnauthorized: c.clientAuth === "required",
  };
  if (c.caFile) opts.ca = pem(c.caFile, "tls.caFile");
  try {
    tls.createSecureContext(opts);
  } catch (e) {
    throw new KsealError("CONFIG_INVALID", "tls certificate and key do not load (PEM, or key does not match)", { cause: e });
  }
  return opts;
}

/** A dialer for ConnectionHost.dialUpstream that speaks TLS to brokers. */
export function upstreamTlsDialer(c: UpstreamTlsConfig): (addr: HostPort, timeoutMs: number) => Promise<net.Socket> {
  const base: tls.ConnectionOptions = { minVersion: "TLSv1.2", rejectUnauthorized: true };
  if (c.caFile) base.ca = pem(c.caFile, "upstreamTls.caFile");
  if (c.certFile && c.keyFile) {
    base.cert = pem(c.certFile, "upstreamTls.certFile");
    base.key = pem(c.keyFile, "upstreamTls.keyFile");
  }
  // The chain is always verified; only the name check can be switched off.
  if (!c.verifyHostname) base.checkServerIdentity = () => undefined;
  return (addr, timeoutMs) =>
    new Promise((resolve, reject) => {
      const name = c.serverName ?? addr.host;
      const s = tls.connect({ ...base, host: addr.host, port: addr.port, servername: net.isIP(name) ? undefined : name, checkServerIdentity: base.checkServerIdentity ?? ((_h, cert) => tls.checkServerIdentity(name, cert)) });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new KsealError("UPSTREAM_UNAVAILABLE", `TLS connect to ${addr.host}:${addr.port} timed out`));
      }, timeoutMs);
      s.once("secureConnect", () => {
        clearTimeout(timer);
        s.removeAllListeners("error");
        s.setNoDelay(true);
        resolve(s);
      });
      s.once("error", (e) => {
        clearTimeout(timer);
        s.destroy();
        reject(new KsealError("UPSTREAM_UNAVAILABLE", `TLS to ${addr.host}:${addr.port}: ${e.message}`, { cause: e }));
      });
    });
}
