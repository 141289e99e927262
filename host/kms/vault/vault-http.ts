/**
 * A minimal Vault HTTP API client over undici: JSON in and out, X-Vault-Token and
 * X-Vault-Namespace headers, TLS with a custom CA and client certificate. Maps transport failures
 * and HTTP statuses to kseal's KMS errors; messages never carry tokens or key material.
 */
import { readFileSync } from "node:fs";
import { Agent, request } from "undici";
import { KsealError } from "../../errors.js";
import type { VaultTls } from "./vault-options.js";

export interface VaultResponse {
  status: number;
  body: Record<string, unknown> | undefined;
  /** Vault's error strings ({"errors": [...]}) joined, for classification; never secrets. */
  errors: string;
}

function readPem(path: string, field: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new KsealError("CONFIG_INVALID", `encryption.kms.${field}: cannot read ${path}`, { cause: e });
  }
}

export class VaultHttp {
  readonly base: URL;
  private readonly agent: Agent;
  private readonly namespace: string | undefined;
  private readonly timeoutMs: number;

  constructor(url: string, opts: { tls?: VaultTls; namespace?: string; requestTimeoutMs?: number }) {
    let base: URL;
    try {
      base = new URL(url);
    } catch {
      throw new KsealError("CONFIG_INVALID", "encryption.kms.url is not a URL");
    }
    if (base.protocol !== "https:" && base.protocol !== "http:") {
      throw new KsealError("CONFIG_INVALID", "encryption.kms.url must be http:// or https://");
    }
    this.base = base;
    const tls = opts.tls ?? {};
    if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
      throw new KsealError("CONFIG_INVALID", "encryption.kms.tls.certFile and tls.keyFile go together");
    }
    this.timeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.agent = new Agent({
      connect: {
        ca: tls.caFile ? readPem(tls.caFile, "tls.caFile") : undefined,
        cert: tls.certFile ? readPem(tls.certFile, "tls.certFile") : undefined,
        key: tls.keyFile ? readPem(tls.keyFile, "tls.keyFile") : undefined,
        servername: tls.serverName,
        timeout: this.timeoutMs,
      },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      keepAliveTimeout: 30_000,
    });
    this.namespace = opts.namespace;
  }

  async call(method: "GET" | "POST" | "PUT", path: string, token: string | undefined, body?: unknown): Promise<VaultResponse> {
    const url = new URL(`v1/${path}`, this.base.href.endsWith("/") ? this.base : new URL(`${this.base.href}/`));
    const headers: Record<string, string> = {};
    if (token) headers["x-vault-token"] = token;
    if (this.namespace) headers["x-vault-namespace"] = this.namespace;
    if (body !== undefined) headers["content-type"] = "application/json";
    let res;
    try {
      res = await request(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        dispatcher: this.agent,
      });
    } catch (e) {
      const code = (e as { code?: string }).code ?? "error";
      throw new KsealError("KMS_UNAVAILABLE", `Vault ${method} ${url.pathname}: ${code}`, { cause: e });
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (e) {
      throw new KsealError("KMS_UNAVAILABLE", `Vault ${method} ${url.pathname}: response body lost`, { cause: e });
    }
    let parsed: Record<string, unknown> | undefined;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        parsed = undefined;
      }
    }
    const errs = Array.isArray(parsed?.errors) ? (parsed.errors as unknown[]).map(String).join("; ") : "";
    return { status: res.statusCode, body: parsed, errors: errs };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** Vault's `data` object of a successful response, or KMS_UNAVAILABLE when it is missing. */
export function dataOf(r: VaultResponse, what: string): Record<string, unknown> {
  const d = r.body?.data;
  if (typeof d !== "object" || d === null) throw new KsealError("KMS_UNAVAILABLE", `Vault ${what}: response has no data`);
  return d as Record<string, unknown>;
}
