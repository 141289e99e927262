/**
 * `encryption.kms` with `type: vault`:
 *   kms:
 *     type: vault
 *     url: https://vault.example:8200
 *     mountPath: transit              # default transit; nested paths allowed
 *     namespace: team-a               # optional (X-Vault-Namespace)
 *     auth:                           # default { method: token, tokenEnv: VAULT_TOKEN }
 *       method: token                 # tokenFile: /run/secrets/vault-token | tokenEnv: NAME
 *       # method: approle, roleId: ..., secretIdFile: ... | secretIdEnv: NAME, mountPath: approle
 *     tls: { caFile: ca.pem, certFile: client.pem, keyFile: client-key.pem, serverName: vault }
 * Tokens and secret ids are never taken from the config file itself: only from files or env.
 */
import { bad, envName, httpUrl, mapping, str } from "../config-fields.js";
import type { VaultAuth, VaultKmsOptions, VaultTls } from "./vault-options.js";

export const VAULT_KMS_KEYS = ["url", "mountPath", "namespace", "auth", "tls"] as const;
const AUTH_KEYS = new Set(["method", "tokenFile", "tokenEnv", "roleId", "secretIdFile", "secretIdEnv", "mountPath"]);
const TLS_KEYS = new Set(["caFile", "certFile", "keyFile", "serverName"]);

export function parseVaultKmsConfig(k: Record<string, unknown>, expandHome: (p: string) => string): VaultKmsOptions {
  const url = httpUrl(k.url, "url");
  const opts: VaultKmsOptions = { url, auth: { method: "token" } };
  if (k.mountPath !== undefined) opts.mountPath = str(k.mountPath, "mountPath");
  if (k.namespace !== undefined) opts.namespace = str(k.namespace, "namespace");
  if (k.auth !== undefined) {
    const a = mapping(k.auth, "auth", AUTH_KEYS);
    const method = a.method ?? "token";
    if (method === "token") {
      const auth: VaultAuth = { method: "token" };
      if (a.roleId !== undefined || a.secretIdFile !== undefined || a.secretIdEnv !== undefined) throw bad("auth", "method token takes tokenFile or tokenEnv");
      if (a.tokenFile !== undefined && a.tokenEnv !== undefined) throw bad("auth", "takes tokenFile or tokenEnv, not both");
      if (a.tokenFile !== undefined) auth.tokenFile = expandHome(str(a.tokenFile, "auth.tokenFile"));
      if (a.tokenEnv !== undefined) auth.tokenEnv = envName(a.tokenEnv, "auth.tokenEnv");
      opts.auth = auth;
    } else if (method === "approle") {
      if (a.tokenFile !== undefined || a.tokenEnv !== undefined) throw bad("auth", "method approle takes roleId and secretIdFile or secretIdEnv");
      const auth: VaultAuth = { method: "approle", roleId: str(a.roleId, "auth.roleId") };
      if (a.secretIdFile !== undefined && a.secretIdEnv !== undefined) throw bad("auth", "takes secretIdFile or secretIdEnv, not both");
      if (a.secretIdFile !== undefined) auth.secretIdFile = expandHome(str(a.secretIdFile, "auth.secretIdFile"));
      if (a.secretIdEnv !== undefined) auth.secretIdEnv = envName(a.secretIdEnv, "auth.secretIdEnv");
      if (a.mountPath !== undefined) auth.mountPath = str(a.mountPath, "auth.mountPath");
      opts.auth = auth;
    } else {
      throw bad("auth.method", "must be token or approle");
    }
  }
  if (k.tls !== undefined) {
    const t = mapping(k.tls, "tls", TLS_KEYS);
    const tls: VaultTls = {};
    if (t.caFile !== undefined) tls.caFile = expandHome(str(t.caFile, "tls.caFile"));
    if (t.certFile !== undefined) tls.certFile = expandHome(str(t.certFile, "tls.certFile"));
    if (t.keyFile !== undefined) tls.keyFile = expandHome(str(t.keyFile, "tls.keyFile"));
    if (t.serverName !== undefined) tls.serverName = str(t.serverName, "tls.serverName");
    if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) throw bad("tls", "certFile and keyFile go together");
    opts.tls = tls;
  }
  return opts;
}
