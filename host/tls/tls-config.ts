/**
 * TLS settings of the proxy's two sides, as read from the config file.
 *
 * YAML:
 *   tls:                          # clients → kseal (every listener, bootstrap and node ports)
 *     certFile: /etc/kseal/tls/server.crt   # PEM certificate chain
 *     keyFile: /etc/kseal/tls/server.key    # PEM private key
 *     caFile: /etc/kseal/tls/clients-ca.crt # CA for client certificates (with clientAuth)
 *     clientAuth: none | requested | required
 *   upstreamTls:                  # kseal → brokers
 *     caFile: /etc/kseal/tls/kafka-ca.crt   # default: Node's bundled public CAs
 *     certFile: ..., keyFile: ...           # client certificate for brokers with ssl.client.auth
 *     verifyHostname: true                  # off only for test clusters with unnamed certs
 *     serverName: kafka.internal            # SNI / name checked instead of the dialed host
 */
import { KsealError } from "../errors.js";

export type ClientAuth = "none" | "requested" | "required";

export interface DownstreamTlsConfig {
  certFile: string;
  keyFile: string;
  caFile?: string;
  clientAuth: ClientAuth;
}

export interface UpstreamTlsConfig {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  verifyHostname: boolean;
  serverName?: string;
}

function invalid(detail: string): KsealError {
  return new KsealError("CONFIG_INVALID", detail);
}

function mapping(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw invalid(`${what} must be a mapping`);
  return v as Record<string, unknown>;
}

function keysOnly(o: Record<string, unknown>, allowed: string[], what: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw invalid(`unknown key ${what}.${k}`);
}

function optStr(v: unknown, what: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v.length === 0) throw invalid(`${what} must be a non-empty string`);
  return v;
}

export function parseDownstreamTls(v: unknown): DownstreamTlsConfig {
  const o = mapping(v, "tls");
  keysOnly(o, ["certFile", "keyFile", "caFile", "clientAuth"], "tls");
  const certFile = optStr(o.certFile, "tls.certFile");
  const keyFile = optStr(o.keyFile, "tls.keyFile");
  if (!certFile || !keyFile) throw invalid("tls needs certFile and keyFile");
  const clientAuth = o.clientAuth ?? "none";
  if (clientAuth !== "none" && clientAuth !== "requested" && clientAuth !== "required") {
    throw invalid("tls.clientAuth must be none, requested or required");
  }
  const caFile = optStr(o.caFile, "tls.caFile");
  if (clientAuth !== "none" && !caFile) throw invalid(`tls.clientAuth ${clientAuth} needs tls.caFile (the CA that signs client certificates)`);
  return { certFile, keyFile, caFile, clientAuth };
}

export function parseUpstreamTls(v: unknown): UpstreamTlsConfig {
  if (v === true) return { verifyHostname: true };
  const o = mapping(v, "upstreamTls");
  keysOnly(o, ["caFile", "certFile", "keyFile", "verifyHostname", "serverName"], "upstreamTls");
  const verifyHostname = o.verifyHostname ?? true;
  if (typeof verifyHostname !== "boolean") throw invalid("upstreamTls.verifyHostname must be true or false");
  const certFile = optStr(o.certFile, "upstreamTls.certFile");
  const keyFile = optStr(o.keyFile, "upstreamTls.keyFile");
  if ((certFile === undefined) !== (keyFile === undefined)) throw invalid("upstreamTls.certFile and upstreamTls.keyFile go together");
  return {
    caFile: optStr(o.caFile, "upstreamTls.caFile"),
    certFile,
    keyFile,
    verifyHostname,
    serverName: optStr(o.serverName, "upstreamTls.serverName"),
  };
}
