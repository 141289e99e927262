import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Test } from "tap";

/** A fresh directory under the system temp dir, removed when the test ends. */
export function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), "kseal-kms-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface KeyFileJson {
  format: string;
  version: number;
  aliases: Record<string, string>;
  keks: Array<{ id: string; alias: string; created: string; key?: string }>;
  protection?: { kdf: string; N: number; r: number; p: number; salt: string; cipher: string; iv: string; sealed: string };
}

export function readJson(path: string): KeyFileJson {
  return JSON.parse(readFileSync(path, "utf8")) as KeyFileJson;
}

/** The raw KEK of `id` straight from an unprotected key file. */
export function kekFromFile(path: string, id: string): Buffer {
  const k = readJson(path).keks.find((x) => x.id === id);
  if (!k?.key) throw new Error(`no key for ${id} in ${path}`);
  return Buffer.from(k.key, "base64");
}
