// Free TCP ports on the loopback address, for the listeners of a cluster.

import { createServer, type Server } from "node:net";
import { RIG_HOST } from "./broker-config.js";

function listen(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, RIG_HOST, () => resolve(srv));
  });
}

/**
 * Returns `count` distinct ports that were free a moment ago. All are held open together so the
 * kernel cannot hand out one twice; another process may still take one before Kafka binds it,
 * which the cluster start detects and retries on new ports.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listen());
    return servers.map((s) => {
      const addr = s.address();
      if (addr === null || typeof addr === "string") throw new Error("listener has no TCP port");
      return addr.port;
    });
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, RIG_HOST, () => s.close(() => resolve(true)));
  });
}

/** A base port such that base .. base+count-1 are free now (for listeners that take a range of
 * ports, one per broker: kseal's range mode, Kroxylicious' port-per-node scheme). */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = await isFree(base + i);
    if (ok) return base;
  }
  throw new Error(`no range of ${count} free ports`);
}
