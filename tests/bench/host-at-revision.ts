// Builds the host as it was at a git revision into build/bench/host-<sha>/ (cached), so the
// benchmark can measure a committed state while host/ is being edited, or compare two states.
// The WASM modules are taken from build/ (assembly/ must match the revision; see the caveat in
// docs/performance.md).

import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Path of build/host/cli/main.js built from `rev`. */
export function ksealMainAt(rev: string): string {
  const sha = execFileSync("git", ["rev-parse", "--short=12", `${rev}^{commit}`], { cwd: ROOT, encoding: "utf8" }).trim();
  const dir = join(ROOT, "build", "bench", `host-${sha}`);
  const main = join(dir, "build", "host", "cli", "main.js");
  if (existsSync(main)) return main;
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, "build"), { recursive: true });
  const tar = execFileSync("git", ["archive", sha, "host", "package.json", "tsconfig.json", "tsconfig.build.json"], { cwd: ROOT, maxBuffer: 256 << 20 });
  execFileSync("tar", ["-x", "-C", tmp], { input: tar });
  symlinkSync(join(ROOT, "node_modules"), join(tmp, "node_modules"));
  for (const f of readdirSync(join(ROOT, "build"))) if (f.endsWith(".wasm")) copyFileSync(join(ROOT, "build", f), join(tmp, "build", f));
  execFileSync(join(ROOT, "node_modules", ".bin", "tsc"), ["-p", join(tmp, "tsconfig.build.json")], { stdio: "inherit" });
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return main;
}
