// A Vault-API server for tests: OpenBao or HashiCorp Vault (an MPL-licensed release) in dev mode
// on a free loopback port, with the transit engine mounted and aes256-gcm96 keys made by the rig.
// The binary is built once from the Go module proxy into ~/.cache/kseal/ (outside the repo) by
// `node --import tsx tests/rig/openbao.ts build` and found there on later runs; tests skip with
// vaultUnavailableReason() when there is none. $KSEAL_VAULT_BIN names any other binary.
//
// Why Vault 1.14.10 is the built default: the Go module proxy refuses every OpenBao main-module
// version ("This module version is not available", HTTP 403), and 1.14.x is the last HashiCorp
// release under MPL-2.0; its transit API is the one kseal speaks (datakey, decrypt, keys, rotate).

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { appendFileSync, closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { freePorts } from "./free-ports.js";

const SETPRIV = "/usr/bin/setpriv";
const CACHE = join(process.env.KSEAL_CACHE_DIR ?? join(homedir(), ".cache", "kseal"));
export const VAULT_MODULE_VERSION = "v1.14.10";
export const ROOT_TOKEN = "kseal-root";

/** Candidate binaries, first found wins. */
export function vaultBinary(): string | undefined {
  const c = [process.env.KSEAL_VAULT_BIN, join(CACHE, "openbao", "bin", "bao"), join(CACHE, "vault", "bin", "vault")];
  return c.find((p): p is string => !!p && existsSync(p));
}

export function vaultUnavailableReason(): string | undefined {
  if (vaultBinary()) return undefined;
  return `no Vault/OpenBao binary in ${CACHE}/{openbao/bin/bao,vault/bin/vault} or $KSEAL_VAULT_BIN; build it once (Go, ~25 min cold on 2 cores): node --import tsx tests/rig/openbao.ts build`;
}

/** Go source patches the build applies (see buildVault). Ours, a few lines each. */
const EVENTBUS_PATCH = `
// kseal test-rig patch: sdk v0.10.x renamed EventSender.Send to SendEvent.
func (bus *pluginEventBus) SendEvent(ctx context.Context, eventType logical.EventType, data *logical.EventData) error {
	return bus.Send(ctx, eventType, data)
}
`;
const SDK_PATCH = `package logical

// kseal test-rig patch: Vault 1.14.10 calls these two helpers, which its unpublished sdk commit
// has and sdk v0.10.2 lacks. They carry the request's original body in a context.

import (
	"context"
	"io"
)

type ctxKeyOriginalBody struct{}

func ContextOriginalBodyValue(ctx context.Context) (io.ReadCloser, bool) {
	v, ok := ctx.Value(ctxKeyOriginalBody{}).(io.ReadCloser)
	return v, ok
}

func CreateContextOriginalBody(parent context.Context, body io.ReadCloser) context.Context {
	return context.WithValue(parent, ctxKeyOriginalBody{}, body)
}
`;

/**
 * Builds Vault v1.14.10 from the Go module proxy, outside the repo. Synchronous; ~25 min cold on
 * 2 shared cores, ~1.5 GB of module cache. Why each step:
 * - `go install` refuses modules with replace directives, so a wrapper module requires Vault.
 * - Vault's go.mod replaces sdk with its own ./sdk, an unpublished commit between sdk v0.10.2 and
 *   v0.11.0 (the proxy refuses commit pseudo-versions): v0.10.2 lacks two context helpers and
 *   renamed EventSender.Send, v0.11.0 adds interface methods Vault 1.14 does not implement. So
 *   local copies of vault@v1.14.10 and sdk@v0.10.2 get the small patches above, and api is
 *   raised to v1.10.0.
 * - `go get` (not `go mod tidy`) resolves only what the build imports: tidy chases tests of
 *   dependencies into otlptracehttp@latest and a grpc too new for google.golang.org/api v0.134.0.
 */
export function buildVault(): string {
  const root = join(CACHE, "vault-build");
  const wrap = join(root, "wrap-p1");
  const out = join(CACHE, "vault", "bin", "vault");
  mkdirSync(wrap, { recursive: true });
  const env = { ...process.env, CGO_ENABLED: "0" };
  const go = (args: string[], cwd = wrap): string => {
    const r = spawnSync("go", args, { cwd, env, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
    if (r.status !== 0) throw new Error(`go ${args.join(" ")} failed (exit ${r.status})`);
    return r.stdout;
  };
  const copyModule = (mod: string, dest: string): void => {
    if (existsSync(dest)) return;
    const dir = (JSON.parse(go(["mod", "download", "-json", mod], root)) as { Dir: string }).Dir;
    cpSync(dir, dest, { recursive: true });
    spawnSync("chmod", ["-R", "u+w", dest]);
  };
  mkdirSync(root, { recursive: true });
  const vaultSrc = join(root, "vault-src");
  const sdkSrc = join(root, "sdk-src");
  if (!existsSync(vaultSrc)) {
    copyModule(`github.com/hashicorp/vault@${VAULT_MODULE_VERSION}`, vaultSrc);
    appendFileSync(join(vaultSrc, "vault", "eventbus", "bus.go"), EVENTBUS_PATCH);
  }
  if (!existsSync(sdkSrc)) {
    copyModule("github.com/hashicorp/vault/sdk@v0.10.2", sdkSrc);
    writeFileSync(join(sdkSrc, "logical", "kseal_rig_patch.go"), SDK_PATCH);
    // sdk v0.10.2 panics at mount time on a lint (CreateOperation without ExistenceCheck) that
    // Vault 1.14's own managed-keys stub paths do not meet; turn the panic into a no-op.
    const backend = join(sdkSrc, "framework", "backend.go");
    const lint = 'panic(fmt.Sprintf("Pattern %v defines a CreateOperation but no ExistenceCheck", p.Pattern))';
    writeFileSync(backend, readFileSync(backend, "utf8").split(lint).join("_ = ok // kseal test-rig patch"));
  }
  if (!existsSync(join(wrap, "go.mod"))) {
    go(["mod", "init", "local/vaultwrap"]);
    go(["mod", "edit", "-go=1.20", `-require=github.com/hashicorp/vault@${VAULT_MODULE_VERSION}`,
      "-replace=github.com/hashicorp/vault=../vault-src", "-replace=github.com/hashicorp/vault/sdk=../sdk-src"]);
    writeFileSync(join(wrap, "tools.go"), '//go:build tools\n\npackage tools\n\nimport _ "github.com/hashicorp/vault"\n');
    go(["get", `github.com/hashicorp/vault@${VAULT_MODULE_VERSION}`]);
    // Vault's command package calls api methods first published in api v1.10.0.
    go(["get", "github.com/hashicorp/vault/api@v1.10.0"]);
  }
  go(["build", "-trimpath", "-o", out, "github.com/hashicorp/vault"]);
  return out;
}

export interface VaultServer {
  url: string;
  port: number;
  rootToken: string;
  binary: string;
  /** Root-token API call; throws on a non-2xx answer. */
  api(method: string, path: string, body?: unknown): Promise<Record<string, unknown> | undefined>;
  /** Mounts a transit engine at `mount` (default "transit"). */
  mountTransit(mount?: string): Promise<void>;
  createKey(name: string, mount?: string): Promise<void>;
  rotateKey(name: string, mount?: string): Promise<void>;
  /** An AppRole (auth/approle) allowed to use transit at `mount`; returns its role and secret ids. */
  appRole(opts?: { mount?: string; tokenTtl?: string; tokenMaxTtl?: string }): Promise<{ roleId: string; secretId: string }>;
  /** A token allowed only to use transit at `mount` (policy kseal-transit). */
  transitToken(mount?: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startVault(): Promise<VaultServer> {
  const bin = vaultBinary();
  if (!bin) throw new Error(vaultUnavailableReason());
  const dir = mkdtempSync(join(tmpdir(), "kseal-vault-"));
  const log = join(dir, "vault.log");
  const [port] = await freePorts(1);
  const argv = [bin, "server", "-dev", `-dev-root-token-id=${ROOT_TOKEN}`, `-dev-listen-address=127.0.0.1:${port}`];
  const wrapped = existsSync(SETPRIV) ? [SETPRIV, "--pdeathsig", "KILL", "--", ...argv] : argv;
  const fd = openSync(log, "a");
  let child: ChildProcess;
  try {
    // HOME in the temp dir: dev mode writes ~/.vault-token.
    child = spawn(wrapped[0]!, wrapped.slice(1), { stdio: ["ignore", fd, fd], env: { ...process.env, HOME: dir, VAULT_ADDR: "", BAO_ADDR: "" } });
  } finally {
    closeSync(fd);
  }
  const url = `http://127.0.0.1:${port}`;
  const api = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${url}/v1/${path}`, {
      method,
      headers: { "x-vault-token": ROOT_TOKEN, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await r.text();
    if (r.status >= 300) throw new Error(`vault ${method} ${path}: HTTP ${r.status} ${text.slice(0, 300)}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  };
  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      const out = readFileSync(log, "utf8").slice(-2000);
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`vault dev server exited (${child.exitCode}): ${out}`);
    }
    try {
      const r = await fetch(`${url}/v1/sys/health`, { signal: AbortSignal.timeout(1000) });
      if (r.status === 200) break;
    } catch { /* not up yet */ }
    if (Date.now() > until) {
      child.kill("SIGKILL");
      throw new Error(`vault dev server did not become healthy: ${readFileSync(log, "utf8").slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const mounts = new Set<string>();
  const server: VaultServer = {
    url, port: port!, rootToken: ROOT_TOKEN, binary: bin, api,
    async mountTransit(mount = "transit") {
      if (mounts.has(mount)) return;
      await api("POST", `sys/mounts/${mount}`, { type: "transit" });
      mounts.add(mount);
    },
    async createKey(name, mount = "transit") {
      await server.mountTransit(mount);
      await api("POST", `${mount}/keys/${encodeURIComponent(name)}`, { type: "aes256-gcm96" });
    },
    async rotateKey(name, mount = "transit") {
      await api("POST", `${mount}/keys/${encodeURIComponent(name)}/rotate`, {});
    },
    async transitToken(mount = "transit") {
      await api("PUT", "sys/policies/acl/kseal-transit", {
        policy: `path "${mount}/keys/*" { capabilities = ["read"] }\npath "${mount}/datakey/plaintext/*" { capabilities = ["update"] }\npath "${mount}/decrypt/*" { capabilities = ["update"] }\n`,
      });
      const r = await api("POST", "auth/token/create", { policies: ["kseal-transit"], ttl: "1h" });
      return (r!.auth as { client_token: string }).client_token;
    },
    async appRole(opts = {}) {
      const mount = opts.mount ?? "transit";
      await server.transitToken(mount);
      try {
        await api("POST", "sys/auth/approle", { type: "approle" });
      } catch (e) {
        if (!String(e).includes("path is already in use")) throw e;
      }
      await api("POST", "auth/approle/role/kseal", {
        token_policies: ["kseal-transit"], token_ttl: opts.tokenTtl ?? "1h", token_max_ttl: opts.tokenMaxTtl ?? "4h",
      });
      const roleId = ((await api("GET", "auth/approle/role/kseal/role-id"))!.data as { role_id: string }).role_id;
      const secretId = ((await api("POST", "auth/approle/role/kseal/secret-id", {}))!.data as { secret_id: string }).secret_id;
      return { roleId, secretId };
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

if (process.argv[1]?.endsWith("openbao.ts") && process.argv[2] === "build") {
  console.log(buildVault());
}
