// Starting JVMs for the rig. Long-lived ones (brokers) are tied to this process with the kernel's
// parent-death signal (util-linux `setpriv --pdeathsig`), so a test process or rig supervisor that
// dies, even by SIGKILL, takes its JVMs with it instead of leaving brokers behind.

import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { runProcess, type RunOptions, type RunResult } from "./run-process.js";

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

/** Prefixes argv so the kernel kills the program when this process dies (where setpriv exists). */
function withPdeathsig(argv: string[]): string[] {
  return existsSync(SETPRIV) ? [SETPRIV, "--pdeathsig", "KILL", "--", ...argv] : argv;
}

/** Starts a JVM whose stdout and stderr go to `logFile`; it is killed when this process dies. */
export function spawnJava(cmd: JavaCommand, logFile: string): ChildProcess {
  const wrapped = withPdeathsig(javaArgv(cmd));
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

export type { RunOptions, RunResult } from "./run-process.js";

/** Runs a short-lived JVM (a Kafka tool) to completion and collects its output. */
export function runJava(cmd: JavaCommand, opts: RunOptions = {}): Promise<RunResult> {
  const argv = withPdeathsig(javaArgv(cmd));
  return runProcess(argv[0]!, argv.slice(1), { ...opts, cwd: cmd.cwd, env: cmd.env });
}

/**
 * Compiles one Java source against `classpath` into `<outRoot>/<name>-<hash>` (the hash covers
 * the source and the classpath) unless that folder already holds its class, and returns the
 * folder. It is built in a temporary folder and renamed into place, so a concurrent or
 * interrupted build never leaves a half-written one behind.
 */
export function compiledJava(source: string, classpath: string, outRoot: string, name: string): string {
  const hash = createHash("sha256").update(readFileSync(source)).update(classpath).digest("hex").slice(0, 12);
  const dir = join(outRoot, `${name}-${hash}`);
  if (!existsSync(join(dir, basename(source, ".java") + ".class"))) {
    const tmp = `${dir}.${process.pid}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    execFileSync("javac", ["-nowarn", "-cp", classpath, "-d", tmp, source], { stdio: "inherit" });
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  return dir;
}
