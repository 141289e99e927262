// kseal-franz (franz-go/main.go), a franz-go client built with the machine's Go toolchain on first
// use and cached by a hash of its sources. franz-go negotiates the newest protocol versions, so it
// exercises what kcat's old librdkafka and kafkajs never send (Produce v13 topic IDs and the like).

import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rename } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { rigCacheDir } from "./kafka-classpath.js";
import { runProcess, type RunOptions, type RunResult } from "./run-process.js";

const SRC = join(dirname(fileURLToPath(import.meta.url)), "franz-go");
const run = promisify(execFile);

export function goAvailable(): boolean {
  return spawnSync("go", ["version"], { stdio: "ignore" }).status === 0;
}

let building: Promise<string> | undefined;

/** Path of the built kseal-franz binary; builds it (go build, modules from the Go proxy) if needed. */
export function franzBinary(): Promise<string> {
  building ??= (async () => {
    const hash = createHash("sha256");
    for (const f of ["main.go", "go.mod", "go.sum"]) hash.update(readFileSync(join(SRC, f)));
    const bin = join(rigCacheDir(), `kseal-franz-${hash.digest("hex").slice(0, 16)}`);
    if (existsSync(bin)) return bin;
    await mkdir(dirname(bin), { recursive: true });
    const tmp = `${bin}.${process.pid}.tmp`;
    try {
      await run("go", ["build", "-o", tmp, "."], { cwd: SRC, timeout: 10 * 60_000, maxBuffer: 16 << 20 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`building kseal-franz failed: ${(e.stderr ?? e.message).trim().slice(-2000)}`);
    }
    await rename(tmp, bin);
    return bin;
  })();
  return building;
}

/** Runs kseal-franz to completion (see franz-go/main.go for its commands and flags). */
export async function runFranz(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return runProcess(await franzBinary(), args, opts);
}
