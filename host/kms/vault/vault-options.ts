/** What the Vault Transit provider needs to know; parsed from `encryption.kms` (type: vault). */
export type VaultAuth =
  | {
    method: "token";
    /** The token itself (tests); prefer tokenFile or tokenEnv. */
    token?: string;
    /** File holding the token (e.g. a Vault Agent sink); re-read when Vault refuses the token. */
    tokenFile?: string;
    /** Environment variable holding the token (default VAULT_TOKEN). */
    tokenEnv?: string;
  }
  | {
    method: "approle";
    /** Mount path of the AppRole auth method (default "approle"). */
    mountPath?: string;
    roleId: string;
    secretId?: string;
    secretIdFile?: string;
    secretIdEnv?: string;
  };

export interface VaultTls {
  /** PEM file of the CA(s) that sign Vault's certificate (default: the system roots). */
  caFile?: string;
  /** PEM client certificate and key, for Vault listeners that require one. */
  certFile?: string;
  keyFile?: string;
  /** Name checked against Vault's certificate when the URL's host is not in it. */
  serverName?: string;
}

export interface VaultKmsOptions {
  /** Vault's address, e.g. https://vault.example:8200 (http only for loopback tests). */
  url: string;
  /** Path where the transit engine is mounted (default "transit"; may be nested, "team/transit"). */
  mountPath?: string;
  /** Vault Enterprise / OpenBao namespace, sent as X-Vault-Namespace. */
  namespace?: string;
  auth: VaultAuth;
  tls?: VaultTls;
  /** Per-request socket timeout; the caller's deadline (kms.timeoutMs) still applies on top. */
  requestTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}
