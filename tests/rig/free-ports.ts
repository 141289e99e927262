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
