#!/usr/bin/env node
// Builds everything kseal runs from: every WASM target in asconfig.json (into build/) and the
// TypeScript host (into build/host/). Run as `npm run build`; `npm test` and `npm start` call it.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: "inherit" });

const { targets } = JSON.parse(readFileSync(join(root, "asconfig.json"), "utf8"));

// The build hash every policy build exports (policy_info): the first 32 bits of a sha256 over
// the paths and contents of assembly/ and asconfig.json, so builds from the same sources agree.
function sourceHash() {
  const h = createHash("sha256");
  const walk = (dir) => {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true }).sort((a, b) => a.name < b.name ? -1 : 1)) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith(".ts")) h.update(rel).update("\0").update(readFileSync(join(root, rel))).update("\0");
    }
  };
  walk("assembly");
  h.update(readFileSync(join(root, "asconfig.json")));
  return h.digest().readUInt32BE(0);
}
const buildHash = sourceHash();

for (const target of Object.keys(targets)) {
  const entry = targets[target].entry ?? "assembly/index.ts";
  process.stdout.write(`build: wasm ${target} (${entry})\n`);
  run(bin("asc"), [entry, "--config", "asconfig.json", "--target", target, "--use", `KSEAL_BUILD_HASH=${buildHash}`]);
}
process.stdout.write("build: host (tsc)\n");
run(bin("tsc"), ["-p", "tsconfig.build.json"]);
