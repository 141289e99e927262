// The standard policy module built like build/kseal-standard.wasm but with its name section kept
// (asc --debug), so that CPU profiles show AssemblyScript function names instead of
// wasm-function[N]. Used only for the profile pass; rebuilt when build/kseal-standard.wasm is newer.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export function namedWasm(): string {
  const out = join(ROOT, "build", "bench", "kseal-standard-named.wasm");
  const ref = join(ROOT, "build", "kseal-standard.wasm");
  if (existsSync(out) && (!existsSync(ref) || statSync(out).mtimeMs >= statSync(ref).mtimeMs)) return out;
  mkdirSync(join(ROOT, "build", "bench"), { recursive: true });
  execFileSync(join(ROOT, "node_modules", ".bin", "asc"), [
    "assembly/policy/entry.ts", "--config", "asconfig.json", "--target", "standard", "--debug", "--use", "KSEAL_BUILD_HASH=0", "-o", out,
  ], { cwd: ROOT, stdio: "inherit" });
  return out;
}
