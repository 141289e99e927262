/**
 * Where the Vault token comes from. A static token (config, env var or file) or an AppRole login
 * whose token is renewed at two thirds of its TTL and replaced by a fresh login when renewal is
 * refused or the token reaches its max TTL. When Vault answers 403, the provider asks for a new
 * token once (re-reading the token file, or logging in again) before giving up.
 */
import { readFileSync } from "node:fs";
import { KsealError } from "../../errors.js";
import { log } from "../../log.js";
import type { VaultHttp } from "./vault-http.js";
import type { VaultAuth } from "./vault-options.js";

export interface TokenSource {
  token(): Promise<string>;
  /** Vault refused the token: get another one (a changed file, a new login). */
  refresh(): Promise<void>;
  close(): void;
}

function readSecretFile(path: string, field: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new KsealError("CONFIG_INVALID", `encryption.kms.${field}: cannot read ${path}`, { cause: e });
  }
  const v = text.trim();
  if (!v) throw new KsealError("CONFIG_INVALID", `encryption.kms.${field}: ${path} is empty`);
  return v;
}

function fromEnv(env: NodeJS.ProcessEnv, name: string, field: string): string {
  const v = env[name];
  if (!v) throw new KsealError("CONFIG_INVALID", `encryption.kms.${field}: environment variable ${name} is not set or empty`);
  return v.trim();
}

class StaticToken implements TokenSource {
  private current: string;
  constructor(private readonly read: () => string) {
    this.current = read();
  }
  async token(): Promise<string> {
    return this.current;
  }
  async refresh(): Promise<void> {
    this.current = this.read();
  }
  close(): void {
    this.current = "";
  }
}

class AppRoleToken implements TokenSource {
  private current: string | undefined;
  private pending: Promise<string> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly http: VaultHttp,
    private readonly mount: string,
    private readonly roleId: string,
    private readonly secretId: () => string,
  ) {}

  async token(): Promise<string> {
    if (this.current) return this.current;
    return this.login();
  }

  async refresh(): Promise<void> {
    this.current = undefined;
    await this.login();
  }

  private login(): Promise<string> {
    if (!this.pending) {
      this.pending = (async () => {
        const r = await this.http.call("POST", `auth/${this.mount}/login`, undefined, { role_id: this.roleId, secret_id: this.secretId() });
        if (r.status === 400 || r.status === 403) throw new KsealError("KMS_DENIED", `AppRole login refused (HTTP ${r.status})`);
        if (r.status !== 200) throw new KsealError("KMS_UNAVAILABLE", `AppRole login: HTTP ${r.status}`);
        const auth = r.body?.auth as { client_token?: string; lease_duration?: number; renewable?: boolean } | undefined;
        if (!auth?.client_token) throw new KsealError("KMS_UNAVAILABLE", "AppRole login answer has no token");
        this.current = auth.client_token;
        this.schedule(auth.lease_duration ?? 0, auth.renewable ?? false);
        return auth.client_token;
      })().finally(() => { this.pending = undefined; });
    }
    return this.pending;
  }

  /** Renews at 2/3 of the lease; a token that cannot be renewed is replaced by a new login then. */
  private schedule(leaseSeconds: number, renewable: boolean): void {
    clearTimeout(this.timer);
    if (this.closed || leaseSeconds <= 0) return;
    const ms = Math.max(1000, (leaseSeconds * 1000 * 2) / 3);
    this.timer = setTimeout(() => void this.renew(renewable), ms);
    this.timer.unref();
  }

  private async renew(renewable: boolean): Promise<void> {
    if (this.closed) return;
    try {
      if (renewable && this.current) {
        const r = await this.http.call("POST", "auth/token/renew-self", this.current, {});
        const auth = r.body?.auth as { lease_duration?: number; renewable?: boolean } | undefined;
        // Vault caps renewals at the token's max TTL: a shorter lease than asked means the end is
        // near, so log in again rather than ride the token out.
        if (r.status === 200 && auth && (auth.lease_duration ?? 0) > 2) {
          this.schedule(auth.lease_duration ?? 0, auth.renewable ?? false);
          return;
        }
      }
      await this.refresh();
    } catch (e) {
      log.warn({ err: e }, "Vault AppRole token renewal failed; the next KMS call logs in again");
      this.current = undefined;
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.current = undefined;
  }
}

export function tokenSource(auth: VaultAuth, http: VaultHttp, env: NodeJS.ProcessEnv): TokenSource {
  if (auth.method === "token") {
    if (auth.token) {
      const t = auth.token;
      return new StaticToken(() => t);
    }
    if (auth.tokenFile) {
      const f = auth.tokenFile;
      return new StaticToken(() => readSecretFile(f, "tokenFile"));
    }
    const name = auth.tokenEnv ?? "VAULT_TOKEN";
    return new StaticToken(() => fromEnv(env, name, "tokenEnv"));
  }
  const secret = auth.secretId
    ? () => auth.secretId!
    : auth.secretIdFile
      ? () => readSecretFile(auth.secretIdFile!, "approle.secretIdFile")
      : () => fromEnv(env, auth.secretIdEnv ?? "VAULT_SECRET_ID", "approle.secretIdEnv");
  secret(); // a missing secret is a config error at start, not at the first produce
  return new AppRoleToken(http, auth.mountPath ?? "approle", auth.roleId, secret);
}
