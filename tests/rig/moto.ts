// An AWS KMS emulator for tests: moto's server (PyPI package `moto` + flask + flask-cors) on a free
// loopback port, keys and aliases created through the real AWS SDK. State lives in the server's
// memory only, so a stopped server forgets its keys; outage tests put a KmsGate in front instead.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateAliasCommand, CreateKeyCommand, KMSClient, UpdateAliasCommand } from "@aws-sdk/client-kms";
import { freePorts } from "./free-ports.js";

const SETPRIV = "/usr/bin/setpriv";
export const MOTO_REGION = "us-east-1";
export const MOTO_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

/** Why moto cannot run here (undefined when it can). */
export function motoUnavailableReason(): string | undefined {
  const bin = process.env.KSEAL_MOTO_SERVER ?? "moto_server";
  const r = spawnSync(bin, ["--help"], { stdio: "ignore", timeout: 30_000 });
  if (r.error || r.status !== 0) return `${bin} not found or broken: pip install 'moto==5.2.5' flask flask-cors`;
  return undefined;
}

export interface MotoServer {
  endpoint: string;
  port: number;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** A fresh symmetric key behind alias/<alias>; returns the key's id. */
  createKey(alias: string): Promise<string>;
  /** Points alias/<alias> at a fresh key (AWS's way to rotate to new key material). */
  rotateAlias(alias: string): Promise<string>;
  client(): KMSClient;
  stop(): Promise<void>;
}

async function waitUp(url: string, child: ChildProcess, log: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${readFileSync(log, "utf8").slice(-2000)}`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (r.status < 500) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`moto_server did not answer within ${timeoutMs} ms: ${readFileSync(log, "utf8").slice(-2000)}`);
}

export async function startMoto(): Promise<MotoServer> {
  const bin = process.env.KSEAL_MOTO_SERVER ?? "moto_server";
  const dir = mkdtempSync(join(tmpdir(), "kseal-moto-"));
  const log = join(dir, "moto.log");
  const [port] = await freePorts(1);
  const argv = [bin, "-H", "127.0.0.1", "-p", String(port)];
  const wrapped = existsSync(SETPRIV) ? [SETPRIV, "--pdeathsig", "KILL", "--", ...argv] : argv;
  const fd = openSync(log, "a");
  let child: ChildProcess;
  try {
    child = spawn(wrapped[0]!, wrapped.slice(1), { stdio: ["ignore", fd, fd], env: { ...process.env, MOTO_PORT: String(port) } });
  } finally {
    closeSync(fd);
  }
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUp(`${endpoint}/moto-api/`, child, log, 60_000);
  } catch (e) {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const kms = new KMSClient({ region: MOTO_REGION, endpoint, credentials: MOTO_CREDENTIALS });
  const newKey = async (alias: string): Promise<string> => {
    const k = await kms.send(new CreateKeyCommand({ KeySpec: "SYMMETRIC_DEFAULT", KeyUsage: "ENCRYPT_DECRYPT", Description: `kseal test ${alias}` }));
    return k.KeyMetadata!.KeyId!;
  };
  return {
    endpoint, port: port!, region: MOTO_REGION, credentials: MOTO_CREDENTIALS,
    client: () => kms,
    async createKey(alias) {
      const id = await newKey(alias);
      await kms.send(new CreateAliasCommand({ AliasName: `alias/${alias}`, TargetKeyId: id }));
      return id;
    },
    async rotateAlias(alias) {
      const id = await newKey(alias);
      await kms.send(new UpdateAliasCommand({ AliasName: `alias/${alias}`, TargetKeyId: id }));
      return id;
    },
    async stop() {
      kms.destroy();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 3000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
