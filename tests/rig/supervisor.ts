// The long-lived process behind `rig up`: it starts a cluster, owns its JVMs (which die with it,
// see java-process.ts), reports readiness to the CLI over IPC, and stops the cluster on SIGTERM
// (`rig down`), when its owner and every other user have exited, or when its time to live runs out.
//
// Options arrive as JSON in KSEAL_RIG_SUPERVISOR; its messages to the parent are
// {ready: ClusterInfo} or {error: string}.

import type { ClusterInfo } from "./cluster-info.js";
import { KafkaCluster, type ClusterOptions } from "./kafka-cluster.js";
import { readUsers, removeState, writeState } from "./rig-state.js";

export interface SupervisorOptions extends ClusterOptions {
  name: string;
  ownerPid?: number;
  ttlMinutes: number;
}

export type SupervisorMessage = { ready: ClusterInfo } | { error: string };

const log = (msg: string) => console.error(`[${new Date().toISOString()}] rig supervisor ${process.pid}: ${msg}`);

async function main(): Promise<void> {
  const opts = JSON.parse(process.env.KSEAL_RIG_SUPERVISOR ?? "null") as SupervisorOptions | null;
  if (!opts) throw new Error("KSEAL_RIG_SUPERVISOR is not set: the supervisor is started by `rig up`");
  const send = (m: SupervisorMessage) => process.send?.(m);

  let cluster: KafkaCluster | undefined;
  let stopping: Promise<void> | undefined;
  const shutdown = (why: string) => {
    stopping ??= (async () => {
      log(`stopping cluster ${opts.name}: ${why}`);
      await cluster?.stop().catch((e) => log(`stop failed: ${(e as Error).message}`));
      await removeState(opts.name);
      log("stopped");
      process.exit(0);
    })();
    return stopping;
  };
  for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(sig, () => void shutdown(sig));

  try {
    cluster = await KafkaCluster.start({
      ...opts,
      ownerPid: process.pid,
      onUnexpectedExit: (id, why) => log(`node ${id} ${why}; see its server.log`),
    });
  } catch (e) {
    send({ error: (e as Error).message });
    log((e as Error).message);
    process.exit(1);
  }
  if (stopping) return; // asked to stop while starting
  await writeState(cluster.info);
  log(`cluster ${opts.name} ready: ${cluster.info.bootstrap}`);
  send({ ready: cluster.info });
  process.disconnect?.();

  // With an owner, the cluster lives while any of its users (the owner and whoever reused it
  // through `up`) is alive and has not run `down`.
  const ownerPid = opts.ownerPid;
  if (ownerPid !== undefined) {
    setInterval(() => {
      if (readUsers(opts.name, [ownerPid]).length === 0) void shutdown(`its users (first ${ownerPid}) are gone`);
    }, 1000);
  }
  if (opts.ttlMinutes > 0) {
    setTimeout(() => void shutdown(`time to live of ${opts.ttlMinutes} min ran out`), opts.ttlMinutes * 60_000);
  }
  // Keeps the event loop alive when neither watch is set.
  setInterval(() => {}, 1 << 30);
}

main().catch((e) => {
  log(`failed: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
