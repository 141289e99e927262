// The Python clients (tests/clients/python): kafka-python, whose protocol code is pure Python, and
// confluent-kafka, whose wheel bundles a newer librdkafka than Debian's kcat. They run in a
// virtualenv made once with `python3 -m venv` and pip (pinned requirements.txt, from PyPI) under
// ~/.cache/kseal-rig/python-venv; a marker file holding the hash of requirements.txt says it is
// complete, so a changed pin rebuilds it.

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { rigCacheDir } from "./kafka-classpath.js";
import { runProcess, type RunOptions, type RunResult } from "./run-process.js";

export type PythonClient = "kafka-python" | "confluent";

const SRC = join(dirname(fileURLToPath(import.meta.url)), "..", "clients", "python");
const REQUIREMENTS = join(SRC, "requirements.txt");
const SCRIPT: Record<PythonClient, string> = { "kafka-python": "kafka_python_client.py", confluent: "confluent_client.py" };
const MARKER = ".kseal-requirements";

const requirementsHash = () => createHash("sha256").update(readFileSync(REQUIREMENTS)).digest("hex");
const venvDir = () => join(rigCacheDir(), "python-venv");
const venvPython = (dir: string) => join(dir, "bin", "python");

function venvReady(dir = venvDir()): boolean {
  try {
    return readFileSync(join(dir, MARKER), "utf8").trim() === requirementsHash() && existsSync(venvPython(dir));
  } catch {
    return false;
  }
}

/** Why the Python clients cannot run here without a download (null: the venv exists or can be made). */
export function pythonToolchainReason(): string | null {
  if (venvReady()) return null;
  const r = spawnSync("python3", ["-c", "import venv, ensurepip"], { encoding: "utf8" });
  if (r.error) return "python3 is not installed (Debian: apt-get install python3 python3-venv)";
  if (r.status !== 0) return "python3 cannot make a virtualenv with pip (Debian: apt-get install python3-venv)";
  return null;
}

async function sh(cmd: string, args: string[], timeoutMs: number): Promise<void> {
  const r = await runProcess(cmd, args, { timeoutMs });
  if (r.code !== 0) throw new Error(`${[cmd, ...args].join(" ")} exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(-1500)}`);
}

let preparing: Promise<string> | undefined;

/** The venv's python, after making the venv if needed (rejects with the reason when impossible). */
export function pythonVenv(): Promise<string> {
  preparing ??= (async () => {
    const dir = venvDir();
    if (venvReady(dir)) return venvPython(dir);
    const reason = pythonToolchainReason();
    if (reason) throw new Error(reason);
    // Built beside the final place and renamed into it, so concurrent test processes never see
    // half a venv (the loser of the race throws its copy away). A venv run through its bin/python
    // does not care where it lives.
    const tmp = `${dir}.${process.pid}.tmp`;
    await mkdir(dirname(dir), { recursive: true });
    await rm(tmp, { recursive: true, force: true });
    try {
      await sh("python3", ["-m", "venv", tmp], 120_000);
      await sh(venvPython(tmp), ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--timeout", "30", "--retries", "2", "--only-binary=:all:", "-r", REQUIREMENTS], 10 * 60_000);
      await writeFile(join(tmp, MARKER), `${requirementsHash()}\n`);
      if (!venvReady(dir)) {
        await rm(dir, { recursive: true, force: true });
        await rename(tmp, dir);
      }
    } catch (err) {
      throw new Error(`cannot install the Python clients: ${(err as Error).message}`);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    return venvPython(dir);
  })();
  return preparing;
}

/** Null when the Python clients run here (making the venv first), else why not. */
export async function pythonClientsUnavailableReason(): Promise<string | null> {
  try {
    await pythonVenv();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Runs one Python client to completion (commands and flags: tests/clients/python/line_records.py). */
export async function runPythonClient(client: PythonClient, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const python = await pythonVenv();
  return runProcess(python, [join(SRC, SCRIPT[client]), ...args], { ...opts, env: { PYTHONDONTWRITEBYTECODE: "1", ...opts.env } });
}

/** Versions the Python clients report, e.g. { "kafka-python": "3.0.12" } or confluent-kafka and librdkafka. */
export async function pythonClientVersions(client: PythonClient): Promise<Record<string, string>> {
  const r = await runPythonClient(client, ["version"], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`${client} version: ${r.stderr.trim().slice(-500)}`);
  return JSON.parse(r.stdout) as Record<string, string>;
}
