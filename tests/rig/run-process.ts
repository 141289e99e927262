// Runs a program to completion with optional stdin, collecting its output; never rejects on a
// non-zero exit (the result carries the code), only when the program cannot start.

import { spawn } from "node:child_process";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout exactly as written, for byte comparisons. */
  stdoutBytes: Uint8Array;
}

export interface RunOptions {
  /** Bytes written to stdin, which is then closed. */
  input?: string | Uint8Array;
  /** SIGKILL the program after this long (the result then says so in stderr). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function runProcess(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Uint8Array[] = [];
    let stderr = "";
    child.stdout.on("data", (d: Uint8Array) => out.push(d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = opts.timeoutMs ? setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs) : undefined;
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const bytes = new Uint8Array(Buffer.concat(out));
      resolve({
        code: code ?? 128,
        stdout: Buffer.from(bytes).toString("utf8"),
        stdoutBytes: bytes,
        stderr: signal ? `${stderr}\n[killed by ${signal}${opts.timeoutMs ? ` after ${opts.timeoutMs} ms` : ""}]` : stderr,
      });
    });
    // A program that exits before reading all of stdin closes the pipe; that is its answer.
    child.stdin.on("error", () => {});
    child.stdin.end(opts.input ?? "");
  });
}
