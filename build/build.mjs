#!/usr/bin/env node
// Builds everything kseal runs from: every WASM target in asconfig.json (into build/) and the
// TypeScript host (into build/host/). Run as `npm run build`; `npm test` and `npm start` call it.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: "inherit" });

const { targets } = JSON.parse(readFileSync(join(root, "asconfig.json"), "utf8"));

for (const target of Object.keys(targets)) {
  const entry = targets[target].entry ?? "assembly/index.ts";
  process.stdout.write(`build: wasm ${target} (${entry})\n`);
  run(bin("asc"), [entry, "--config", "asconfig.json", "--target", target]);
}
process.stdout.write("build: host (tsc)\n");
run(bin("tsc"), ["-p", "tsconfig.build.json"]);
