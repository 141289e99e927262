// Starting JVMs for the rig. Long-lived ones (brokers) are tied to this process with the kernel's
// parent-death signal (util-linux `setpriv --pdeathsig`), so a test process or rig supervisor that
// dies, even by SIGKILL, takes its JVMs with it instead of leaving brokers behind.

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, openSync, closeSync } from "node:fs";

const SETPRIV = "/usr/bin/setpriv";

export interface JavaCommand {
  classpath: string;
  mainClass: string;
  args: string[];
  /** JVM options placed before the main class. */
  jvmOpts?: string[];
  /** log4j2 configuration file (-Dlog4j2.configurationFile). */
  log4jFile?: string;
  /** System properties, -Dkey=value. */
  sysProps?: Record<string, string>;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export function javaBin(env: NodeJS.ProcessEnv = process.env): string {
  return env.JAVA_HOME ? `${env.JAVA_HOME}/bin/java` : "java";
}

/** The argv of `java ...` for a command (without the pdeathsig wrapper). */
export function javaArgv(cmd: JavaCommand): string[] {
  const sys = { ...(cmd.log4jFile ? { "log4j2.configurationFile": cmd.log4jFile } : {}), ...cmd.sysProps };
  return [
    javaBin(cmd.env),
    ...(cmd.jvmOpts ?? []),
    ...Object.entries(sys).map(([k, v]) => `-D${k}=${v}`),
    "-cp",
    cmd.classpath,
    cmd.mainClass,
    ...cmd.args,
  ];
}

/** Starts a JVM whose stdout and stderr go to `logFile`; it is killed when this process dies. */
export function spawnJava(cmd: JavaCommand, logFile: string): ChildProcess {
  const argv = javaArgv(cmd);
  const wrapped = existsSync(SETPRIV) ? [SETPRIV, "--pdeathsig", "KILL", "--", ...argv] : argv;
  const fd = openSync(logFile, "a");
  try {
    return spawn(wrapped[0]!, wrapped.slice(1), {
      cwd: cmd.cwd,
      env: { ...process.env, ...cmd.env },
      stdio: ["ignore", fd, fd],
    });
  } finally {
    closeSync(fd);
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Bytes written to stdin, which is then closed. */
  input?: string | Uint8Array;
  timeoutMs?: number;
}

/** Runs a short-lived JVM (a Kafka tool) to completion and collects its output. */
export function runJava(cmd: JavaCommand, opts: RunOptions = {}): Promise<RunResult> {
  const argv = javaArgv(cmd);
  const wrapped = existsSync(SETPRIV) ? [SETPRIV, "--pdeathsig", "KILL", "--", ...argv] : argv;
  return new Promise((resolve, reject) => {
    const child = spawn(wrapped[0]!, wrapped.slice(1), {
      cwd: cmd.cwd,
      env: { ...process.env, ...cmd.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = opts.timeoutMs
      ? setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs)
      : undefined;
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? 128,
        stdout,
        stderr: signal ? `${stderr}\n[killed by ${signal}${opts.timeoutMs ? ` after ${opts.timeoutMs} ms` : ""}]` : stderr,
      });
    });
    child.stdin.on("error", () => {}); // a tool that exits early closes its stdin; that is its answer
    child.stdin.end(opts.input ?? "");
  });
}
