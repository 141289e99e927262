// The rig's command line (`npm run rig -- up|down|status|list|tool|classpath`); see cli-args.ts.
// `up` leaves the cluster running under a detached supervisor and prints its ClusterInfo as the
// last line of stdout; everything else the rig says goes to stderr.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, open, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { USAGE, parseCliArgs, type CliArgs } from "./cli-args.js";
import type { ClusterInfo } from "./cluster-info.js";
import { sleep } from "./cluster-probe.js";
import { javaArgv } from "./java-process.js";
import { kafkaClasspath } from "./kafka-classpath.js";
import { rigStateRoot } from "./kafka-cluster.js";
import { toolCommand } from "./kafka-tools.js";
import {
  readState,
  readUsers,
  removeState,
  stateFile,
  stateNames,
  supervisorAlive,
  supervisorLog,
  withLock,
  writeUsers,
} from "./rig-state.js";
import type { SupervisorMessage, SupervisorOptions } from "./supervisor.js";

const here = dirname(fileURLToPath(import.meta.url));
const say = (msg: string) => console.error(`rig: ${msg}`);

/** The running cluster of that name, or undefined (a stale state file is cleaned up on the way). */
async function running(name: string): Promise<ClusterInfo | undefined> {
  const info = readState(name);
  // Other JSON files may share the state folder; only a cluster's state has a supervisor and a dir.
  if (!info || typeof info.pid !== "number" || typeof info.dir !== "string") return undefined;
  if (supervisorAlive(info.pid)) return info;
  await removeState(name);
  await rm(info.dir, { recursive: true, force: true });
  return undefined;
}

/** Who is asking: --owner-pid, else the process that ran the CLI (tests/run-all.mjs, a shell). */
const caller = (args: CliArgs) => args.ownerPid ?? process.ppid;

async function up(args: CliArgs): Promise<number> {
  await mkdir(rigStateRoot(), { recursive: true });
  return withLock(args.name, () => upLocked(args));
}

async function upLocked(args: CliArgs): Promise<number> {
  const existing = await running(args.name);
  if (existing) {
    if (existing.brokers.length !== args.brokers || Boolean(existing.sasl) !== args.sasl) {
      say(`cluster ${args.name} is already running with other options; run down first`);
      return 1;
    }
    // Another run (say a second `npm test` on the same machine) shares it; down stops it only
    // when the last of them is done.
    await writeUsers(args.name, [...readUsers(args.name), caller(args)]);
    say(`cluster ${args.name} is already running (supervisor ${existing.pid}); reusing it`);
    console.log(JSON.stringify(existing));
    return 0;
  }
  // Resolve jars here, in the foreground, so a first-time download shows up in the CLI's output.
  await kafkaClasspath(args.kafkaVersion);

  const logPath = supervisorLog(args.name);
  const logFile = await open(logPath, "w");
  const opts: SupervisorOptions = {
    name: args.name,
    brokers: args.brokers,
    sasl: args.sasl,
    dedicatedController: args.dedicatedController,
    fullJit: args.fullJit,
    props: args.props,
    kafkaVersion: args.kafkaVersion,
    ownerPid: args.ownerPid,
    ttlMinutes: args.ttlMinutes,
  };
  const t0 = Date.now();
  const child = spawn(process.execPath, ["--import", "tsx", join(here, "supervisor.ts")], {
    detached: true,
    stdio: ["ignore", logFile.fd, logFile.fd, "ipc"],
    env: { ...process.env, KSEAL_RIG_SUPERVISOR: JSON.stringify(opts) },
  });
  await logFile.close();
  const outcome = await new Promise<SupervisorMessage>((resolve) => {
    child.once("message", (m) => resolve(m as SupervisorMessage));
    child.once("exit", (code, signal) =>
      resolve({ error: `supervisor exited (${signal ?? code}) before the cluster was ready; see ${logPath}` }),
    );
  });
  if ("error" in outcome) {
    say(outcome.error);
    return 1;
  }
  child.removeAllListeners();
  if (child.connected) child.disconnect();
  child.unref();
  const info = outcome.ready;
  await writeUsers(args.name, [caller(args)]);
  say(`cluster ${info.name} with ${info.brokers.length} broker(s) ready in ${Date.now() - t0} ms at ${info.bootstrap}`);
  say(`supervisor ${info.pid}; logs in ${info.dir}/node-*/server.log; stop with: npm run rig -- down --name ${info.name}`);
  console.log(JSON.stringify(info));
  return 0;
}

async function down(name: string, caller: number, force: boolean): Promise<number> {
  if (!existsSync(stateFile(name))) {
    say(`no cluster named ${name} is running`);
    return 0;
  }
  return withLock(name, () => downLocked(name, caller, force));
}

async function downLocked(name: string, caller: number, force: boolean): Promise<number> {
  const info = readState(name);
  if (!info) {
    say(`no cluster named ${name} is running`);
    return 0;
  }
  const others = readUsers(name).filter((p) => p !== caller);
  if (others.length > 0 && !force && supervisorAlive(info.pid)) {
    await writeUsers(name, others);
    say(`cluster ${name} is still used by process(es) ${others.join(", ")}; left running (down --force stops it)`);
    return 0;
  }
  if (supervisorAlive(info.pid)) {
    process.kill(info.pid, "SIGTERM");
    const deadline = Date.now() + 60_000;
    while (supervisorAlive(info.pid) && Date.now() < deadline) await sleep(100);
    // SIGKILL of the supervisor takes its JVMs along (parent-death signal).
    if (supervisorAlive(info.pid)) process.kill(info.pid, "SIGKILL");
  }
  await removeState(name);
  await rm(info.dir, { recursive: true, force: true });
  await rm(supervisorLog(name), { force: true });
  say(`cluster ${name} stopped`);
  return 0;
}

async function tool(args: CliArgs): Promise<number> {
  const info = await running(args.name);
  if (!info) {
    say(`no cluster named ${args.name} is running; start one with: npm run rig -- up --name ${args.name}`);
    return 1;
  }
  const [name, ...toolArgs] = args.rest;
  const argv = javaArgv(toolCommand(info, name!, toolArgs));
  const child = spawn(argv[0]!, argv.slice(1), { stdio: "inherit" });
  return new Promise((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
}

async function main(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
  } catch (e) {
    say((e as Error).message);
    return 2;
  }
  switch (args.command) {
    case "help":
      console.log(USAGE);
      return 0;
    case "up":
      return up(args);
    case "down":
      if (!args.all) return down(args.name, caller(args), args.force);
      for (const name of stateNames()) await down(name, caller(args), true);
      return 0;
    case "status": {
      const info = await running(args.name);
      if (!info) {
        say(`no cluster named ${args.name} is running`);
        return 1;
      }
      console.log(JSON.stringify(info));
      return 0;
    }
    case "list":
      for (const name of stateNames()) if (await running(name)) console.log(name);
      return 0;
    case "tool":
      return tool(args);
    case "classpath":
      console.log((await kafkaClasspath(args.kafkaVersion)).classpath);
      return 0;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    say((e as Error).message);
    process.exit(1);
  },
);
