/**
 * Admin HTTP routes of the module manager, for host/admin's AdminServer.route():
 *   GET  /module         the running module and the swap counters (ModuleMetrics)
 *   POST /module/reload  re-reads the configured module file and swaps to it if it passes;
 *                        200 with the swap result, 409 when the candidate was rejected
 */
import type { ModuleManager } from "./module-manager.js";

interface Request { method: string; path: string; body: Buffer }
interface Response { status: number; body: string | object }

export function moduleRoutes(m: ModuleManager): { method: string; path: string; handler: (r: Request) => Promise<Response> }[] {
  return [
    { method: "GET", path: "/module", handler: async () => ({ status: 200, body: m.metrics() }) },
    {
      method: "POST", path: "/module/reload",
      handler: async () => {
        const r = await m.reload("admin");
        return { status: r.swapped || r.reason === "unchanged" ? 200 : 409, body: r };
      },
    },
  ];
}
